"""Quantization-aware twin of `TinyBertEmbeddings`."""

import tensorflow as tf
import tf_keras

from tinybert_tf.constants import SEGMENT_IDS, TOKEN_IDS
from tinybert_tf.layers.embeddings import TinyBertEmbeddings
from tinybert_tf.quantization.configs import quantized_embedding
from tinybert_tf.quantization.fake_quant import FakeQuant
from tinybert_tf.quantization.scheme import check_scheme, quantizes_core


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class QuantizedEmbeddings(TinyBertEmbeddings):
    """Same constructor and weights as `TinyBertEmbeddings`, plus `scheme`.

    int8 token and segment tables (GATHER reads int8 rows; the file shrinks 4x) and an
    int8 output range, which is the input range of the first block's dense layers.
    `int8_full` also quantizes the sum of the three embeddings.
    """

    def __init__(self, *args, scheme="int8_qat", **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = check_scheme(scheme)
        self.token_embedding = quantized_embedding(self.token_embedding)
        self.segment_embedding = quantized_embedding(self.segment_embedding)
        self.sum_quant = FakeQuant(enabled=quantizes_core(scheme), name="sum_quant")
        self.output_quant = FakeQuant(name="output_quant")

    @tf.autograph.experimental.do_not_convert  # no tensor-dependent Python control flow
    def call(self, inputs, training=None):
        token_ids, segment_ids = inputs[TOKEN_IDS], inputs[SEGMENT_IDS]  # [B, S]
        seq_len = token_ids.shape[1] or tf.shape(token_ids)[1]
        x = self.token_embedding(token_ids) + self.segment_embedding(segment_ids)  # [B, S, H]
        x = self.sum_quant(x + self.position_embeddings[None, :seq_len, :], training=training)
        x = self.output_quant(self.norm(x), training=training)
        return self.dropout_layer(x, training=training)

    def get_config(self):
        config = super().get_config()
        config.update(scheme=self.scheme)
        return config
