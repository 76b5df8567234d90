import numpy as np
import pytest

from tinybert_tf.constants import IGNORE_LABEL, INPUT_NAMES
from tinybert_tf.data import Example, Tokenizer, encode_examples, make_dataset


@pytest.fixture(scope="module")
def tok12(tiny_vocab_file):
    return Tokenizer(tiny_vocab_file, sequence_length=12)


@pytest.fixture(scope="module")
def tok8(tiny_vocab_file):
    return Tokenizer(tiny_vocab_file, sequence_length=8)


@pytest.fixture(scope="module")
def pair_examples():
    return [Example(text="the" + " dog" * i, text_pair="a fox" if i % 2 else "the", label=i % 3, uid=f"p:{i}") for i in range(10)]


@pytest.fixture(scope="module")
def ner_examples():
    return [Example(words=("The", "dogs", "jumped")[: 1 + i % 3], tags=(1, 2, 0)[: 1 + i % 3], uid=f"n:{i}") for i in range(7)]


def test_encode_classification_matches_tokenizer(tok12, pair_examples):
    tokenizer = tok12
    single = [Example(text=e.text, label=e.label, uid=e.uid) for e in pair_examples]
    features, labels = encode_examples(single, tokenizer, "classification")
    assert sorted(features) == sorted(INPUT_NAMES)
    np.testing.assert_array_equal(features["token_ids"], tokenizer.encode([e.text for e in single])["token_ids"])
    np.testing.assert_array_equal(labels, [i % 3 for i in range(10)])
    assert labels.dtype == np.int32 and labels.shape == (10,)

    features, _ = encode_examples(pair_examples, tokenizer, "pair_classification")
    expected = tokenizer.encode([e.text for e in pair_examples], [e.text_pair for e in pair_examples])
    for name in INPUT_NAMES:
        np.testing.assert_array_equal(features[name], expected[name])
    assert features["segment_ids"].max() == 1


def test_encode_token_classification(tok8, ner_examples):
    tokenizer = tok8
    features, labels = encode_examples(ner_examples, tokenizer, "token_classification")
    assert sorted(features) == sorted(INPUT_NAMES)  # word_ids stay out of the model inputs
    assert labels.shape == (7, 8) and labels.dtype == np.int32
    X = IGNORE_LABEL
    # "The dogs jumped" -> [CLS] the dog ##s jump ##ed [SEP] [PAD]
    np.testing.assert_array_equal(labels[2], [X, 1, 2, X, 0, X, X, X])
    np.testing.assert_array_equal(labels[0], [X, 1, X, X, X, X, X, X])


def test_encode_rejects_missing_fields(tok8, pair_examples):
    tokenizer = tok8
    with pytest.raises(ValueError, match="p:0"):
        encode_examples([Example(text="a", uid="p:0")], tokenizer, "classification")
    with pytest.raises(ValueError, match="no words/tags"):
        encode_examples(pair_examples, tokenizer, "token_classification")
    with pytest.raises(ValueError, match="unknown task kind"):
        encode_examples(pair_examples, tokenizer, "regression")


def collect(dataset):
    batches = list(dataset)
    features = {k: np.concatenate([b[0][k].numpy() for b in batches]) for k in INPUT_NAMES}
    return batches, features, np.concatenate([b[1].numpy() for b in batches])


def test_make_dataset_batches_in_order(tok12, pair_examples):
    tokenizer = tok12
    features, labels = encode_examples(pair_examples, tokenizer, "pair_classification")
    batches, got, got_labels = collect(make_dataset(pair_examples, tokenizer, "pair_classification", batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert batches[0][0]["token_ids"].dtype.name == "int32" and batches[0][1].dtype.name == "int32"
    np.testing.assert_array_equal(got_labels, labels)
    for name in INPUT_NAMES:
        np.testing.assert_array_equal(got[name], features[name])
    dropped = make_dataset(pair_examples, tokenizer, "pair_classification", batch_size=4, drop_remainder=True)
    assert [len(b[1]) for b in dropped] == [4, 4]


def test_make_dataset_shuffles_with_seed(tok12, pair_examples):
    tokenizer = tok12
    examples = [Example(text=e.text, label=i % 2, uid=e.uid) for i, e in enumerate(pair_examples)]
    token_ids = tokenizer.encode([e.text for e in examples])["token_ids"]

    def order(seed):
        _, features, labels = collect(make_dataset(examples, tokenizer, "classification", batch_size=3, shuffle=True, seed=seed))
        # Each row is still paired with its own label.
        rows = [int(np.nonzero((token_ids == row).all(axis=1))[0][0]) for row in features["token_ids"]]
        np.testing.assert_array_equal(labels, [i % 2 for i in rows])
        return rows

    assert sorted(order(0)) == list(range(10))
    assert order(0) == order(0)
    assert order(0) != order(1) or order(0) != order(2)
    assert order(0) != list(range(10))


def test_make_dataset_repeat_and_token_labels(tok8, ner_examples):
    tokenizer = tok8
    dataset = make_dataset(ner_examples, tokenizer, "token_classification", batch_size=5, repeat=True)
    batches = list(dataset.take(4))
    assert [tuple(b[1].shape) for b in batches] == [(5, 8)] * 4  # 7 examples, repeated, no short batch
    assert batches[0][0]["padding_mask"].shape == (5, 8)


def test_extra_features_stay_with_their_examples_through_the_shuffle(tok12, pair_examples):
    single = [Example(text=e.text, label=e.label, uid=e.uid) for e in pair_examples]
    features, labels = encode_examples(single, tok12, "classification")
    extra = np.arange(10, dtype=np.float32)[:, None] * [1.0, -1.0]  # [N, 2], row i = (i, -i)
    ds = make_dataset(single, tok12, "classification", batch_size=4, shuffle=True, seed=3,
                      extra_features={"teacher_logits": extra})
    seen = []
    for x, y in ds:
        for ids, row in zip(x["token_ids"].numpy(), x["teacher_logits"].numpy()):
            i = int(row[0])
            np.testing.assert_array_equal(ids, features["token_ids"][i])
            np.testing.assert_array_equal(row, extra[i])
            seen.append(i)
    assert sorted(seen) == list(range(10)) and seen != list(range(10))
    with pytest.raises(ValueError, match="3 rows for 10 examples"):
        make_dataset(single, tok12, "classification", extra_features={"teacher_logits": extra[:3]})
