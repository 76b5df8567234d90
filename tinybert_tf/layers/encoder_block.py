"""One post-norm transformer block, as in BERT."""

import tf_keras

from tinybert_tf.layers.attention import MultiHeadSelfAttention
from tinybert_tf.layers.feed_forward import FeedForward
from tinybert_tf.layers.normalization import make_normalization


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class TinyBertEncoderBlock(tf_keras.layers.Layer):
    """`[x, bias]` -> `{"hidden_states": [B, S, H], "attention_scores": [B, heads, S, S]}`.

    x = norm(x + dropout(attention(x))); x = norm(x + dropout(ffn(x))).
    One list input (not `call(x, bias)`): tfmot hands an annotated layer only its
    first call argument.
    """

    def __init__(
        self,
        num_heads,
        hidden_dim,
        intermediate_dim,
        dropout=0.1,
        activation="gelu",
        normalization="layernorm",
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.activation = activation
        self.normalization = normalization
        self.initializer_range = initializer_range
        self.attention = MultiHeadSelfAttention(
            num_heads,
            hidden_dim,
            dropout=dropout,
            initializer_range=initializer_range,
            name="attention",
        )
        self.attention_dropout = tf_keras.layers.Dropout(dropout)
        self.attention_norm = make_normalization(normalization, "attention_norm")
        self.feed_forward = FeedForward(
            hidden_dim,
            intermediate_dim,
            activation=activation,
            initializer_range=initializer_range,
            name="feed_forward",
        )
        self.output_dropout = tf_keras.layers.Dropout(dropout)
        self.output_norm = make_normalization(normalization, "output_norm")

    def call(self, inputs, training=None):
        x, bias = inputs  # [B, S, H], [B, 1, 1, S]
        attn = self.attention([x, bias], training=training)
        x = self.attention_norm(x + self.attention_dropout(attn["output"], training=training))
        ffn = self.feed_forward(x)
        x = self.output_norm(x + self.output_dropout(ffn, training=training))
        return {"hidden_states": x, "attention_scores": attn["scores"]}

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            hidden_dim=self.hidden_dim,
            intermediate_dim=self.intermediate_dim,
            dropout=self.dropout,
            activation=self.activation,
            normalization=self.normalization,
            initializer_range=self.initializer_range,
        )
        return config
