"""Quantization-aware twin of `FeedForward`."""

import tensorflow as tf
import tf_keras

from tinybert_tf.layers.feed_forward import FeedForward
from tinybert_tf.quantization.configs import quantized_dense
from tinybert_tf.quantization.fake_quant import FakeQuant
from tinybert_tf.quantization.scheme import check_scheme


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class QuantizedFeedForward(FeedForward):
    """Same constructor and weights as `FeedForward`, plus `scheme`.

    Both dense layers int8. With ReLU the intermediate range is taken after the
    activation, so the converter fuses ReLU into the int8 FULLY_CONNECTED; with GELU
    the dense output and the GELU output each get a range (an int8 GELU between them).
    """

    def __init__(self, *args, scheme="int8_qat", **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = check_scheme(scheme)
        fused = self.activation == "relu"
        self.intermediate_dense = quantized_dense(
            self.intermediate_dense, quantize_output=not fused
        )
        self.output_dense = quantized_dense(self.output_dense)
        self.activation_quant = FakeQuant(name="activation_quant")

    @tf.autograph.experimental.do_not_convert  # no tensor-dependent Python control flow
    def call(self, x, training=None):  # [B, S, H] (quantized) -> [B, S, H]
        h = self._act(self.intermediate_dense(x, training=training))  # [B, S, intermediate]
        h = self.activation_quant(h, training=training)
        return self.output_dense(h, training=training)

    def get_config(self):
        config = super().get_config()
        config.update(scheme=self.scheme)
        return config
