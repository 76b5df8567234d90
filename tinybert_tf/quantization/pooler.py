"""Quantization-aware twin of `Pooler`."""

import tensorflow as tf
import tf_keras

from tinybert_tf.layers.pooler import Pooler
from tinybert_tf.quantization.configs import quantized_dense
from tinybert_tf.quantization.fake_quant import FakeQuant
from tinybert_tf.quantization.scheme import check_scheme


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class QuantizedPooler(Pooler):
    """Same constructor and weights as `Pooler`, plus `scheme`.

    The dense layer loses its built-in tanh so that its output gets a range of its
    own (an int8 FULLY_CONNECTED needs one); tanh follows, with its own range.
    """

    def __init__(self, *args, scheme="int8_qat", **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = check_scheme(scheme)
        linear = tf_keras.layers.Dense.from_config(
            {**self.dense.get_config(), "activation": "linear"}
        )
        self.dense = quantized_dense(linear)
        self.tanh_quant = FakeQuant(name="tanh_quant")

    @tf.autograph.experimental.do_not_convert  # no tensor-dependent Python control flow
    def call(self, x, training=None):  # [B, S, H] -> [B, H]
        return self.tanh_quant(
            tf.tanh(self.dense(x[:, 0, :], training=training)), training=training
        )

    def get_config(self):
        config = super().get_config()
        config.update(scheme=self.scheme)
        return config
