import numpy as np
import pytest
import tf_keras

import tinybert_tf as tb
from tests.helpers import tiny_backbone as tiny
from tinybert_tf.constants import IGNORE_LABEL


def test_logits_per_token(inputs):
    tagger = tb.TinyBertTokenClassifier(tiny(), num_labels=5)
    assert tagger(inputs)["logits"].shape == (2, 8, 5)


def test_trains_with_ignored_positions():
    tf_keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    ids = rng.integers(3, 40, (32, 8)).astype("int32")
    labels = (ids % 3).astype("int32")  # label is a function of the token
    labels[:, 0] = IGNORE_LABEL
    x = {"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": np.ones_like(ids)}
    tagger = tb.TinyBertTokenClassifier(tiny(), num_labels=3, dropout=0.0)
    tagger.compile(
        tf_keras.optimizers.Adam(3e-3),
        tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=IGNORE_LABEL),
    )
    before = tagger.evaluate(x, labels, verbose=0)
    tagger.fit(x, labels, epochs=10, batch_size=8, verbose=0)
    assert tagger.evaluate(x, labels, verbose=0) < 0.5 * before


def test_config_round_trip(tmp_path, inputs):
    tagger = tb.TinyBertTokenClassifier(tiny(), num_labels=5)
    assert (
        tb.TinyBertTokenClassifier.from_config(tagger.get_config()).get_config()
        == tagger.get_config()
    )
    tagger.save(tmp_path / "t.keras")
    restored = tf_keras.models.load_model(tmp_path / "t.keras")
    np.testing.assert_array_equal(restored(inputs)["logits"], tagger(inputs)["logits"])


def test_rejects_bad_num_labels():
    with pytest.raises(ValueError, match="num_labels"):
        tb.TinyBertTokenClassifier(tiny(), num_labels=0)
