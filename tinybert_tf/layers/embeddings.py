"""Token + position + segment embeddings, normalised, with dropout."""

import tensorflow as tf
import tf_keras

from tinybert_tf.constants import SEGMENT_IDS, TOKEN_IDS
from tinybert_tf.layers.initializers import truncated_normal
from tinybert_tf.layers.normalization import make_normalization


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class TinyBertEmbeddings(tf_keras.layers.Layer):
    """Embeds `{"token_ids", "segment_ids"}` ([B, S] int32 each) into [B, S, H].

    Takes its inputs as one dict so that tfmot, which hands an annotated layer only
    its first call argument, sees all of them.
    """

    def __init__(
        self,
        vocabulary_size,
        hidden_dim,
        max_sequence_length=512,
        num_segments=2,
        dropout=0.1,
        normalization="layernorm",
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout
        self.normalization = normalization
        self.initializer_range = initializer_range
        self.token_embedding = tf_keras.layers.Embedding(
            vocabulary_size,
            hidden_dim,
            embeddings_initializer=truncated_normal(initializer_range),
            name="token_embedding",
        )
        self.segment_embedding = tf_keras.layers.Embedding(
            num_segments,
            hidden_dim,
            embeddings_initializer=truncated_normal(initializer_range),
            name="segment_embedding",
        )
        self.norm = make_normalization(normalization, "embeddings_norm")
        self.dropout_layer = tf_keras.layers.Dropout(dropout)

    def build(self, input_shape):
        self.position_embeddings = self.add_weight(
            "position_embeddings",
            shape=(self.max_sequence_length, self.hidden_dim),
            initializer=truncated_normal(self.initializer_range),
        )
        super().build(input_shape)

    def call(self, inputs, training=None):
        token_ids, segment_ids = inputs[TOKEN_IDS], inputs[SEGMENT_IDS]  # [B, S]
        seq_len = token_ids.shape[1] or tf.shape(token_ids)[1]
        x = self.token_embedding(token_ids) + self.segment_embedding(segment_ids)  # [B, S, H]
        x = x + self.position_embeddings[None, :seq_len, :]  # [1, S, H] broadcast
        x = self.norm(x)
        return self.dropout_layer(x, training=training)

    def get_config(self):
        config = super().get_config()
        config.update(
            vocabulary_size=self.vocabulary_size,
            hidden_dim=self.hidden_dim,
            max_sequence_length=self.max_sequence_length,
            num_segments=self.num_segments,
            dropout=self.dropout,
            normalization=self.normalization,
            initializer_range=self.initializer_range,
        )
        return config
