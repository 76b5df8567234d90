"""The two fake-quantizers of the student: weights (symmetric, from the weight itself)
and activations (a learned range, initialised from the first batch it sees).

Both are `tfmot` `Quantizer`s, so they plug into `QuantizeConfig`s and
`QuantizeWrapperV2` as well as into our own `FakeQuant` layer. Both emit TensorFlow's
`FakeQuantWithMinMaxVars`, which the TFLite converter turns into int8 tensors with
exactly the simulated scale and zero point.
"""

import contextlib

import tensorflow as tf
import tensorflow_model_optimization as tfmot
import tf_keras

Quantizer = tfmot.quantization.keras.quantizers.Quantizer

# Calibration: while a `collect_ranges()` block is open, every activation quantizer
# called eagerly records the min / max of what it sees, keyed by its range variables,
# and passes its input through unquantized.
_OBSERVED = []


@contextlib.contextmanager
def collect_ranges():
    """Records activation ranges of eager forward passes: yields {id(min_var): stats}."""
    stats = {}
    _OBSERVED.append(stats)
    try:
        yield stats
    finally:
        _OBSERVED.remove(stats)


def _batch_range(x):
    """[min, max] of a tensor, widened to contain 0 as TFLite requires."""
    x = tf.stop_gradient(tf.cast(x, tf.float32))
    return tf.minimum(tf.reduce_min(x), 0.0), tf.maximum(tf.reduce_max(x), 0.0)


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class WeightQuantizer(Quantizer):
    """Per-tensor symmetric int8 ([-127, 127]) with the range taken from the weight itself.

    No range variables: the range is recomputed from the current weight on every call,
    in training and in inference alike, so a freshly quantized model needs no sync step
    and the exported int8 weights always match the last trained values. The converter
    folds the (constant) range when it freezes the graph. Per-tensor because the TFLite
    converter refuses per-channel fake-quant on dense kernels (it cannot transpose a
    per-axis quantized constant into FULLY_CONNECTED's [out, in] layout).
    """

    def __init__(self, num_bits=8):
        self.num_bits = num_bits

    def build(self, tensor_shape, name, layer):
        return {}

    @tf.autograph.experimental.do_not_convert
    def __call__(self, inputs, training, weights, **kwargs):
        bound = tf.stop_gradient(tf.maximum(tf.reduce_max(tf.abs(inputs)), 1e-8))
        return tf.quantization.fake_quant_with_min_max_vars(
            inputs, -bound, bound, num_bits=self.num_bits, narrow_range=True
        )

    def get_config(self):
        return {"num_bits": self.num_bits}

    def __eq__(self, other):
        return isinstance(other, WeightQuantizer) and other.num_bits == self.num_bits


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class ActivationQuantizer(Quantizer):
    """Asymmetric activation fake-quant with a range learned as a moving average.

    tfmot's `MovingAverageQuantizer` starts every range at [-6, 6] and moves it with a
    fixed decay of 0.999, so a short QAT run keeps ranges that clip or waste levels.
    Here the first training batch sets the range and later batches move it with
    `ema_decay`; `calibrate()` can also set it from a few batches without training.

    `symmetric=True` centres the range on 0 (zero point 0, levels [-127, 127]): XNNPACK
    runs an int8 BATCH_MATMUL only when its second operand has zero point 0.
    """

    def __init__(self, num_bits=8, ema_decay=0.99, symmetric=False):
        if not 2 <= num_bits <= 16:
            raise ValueError(f"num_bits must be in 2..16, got {num_bits}")
        self.num_bits = num_bits
        self.ema_decay = ema_decay
        self.symmetric = symmetric

    def build(self, tensor_shape, name, layer):
        def scalar(suffix, value):
            return layer.add_weight(
                f"{name}_{suffix}",
                shape=(),
                initializer=tf_keras.initializers.Constant(value),
                trainable=False,
            )

        return {
            "min_var": scalar("min", -6.0),
            "max_var": scalar("max", 6.0),
            "seen": scalar("seen", 0.0),
        }

    def _fake_quant(self, x, low, high):
        if self.symmetric:  # zero point exactly 0: [-m, m] on [-127, 127]
            bound = tf.maximum(-low, high)
            return tf.quantization.fake_quant_with_min_max_vars(
                x, -bound, bound, num_bits=self.num_bits, narrow_range=True
            )
        return tf.quantization.fake_quant_with_min_max_vars(
            x, low, high, num_bits=self.num_bits, narrow_range=False
        )

    @tf.autograph.experimental.do_not_convert
    def __call__(self, inputs, training, weights, **kwargs):
        min_var, max_var, seen = weights["min_var"], weights["max_var"], weights["seen"]
        if _OBSERVED and tf.executing_eagerly():
            # Calibration sees the float activations: an upstream range that is not set
            # yet must not clip what downstream quantizers observe.
            low, high = _batch_range(inputs)
            for stats in _OBSERVED:
                stats.setdefault(id(min_var), {"vars": weights, "low": [], "high": []})
                stats[id(min_var)]["low"].append(float(low))
                stats[id(min_var)]["high"].append(float(high))
            return inputs
        if not training:
            return self._fake_quant(inputs, min_var, max_var)
        low, high = _batch_range(inputs)
        first = seen < 0.5
        decay = self.ema_decay
        new_low = tf.where(first, low, decay * min_var + (1.0 - decay) * low)
        new_high = tf.where(first, high, decay * max_var + (1.0 - decay) * high)
        with tf.control_dependencies(
            [min_var.assign(new_low), max_var.assign(new_high), seen.assign(1.0)]
        ):
            return self._fake_quant(inputs, tf.identity(new_low), tf.identity(new_high))

    def get_config(self):
        return {"num_bits": self.num_bits, "ema_decay": self.ema_decay, "symmetric": self.symmetric}

    def __eq__(self, other):
        return isinstance(other, ActivationQuantizer) and other.get_config() == self.get_config()


def apply_ranges(stats):
    """Sets every observed quantizer's range to the mean of its per-batch min / max.

    The mean of batch extremes is what the moving average tracks during training;
    the absolute extreme over all batches would let one outlier waste levels.
    """
    for entry in stats.values():
        variables = entry["vars"]
        variables["min_var"].assign(sum(entry["low"]) / len(entry["low"]))
        variables["max_var"].assign(sum(entry["high"]) / len(entry["high"]))
        variables["seen"].assign(1.0)
