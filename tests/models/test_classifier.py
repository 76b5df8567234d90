import numpy as np
import tf_keras

import tinybert_tf as tb
from tests.helpers import make_inputs
from tests.helpers import tiny_backbone as tiny


def _toy_separable(n=64, seq=8, seed=0):
    """Class 1 iff token 5 appears: a task a few steps of training can learn."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(6, 50, (n, seq)).astype("int32")
    labels = rng.integers(0, 2, n).astype("int32")
    ids[labels == 1, 1] = 5
    x = {"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": np.ones_like(ids)}
    return x, labels


def test_outputs_named_logits(inputs):
    clf = tb.TinyBertClassifier(tiny(), num_classes=3)
    out = clf(inputs)
    assert set(out) == {"logits"} and out["logits"].shape == (2, 3)


def test_flat_graph_without_nested_models():
    clf = tb.TinyBertClassifier(tiny(), num_classes=3)
    assert not any(isinstance(layer, tf_keras.Model) for layer in clf.layers)


def test_training_lowers_loss():
    tf_keras.utils.set_random_seed(0)
    x, y = _toy_separable()
    clf = tb.TinyBertClassifier(tiny(), num_classes=2, dropout=0.0)
    clf.compile(
        tf_keras.optimizers.Adam(3e-3),
        tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    before = clf.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    clf.fit(x, y, epochs=15, batch_size=16, verbose=0)
    after = clf.evaluate(x, y, verbose=0, return_dict=True)
    assert after["loss"] < 0.5 * before
    assert after["accuracy"] > 0.9
    assert clf.predict(x, verbose=0)["logits"].shape == (64, 2)


def test_feature_model_shares_weights(inputs):
    clf = tb.TinyBertClassifier(tiny(), num_classes=3)
    features = clf.feature_model(inputs)
    assert set(features) == {"logits", "hidden_states", "attention_scores"}
    np.testing.assert_array_equal(features["logits"], clf(inputs)["logits"])
    assert {id(w) for w in clf.feature_model.weights} == {id(w) for w in clf.weights}


def test_config_round_trip_and_save_load(tmp_path, inputs):
    clf = tb.TinyBertClassifier(tiny(), num_classes=4, dropout=0.2)
    config = clf.get_config()
    clone = tb.TinyBertClassifier.from_config(config)
    assert clone.get_config() == config
    clf.save(tmp_path / "clf.keras")
    restored = tf_keras.models.load_model(tmp_path / "clf.keras")
    assert isinstance(restored, tb.TinyBertClassifier) and restored.num_classes == 4
    np.testing.assert_array_equal(restored(inputs)["logits"], clf(inputs)["logits"])


def test_sentence_pairs_use_segments():
    clf = tb.TinyBertClassifier(tiny(), num_classes=2)
    x = make_inputs(batch=1, pad_last=0)
    flipped = dict(x, segment_ids=1 - x["segment_ids"])
    assert not np.allclose(clf(x)["logits"], clf(flipped)["logits"])


def test_rejects_bad_num_classes():
    import pytest

    with pytest.raises(ValueError, match="num_classes"):
        tb.TinyBertClassifier(tiny(), num_classes=1)
