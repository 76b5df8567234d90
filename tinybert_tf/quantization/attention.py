"""Quantization-aware twin of `MultiHeadSelfAttention`."""

import math

import tensorflow as tf
import tf_keras

from tinybert_tf.layers.attention import MultiHeadSelfAttention
from tinybert_tf.quantization.configs import quantized_dense
from tinybert_tf.quantization.fake_quant import FakeQuant
from tinybert_tf.quantization.scheme import check_scheme, quantizes_core


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class QuantizedSelfAttention(MultiHeadSelfAttention):
    """Same constructor, weights and outputs as `MultiHeadSelfAttention`, plus `scheme`.

    The input `x` must already carry a quantized range (the caller's output quantizer).
    Q, K, V and the output projection are int8 dense layers with int8 outputs; the
    probabilities and the context (input of the output projection) get ranges too, so
    probs @ V is an int8 BATCH_MATMUL. K and V ranges are symmetric: XNNPACK runs int8
    batch matmuls only when the second operand has zero point 0.

    `int8_qat`: Q K^T, the mask and the softmax stay float (accuracy; XNNPACK has no int8
    softmax anyway). `int8_full`: the scaled queries, the raw scores Q K^T and the
    masked scores get ranges too, so everything is integer. The raw scores are
    quantized before the mask is added, keeping the mask out of their range.
    """

    def __init__(self, *args, scheme="int8_qat", **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = check_scheme(scheme)
        core = quantizes_core(scheme)
        self.query_dense = quantized_dense(self.query_dense)
        self.key_dense = quantized_dense(self.key_dense, symmetric_output=True)
        self.value_dense = quantized_dense(self.value_dense, symmetric_output=True)
        self.output_dense = quantized_dense(self.output_dense)
        self.scaled_query_quant = FakeQuant(enabled=core, name="scaled_query_quant")
        self.raw_scores_quant = FakeQuant(enabled=core, name="raw_scores_quant")
        self.scores_quant = FakeQuant(enabled=core, name="scores_quant")
        self.probs_quant = FakeQuant(name="probs_quant")
        self.context_quant = FakeQuant(name="context_quant")

    @tf.autograph.experimental.do_not_convert  # no tensor-dependent Python control flow
    def call(self, inputs, training=None):
        x, bias = inputs  # [B, S, H] (quantized), [B, 1, 1, S]
        seq_len = x.shape[1] or tf.shape(x)[1]
        q = self._split_heads(self.query_dense(x), seq_len)  # [B, heads, S, d]
        k = self._split_heads(self.key_dense(x), seq_len)  # [B, heads, S, d]
        v = self._split_heads(self.value_dense(x), seq_len)  # [B, heads, S, d]
        q = self.scaled_query_quant(q * (1.0 / math.sqrt(self.head_dim)), training=training)
        raw = self.raw_scores_quant(tf.matmul(q, k, transpose_b=True), training=training)
        scores = self.scores_quant(raw + bias, training=training)  # [B, heads, S, S]
        probs = self.probs_quant(tf.nn.softmax(scores, axis=-1), training=training)
        probs = self.dropout_layer(probs, training=training)  # [B, heads, S, S]
        context = tf.transpose(tf.matmul(probs, v), [0, 2, 1, 3])  # [B, S, heads, d]
        context = tf.reshape(context, [-1, seq_len, self.hidden_dim])  # [B, S, H]
        context = self.context_quant(context, training=training)
        return {"output": self.output_dense(context), "scores": scores}

    def get_config(self):
        config = super().get_config()
        config.update(scheme=self.scheme)
        return config
