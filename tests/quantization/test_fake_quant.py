import numpy as np
import tensorflow as tf
import tf_keras

from tinybert_tf.quantization import FakeQuant


def test_disabled_is_identity_without_weights():
    layer = FakeQuant(enabled=False)
    x = np.linspace(-3, 3, 7, dtype="float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    assert layer.weights == [] and layer.range is None


def test_quantizes_to_256_levels_of_its_range():
    layer = FakeQuant()
    x = np.linspace(-1.0, 1.55, 1000, dtype="float32")
    layer(x, training=True)  # first batch sets the range
    low, high = layer.range
    assert (low, high) == (np.float32(-1.0), np.float32(1.55))
    out = layer(x, training=False).numpy()
    assert len(np.unique(out)) <= 256
    assert np.abs(out - x).max() <= (high - low) / 255 / 2 + 1e-6


def test_in_a_model_trains_and_round_trips_config():
    layer = FakeQuant(num_bits=8, ema_decay=0.5, symmetric=True, name="fq")
    clone = FakeQuant.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    model = tf_keras.Sequential([tf_keras.Input((3,)), tf_keras.layers.Dense(3), layer])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 3)), np.zeros((8, 3)), epochs=1, verbose=0)
    assert layer.range != (-6.0, 6.0)  # the first training batch replaced the initial range
    with tf.GradientTape() as tape:
        x = tf.constant([[0.1, 0.2, 0.3]])
        tape.watch(x)
        y = tf.reduce_sum(layer(x, training=False))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[1.0, 1.0, 1.0]])  # inside range
