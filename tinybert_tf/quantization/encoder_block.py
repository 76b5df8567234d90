"""Quantization-aware twin of `TinyBertEncoderBlock`."""

import tensorflow as tf
import tf_keras

from tinybert_tf.layers.encoder_block import TinyBertEncoderBlock
from tinybert_tf.quantization.attention import QuantizedSelfAttention
from tinybert_tf.quantization.fake_quant import FakeQuant
from tinybert_tf.quantization.feed_forward import QuantizedFeedForward
from tinybert_tf.quantization.scheme import check_scheme, quantizes_core


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class QuantizedEncoderBlock(TinyBertEncoderBlock):
    """Same constructor, weights and outputs as `TinyBertEncoderBlock`, plus `scheme`.

    Each normalisation output carries an int8 range: it feeds the next dense layers.
    The residual sums are float with `int8_qat` (the residual stream has outlier
    dimensions that one int8 scale would flatten) and int8 with `int8_full`.
    """

    def __init__(self, *args, scheme="int8_qat", **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = check_scheme(scheme)
        core = quantizes_core(scheme)
        self.attention = QuantizedSelfAttention(
            self.num_heads,
            self.hidden_dim,
            dropout=self.dropout,
            initializer_range=self.initializer_range,
            scheme=scheme,
            name="attention",
        )
        self.feed_forward = QuantizedFeedForward(
            self.hidden_dim,
            self.intermediate_dim,
            activation=self.activation,
            initializer_range=self.initializer_range,
            scheme=scheme,
            name="feed_forward",
        )
        self.attention_sum_quant = FakeQuant(enabled=core, name="attention_sum_quant")
        self.attention_norm_quant = FakeQuant(name="attention_norm_quant")
        self.output_sum_quant = FakeQuant(enabled=core, name="output_sum_quant")
        self.output_norm_quant = FakeQuant(name="output_norm_quant")

    @tf.autograph.experimental.do_not_convert  # no tensor-dependent Python control flow
    def call(self, inputs, training=None):
        x, bias = inputs  # [B, S, H] (quantized), [B, 1, 1, S]
        attn = self.attention([x, bias], training=training)
        h = x + self.attention_dropout(attn["output"], training=training)
        h = self.attention_sum_quant(h, training=training)
        h = self.attention_norm_quant(self.attention_norm(h), training=training)
        y = h + self.output_dropout(self.feed_forward(h, training=training), training=training)
        y = self.output_sum_quant(y, training=training)
        y = self.output_norm_quant(self.output_norm(y), training=training)
        return {"hidden_states": y, "attention_scores": attn["scores"]}

    def get_config(self):
        config = super().get_config()
        config.update(scheme=self.scheme)
        return config
