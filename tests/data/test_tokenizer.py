"""Tokenizer: hand-checked ids, agreement with keras-hub's BertTokenizer / preprocessor, NER alignment."""
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics.sequence_labeling import get_entities

from tinybert_tf.constants import IGNORE_LABEL
from tinybert_tf.data import DataError, Tokenizer

X = IGNORE_LABEL


@pytest.fixture(scope="module")
def tiny(tiny_vocab_file):
    return Tokenizer(tiny_vocab_file, lowercase=True, sequence_length=10)


@pytest.fixture(scope="module")
def reference_tokenizer(minilm_dir):
    """The teacher's tokenizer, as keras-hub builds it from the model folder."""
    import keras_hub

    return keras_hub.models.BertTokenizer.from_preset(str(minilm_dir))


def reference_ids(reference, texts, sequence_length):
    """[CLS] + first S-2 pieces + [SEP] + [PAD]..., from keras-hub's word pieces."""
    rows = []
    for pieces in reference(texts):
        pieces = list(np.asarray(pieces).tolist())[: sequence_length - 2]
        row = [reference.cls_token_id, *pieces, reference.sep_token_id]
        rows.append(row + [reference.pad_token_id] * (sequence_length - len(row)))
    return np.array(rows, np.int32)


def test_properties(tokenizer, minilm_dir):
    assert tokenizer.vocabulary_size == 30522 == len(tokenizer.vocabulary)
    assert (tokenizer.cls_id, tokenizer.sep_id, tokenizer.pad_id, tokenizer.unk_id) == (101, 102, 0, 100)
    assert tokenizer.vocabulary[101] == "[CLS]"
    assert tokenizer.lowercase and tokenizer.sequence_length == 128
    assert tokenizer.vocab_file == str(minilm_dir / "vocab.txt")
    assert tokenizer.get_config() == {"vocab_file": tokenizer.vocab_file, "lowercase": True,
                                      "sequence_length": 128, "strip_accents": True}


def test_from_model_dir_reads_casing(minilm_dir, tmp_path, tiny_vocab_file):
    assert Tokenizer.from_model_dir(minilm_dir, sequence_length=32).lowercase is True
    (tmp_path / "vocab.txt").write_text(tiny_vocab_file.read_text())
    (tmp_path / "tokenizer_config.json").write_text('{"do_lower_case": false}')
    cased = Tokenizer.from_model_dir(tmp_path, sequence_length=8)
    assert cased.lowercase is False
    assert cased.encode("The")["token_ids"][0, 1] == cased.unk_id  # "The" is not in the lowercase vocab


def test_hand_computed_ids(tiny):
    out = tiny.encode(["The quick dogs jumped.", "a cat", ""])
    # [CLS]=2 the=5 quick=6 dog=14 ##s=11 jump=9 ##ed=10 .=12 [SEP]=3; cat -> [UNK]=1
    np.testing.assert_array_equal(out["token_ids"], [
        [2, 5, 6, 14, 11, 9, 10, 12, 3, 0],
        [2, 13, 1, 3, 0, 0, 0, 0, 0, 0],
        [2, 3, 0, 0, 0, 0, 0, 0, 0, 0],
    ])
    np.testing.assert_array_equal(out["padding_mask"].sum(axis=1), [9, 4, 2])
    assert not out["segment_ids"].any()
    assert all(v.dtype == np.int32 and v.shape == (3, 10) for v in out.values())


def test_truncation_keeps_cls_and_sep(tiny):
    ids = tiny.encode("the quick brown fox the quick brown fox the quick")["token_ids"][0]
    np.testing.assert_array_equal(ids, [2, 5, 6, 7, 8, 5, 6, 7, 8, 3])


