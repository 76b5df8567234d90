"""load_keras_model: the same model as tf_keras.models.load_model, tf_keras left as it was."""
import numpy as np
import pytest
import tf_keras
from tf_keras.src.saving import saving_lib

import tinybert_tf as tb
from tests.helpers import make_inputs, tiny_backbone
from tinybert_tf.saving import load_keras_model


def test_same_model_and_weights_as_tf_keras(tmp_path):
    tf_keras.utils.set_random_seed(0)
    model = tb.TinyBertClassifier(tiny_backbone(), 3)
    path = str(tmp_path / "student.keras")
    model.save(path)
    original = saving_lib.H5IOStore.__init__
    fast = load_keras_model(path)
    assert saving_lib.H5IOStore.__init__ is original
    slow = tf_keras.models.load_model(path, compile=False)
    assert type(fast) is type(slow) is tb.TinyBertClassifier
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_array_equal(a, b)
    inputs = make_inputs()
    np.testing.assert_array_equal(fast(inputs)["logits"].numpy(), model(inputs)["logits"].numpy())


def test_tf_keras_is_restored_after_a_failed_load(tmp_path):
    original = saving_lib.H5IOStore.__init__
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip")
    with pytest.raises(Exception):
        load_keras_model(str(broken))
    assert saving_lib.H5IOStore.__init__ is original
