"""Quantization-aware twin of `AttentionBias`: the mask bias as an integer lookup."""

import tensorflow as tf
import tf_keras

from tinybert_tf.layers.attention_bias import AttentionBias
from tinybert_tf.quantization.fake_quant import FakeQuant
from tinybert_tf.quantization.scheme import check_scheme, quantizes_core


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class QuantizedAttentionBias(AttentionBias):
    """padding_mask [B, S] (0 or 1) -> bias [B, 1, 1, S], the same values as `AttentionBias`.

    The float layer computes `(1 - float(mask)) * mask_value`: a CAST to float that an
    integer-only graph cannot have. Here the bias is a lookup in the two-entry table
    `[mask_value, 0]` indexed by the mask, which converts to an int8 GATHER (with
    `int8_full`, where the table gets an int8 range; with `int8_qat` it stays float).
    """

    def __init__(self, mask_value=-10000.0, scheme="int8_qat", **kwargs):
        super().__init__(mask_value=mask_value, **kwargs)
        self.scheme = check_scheme(scheme)
        self.bias_quant = FakeQuant(enabled=quantizes_core(scheme), name="bias_quant")

    @tf.autograph.experimental.do_not_convert  # no tensor-dependent Python control flow
    def call(self, padding_mask, training=None):  # training: unused; keeps Keras call checks simple
        table = tf.constant([self.mask_value, 0.0], self.compute_dtype)  # [2]
        bias = tf.gather(self.bias_quant(table), tf.cast(padding_mask, tf.int32))  # [B, S]
        return bias[:, None, None, :]  # [B, 1, 1, S]

    def get_config(self):
        config = super().get_config()
        config.update(scheme=self.scheme)
        return config
