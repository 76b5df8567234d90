"""A named layer that marks one tensor as quantized (int8 or int16) in the exported graph."""

import tensorflow as tf
import tf_keras

from tinybert_tf.quantization.quantizers import ActivationQuantizer


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class FakeQuant(tf_keras.layers.Layer):
    """x -> fake_quant(x) with a learned range (same shape in and out).

    The TFLite converter gives every tensor that passes through one of these a fixed
    scale and zero point; an op whose inputs and output all carry one runs in int8
    (or int16 with `num_bits=16`). Placing them is how the quantized layers decide,
    tensor by tensor, what is integer and what stays float.

    `enabled=False` makes it the identity (no variables), so a layer can build the
    same structure for every quantization scheme.
    """

    def __init__(self, num_bits=8, ema_decay=0.99, symmetric=False, enabled=True, **kwargs):
        super().__init__(**kwargs)
        self.num_bits = num_bits
        self.ema_decay = ema_decay
        self.symmetric = symmetric
        self.enabled = enabled
        self.quantizer = ActivationQuantizer(num_bits, ema_decay=ema_decay, symmetric=symmetric)
        self._range_vars = None

    def build(self, input_shape):
        if self.enabled:
            self._range_vars = self.quantizer.build(input_shape, "range", self)
        super().build(input_shape)

    @tf.autograph.experimental.do_not_convert  # no tensor-dependent Python control flow
    def call(self, inputs, training=None):
        if not self.enabled:
            return inputs
        if training is None:
            training = tf_keras.backend.learning_phase()
        return tf.__internal__.smart_cond.smart_cond(
            training,
            lambda: self.quantizer(inputs, True, self._range_vars),
            lambda: self.quantizer(inputs, False, self._range_vars),
        )

    @property
    def range(self):
        """(min, max) as floats, or None when disabled."""
        if not self.enabled:
            return None
        return float(self._range_vars["min_var"]), float(self._range_vars["max_var"])

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            num_bits=self.num_bits,
            ema_decay=self.ema_decay,
            symmetric=self.symmetric,
            enabled=self.enabled,
        )
        return config