def test_pair_segments_and_round_robin_truncation(tiny):
    out = tiny.encode(["the quick brown fox the quick brown fox", "a"], ["a dog", "the dog"])
    # 7 places for pieces: the short second segment is kept whole, the first is cut.
    np.testing.assert_array_equal(out["token_ids"], [
        [2, 5, 6, 7, 8, 5, 3, 13, 14, 3],
        [2, 13, 3, 5, 14, 3, 0, 0, 0, 0],
    ])
    np.testing.assert_array_equal(out["segment_ids"], [
        [0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
        [0, 0, 0, 1, 1, 1, 0, 0, 0, 0],
    ])
    np.testing.assert_array_equal(out["padding_mask"][1], [1, 1, 1, 1, 1, 1, 0, 0, 0, 0])


def test_bad_arguments(tiny, tmp_path):
    with pytest.raises(ValueError, match="2 texts but 1 text_pairs"):
        tiny.encode(["a", "b"], ["c"])
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str"):
        tiny.encode(["a", None])
    with pytest.raises(DataError, match="vocabulary file not found"):
        Tokenizer(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="sequence_length"):
        Tokenizer(tiny.vocab_file, sequence_length=2)


def test_ids_match_keras_hub_on_real_bbc_texts(tokenizer, reference_tokenizer, bbc_task):
    texts = [e.text for e in bbc_task.test[:20]]
    ours = tokenizer.encode(texts)
    np.testing.assert_array_equal(ours["token_ids"], reference_ids(reference_tokenizer, texts, 128))
    # Some articles are longer than 128 pieces: truncation is exercised.
    assert (ours["padding_mask"].sum(axis=1) == 128).any()


def test_features_match_teacher_preprocessor_for_pairs(minilm_dir, bbc_task):
    import keras_hub

    tokenizer = Tokenizer.from_model_dir(minilm_dir, sequence_length=64)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor.from_preset(str(minilm_dir), sequence_length=64)
    first = [e.text.split("\n")[0] for e in bbc_task.validation[:10]]  # short titles
    second = [e.text for e in bbc_task.validation[10:20]]  # long articles
    ours = tokenizer.encode(first, second)
    theirs = preprocessor(x=(first, second))
    for name in ("token_ids", "segment_ids", "padding_mask"):
        np.testing.assert_array_equal(ours[name], np.asarray(theirs[name]).astype(np.int32))
    # Segment 1 is present and ends with [SEP] at the last real position.
    assert (ours["segment_ids"].sum(axis=1) > 0).all()
    last = ours["padding_mask"].sum(axis=1) - 1
    assert (ours["token_ids"][np.arange(10), last] == tokenizer.sep_id).all()


ACCENTED = ["Café in Zürich, naïve résumé", "São Paulo élève Ångström", "plain words"]


def test_uncased_strips_accents_like_tf_text_bert_tokenizer(minilm_dir):
    import tensorflow as tf
    import tensorflow_text

    ours = Tokenizer(minilm_dir, lowercase=True, sequence_length=32)
    assert ours.strip_accents is True
    reference = tensorflow_text.BertTokenizer(
        str(minilm_dir / "vocab.txt"), lower_case=True, token_out_type=tf.int32)
    pieces = reference.tokenize(tf.constant(ACCENTED)).merge_dims(-2, -1)
    ids = ours.encode(ACCENTED)["token_ids"]
    for row, expected in zip(ids, pieces.to_list()):
        assert row[1 : 1 + len(expected)].tolist() == expected
    assert ours.unk_id not in ids
    bare = ["".join(c for c in unicodedata.normalize("NFD", t) if unicodedata.category(c) != "Mn")
            for t in ACCENTED]  # "Cafe in Zurich, naive resume", ...
    np.testing.assert_array_equal(ids, ours.encode(bare)["token_ids"])


def test_accents_kept_when_asked_or_cased(minilm_dir, tmp_path):
    kept = Tokenizer(minilm_dir, lowercase=True, sequence_length=32, strip_accents=False)
    assert kept.unk_id in kept.encode(ACCENTED[:1])["token_ids"]
    assert Tokenizer(minilm_dir, lowercase=False, sequence_length=32).strip_accents is False
    (tmp_path / "vocab.txt").write_bytes((minilm_dir / "vocab.txt").read_bytes())
    (tmp_path / "tokenizer_config.json").write_text('{"do_lower_case": true, "strip_accents": false}')
    assert Tokenizer.from_model_dir(tmp_path).strip_accents is False
    (tmp_path / "tokenizer_config.json").write_text('{"do_lower_case": true, "strip_accents": null}')
    assert Tokenizer.from_model_dir(tmp_path).strip_accents is True


@pytest.fixture(scope="module")
def short_tokenizer(minilm_dir):
    return Tokenizer(minilm_dir, sequence_length=16)  # a folder holding vocab.txt


def test_folder_gives_its_vocab_file(short_tokenizer, tokenizer):
    assert short_tokenizer.vocab_file == tokenizer.vocab_file


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.text(max_size=60), min_size=1, max_size=4), pair=st.booleans())
def test_any_unicode_never_crashes(short_tokenizer, texts, pair):
    pairs = list(reversed(texts)) if pair else None
    out = short_tokenizer.encode(texts, pairs)
    for name, value in out.items():
        assert value.shape == (len(texts), 16) and value.dtype == np.int32, name
    ids = out["token_ids"]
    assert ((ids >= 0) & (ids < short_tokenizer.vocabulary_size)).all()
    assert (ids[:, 0] == short_tokenizer.cls_id).all()
    lengths = out["padding_mask"].sum(axis=1)
    assert (ids[np.arange(len(texts)), lengths - 1] == short_tokenizer.sep_id).all()


@settings(max_examples=25, deadline=None)
@given(sentences=st.lists(st.lists(st.text(max_size=12), max_size=20), min_size=1, max_size=4))
def test_any_words_never_crash_and_round_trip(short_tokenizer, sentences):
    tags = [[i % 5 for i in range(len(words))] for words in sentences]
    features, labels = short_tokenizer.encode_words(sentences, tags)
    assert labels.shape == (len(sentences), 16)
    ids = features["token_ids"]
    assert ((ids >= 0) & (ids < short_tokenizer.vocabulary_size)).all()
    decoded = short_tokenizer.decode_word_tags(labels, features["word_ids"], [len(w) for w in sentences])
    for words, gold, got, word_ids in zip(sentences, tags, decoded, features["word_ids"]):
        kept = len(set(word_ids.tolist()) - {-1})  # words that fit: a prefix of the sentence
        assert got[:kept] == gold[:kept] and got[kept:] == [0] * (len(words) - kept)


