import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from tinybert_tf.quantization.quantizers import (
    ActivationQuantizer,
    WeightQuantizer,
    apply_ranges,
    collect_ranges,
)


def _ranges(quantizer, shape=(4,)):
    layer = tf_keras.layers.Layer()
    return quantizer.build(shape, "t", layer)


def test_weight_quantizer_is_symmetric_int8_of_the_weight_itself():
    w = tf.constant([[0.5, -1.27], [0.011, 0.2]])
    out = WeightQuantizer()(w, training=False, weights={}).numpy()
    step = 1.27 / 127  # symmetric narrow range [-127, 127]
    np.testing.assert_allclose(out, np.round(w.numpy() / step) * step, atol=1e-6)
    assert len(np.unique(np.round(out / step))) == 4


def test_weight_quantizer_passes_gradients_straight_through():
    w = tf.Variable([[0.3, -0.7]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(WeightQuantizer()(w, training=True, weights={}) * [[2.0, 3.0]])
    np.testing.assert_allclose(tape.gradient(loss, w).numpy(), [[2.0, 3.0]])


def test_first_training_batch_sets_the_range_then_moving_average():
    q = ActivationQuantizer(ema_decay=0.9)
    ranges = _ranges(q)
    q(tf.constant([-1.0, 3.0]), training=True, weights=ranges)
    assert float(ranges["min_var"]) == pytest.approx(-1.0)
    assert float(ranges["max_var"]) == pytest.approx(3.0)
    q(tf.constant([-2.0, 1.0]), training=True, weights=ranges)
    assert float(ranges["min_var"]) == pytest.approx(0.9 * -1.0 + 0.1 * -2.0)
    assert float(ranges["max_var"]) == pytest.approx(0.9 * 3.0 + 0.1 * 1.0)


def test_range_always_contains_zero():
    q = ActivationQuantizer()
    ranges = _ranges(q)
    q(tf.constant([2.0, 5.0]), training=True, weights=ranges)
    assert float(ranges["min_var"]) == 0.0 and float(ranges["max_var"]) == 5.0


def test_inference_uses_stored_range_and_clips():
    q = ActivationQuantizer()
    ranges = _ranges(q)
    ranges["min_var"].assign(0.0)
    ranges["max_var"].assign(2.55)
    out = q(tf.constant([0.013, 1.0, 9.0]), training=False, weights=ranges).numpy()
    np.testing.assert_allclose(out, [0.01, 1.0, 2.55], atol=1e-5)  # step 0.01, clipped at max


def test_symmetric_range_has_zero_point_zero():
    q = ActivationQuantizer(symmetric=True)
    ranges = _ranges(q)
    ranges["min_var"].assign(-0.5)
    ranges["max_var"].assign(1.27)
    out = q(tf.constant([-1.27, -0.3, 0.0, 1.27]), training=False, weights=ranges).numpy()
    np.testing.assert_allclose(out, [-1.27, -0.3, 0.0, 1.27], atol=1e-6)  # [-1.27, 1.27] / 127


def test_collected_ranges_are_mean_batch_extremes():
    q = ActivationQuantizer()
    ranges = _ranges(q)
    with collect_ranges() as stats:
        q(tf.constant([-1.0, 2.0]), training=False, weights=ranges)
        seen = q(tf.constant([-3.0, 9.0]), training=False, weights=ranges)
    np.testing.assert_array_equal(seen.numpy(), [-3.0, 9.0])  # unclipped by the initial [-6, 6]
    apply_ranges(stats)
    assert float(ranges["min_var"]) == pytest.approx(-2.0)
    assert float(ranges["max_var"]) == pytest.approx(5.5)


def test_bad_bit_width():
    with pytest.raises(ValueError, match="num_bits"):
        ActivationQuantizer(num_bits=1)