def test_lone_surrogate_is_replaced(short_tokenizer):
    out = short_tokenizer.encode(["ok \ud800 ok"])
    assert out["padding_mask"].sum() >= 4


def test_encode_words_hand_computed(tiny):
    features, labels = tiny.encode_words([["The", "dogs", "jumped"], ["\u200b", "dog"], []], [[1, 2, 3], [4, 5], []])
    np.testing.assert_array_equal(features["token_ids"], [
        [2, 5, 14, 11, 9, 10, 3, 0, 0, 0],
        [2, 1, 14, 3, 0, 0, 0, 0, 0, 0],  # a word with no pieces becomes [UNK], keeping its tag
        [2, 3, 0, 0, 0, 0, 0, 0, 0, 0],
    ])
    np.testing.assert_array_equal(labels, [
        [X, 1, 2, X, 3, X, X, X, X, X],
        [X, 4, 5, X, X, X, X, X, X, X],
        [X] * 10,
    ])
    np.testing.assert_array_equal(features["word_ids"][0], [-1, 0, 1, 1, 2, 2, -1, -1, -1, -1])
    np.testing.assert_array_equal(features["padding_mask"].sum(axis=1), [7, 4, 2])
    assert tiny.decode_word_tags(labels, features["word_ids"], [3, 2, 0]) == [[1, 2, 3], [4, 5], []]


def test_truncated_words_decode_as_outside(tiny_vocab_file):
    short = Tokenizer(tiny_vocab_file, sequence_length=5)
    features, labels = short.encode_words([["The", "dogs", "jumped"]], [[1, 2, 3]])
    np.testing.assert_array_equal(features["token_ids"], [[2, 5, 14, 11, 3]])
    np.testing.assert_array_equal(labels, [[X, 1, 2, X, X]])
    assert short.decode_word_tags(labels, features["word_ids"], [["The", "dogs", "jumped"]]) == [[1, 2, 0]]


def test_ner_alignment_round_trips_to_gold_entities(tokenizer, wnut_task):
    examples = wnut_task.train + wnut_task.validation + wnut_task.test
    features, labels = tokenizer.encode_words([e.words for e in examples], [e.tags for e in examples])
    decoded = tokenizer.decode_word_tags(labels, features["word_ids"], [len(e.words) for e in examples])
    names = wnut_task.label_names
    fits = features["padding_mask"].sum(axis=1) < tokenizer.sequence_length
    assert fits.mean() > 0.99
    for example, tags, fit in zip(examples, decoded, fits):
        if fit:
            assert tags == list(example.tags), example.uid
            assert get_entities([names[t] for t in tags]) == get_entities([names[t] for t in example.tags])
    # One label per word start, on a position whose word id is that word.
    assert (labels != X).sum() == sum(len(e.words) for e, fit in zip(examples, fits) if fit) + sum(
        len(set(row.tolist()) - {-1}) for row, fit in zip(features["word_ids"], fits) if not fit
    )


@pytest.mark.slow
def test_whole_bbc_corpus_matches_keras_hub(tokenizer, reference_tokenizer, bbc_task):
    import tensorflow as tf

    texts = [e.text for s in ("train", "validation", "test") for e in bbc_task.split(s)]
    ours = tokenizer.encode(texts)
    assert ours["token_ids"].shape == (2225, 128)
    # keras-hub's pieces in one graph call (eager calls convert to Python lists, slowly).
    pieces = tf.function(lambda x: reference_tokenizer(x).to_tensor(-1)[:, :126], autograph=False)(tf.constant(texts))
    pieces = pieces.numpy()  # [N, <=126], -1 past the end
    expected = np.zeros((2225, 128), np.int32)
    expected[:, 0] = reference_tokenizer.cls_token_id
    lengths = (pieces >= 0).sum(axis=1)
    expected[:, 1 : 1 + pieces.shape[1]] = np.where(pieces >= 0, pieces, 0)
    expected[np.arange(2225), lengths + 1] = reference_tokenizer.sep_token_id
    np.testing.assert_array_equal(ours["token_ids"], expected)
    assert lengths.mean() > 120  # most articles fill the sequence


@settings(max_examples=20, deadline=None)
@given(texts=st.lists(st.text(max_size=80), min_size=1, max_size=5))
def test_any_unicode_through_the_data_pipeline(short_tokenizer, texts):
    from tinybert_tf.data import Example, make_dataset

    examples = [Example(text=t, label=i % 2, uid=f"u:{i}") for i, t in enumerate(texts)]
    batches = list(make_dataset(examples, short_tokenizer, "classification", batch_size=2))
    assert sum(len(y) for _, y in batches) == len(texts)
    for x, y in batches:
        for name, value in x.items():
            assert value.shape[1:] == (16,) and value.dtype == "int32", name
        ids = x["token_ids"].numpy()
        assert ((ids >= 0) & (ids < short_tokenizer.vocabulary_size)).all()
