"""Multi-head self-attention that also returns its pre-softmax scores."""

import math

import tensorflow as tf
import tf_keras

from tinybert_tf.layers.initializers import truncated_normal


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class MultiHeadSelfAttention(tf_keras.layers.Layer):
    """Self-attention over `[x, bias]`: x [B, S, H], bias [B, 1, 1, S] (additive mask).

    Returns `{"output": [B, S, H], "scores": [B, heads, S, S]}` where `scores` are the
    pre-softmax scores QK^T / sqrt(d) + bias, the quantity TinyBERT's attention loss
    matches. Written with reshape / transpose / batch matmul, all TFLite builtins; when
    S is static (an export at [1, S]) every shape is a constant.
    """

    def __init__(self, num_heads, hidden_dim, dropout=0.1, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        if hidden_dim % num_heads:
            raise ValueError(
                f"hidden_dim ({hidden_dim}) must be divisible by num_heads ({num_heads})"
            )
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.head_dim = hidden_dim // num_heads
        self.dropout = dropout
        self.initializer_range = initializer_range
        self.query_dense = tf_keras.layers.Dense(
            hidden_dim, kernel_initializer=truncated_normal(initializer_range), name="query"
        )
        self.key_dense = tf_keras.layers.Dense(
            hidden_dim, kernel_initializer=truncated_normal(initializer_range), name="key"
        )
        self.value_dense = tf_keras.layers.Dense(
            hidden_dim, kernel_initializer=truncated_normal(initializer_range), name="value"
        )
        self.output_dense = tf_keras.layers.Dense(
            hidden_dim, kernel_initializer=truncated_normal(initializer_range), name="output"
        )
        self.dropout_layer = tf_keras.layers.Dropout(dropout)

    def _split_heads(self, x, seq_len):  # [B, S, H] -> [B, heads, S, d]
        x = tf.reshape(x, [-1, seq_len, self.num_heads, self.head_dim])
        return tf.transpose(x, [0, 2, 1, 3])

    def call(self, inputs, training=None):
        x, bias = inputs  # [B, S, H], [B, 1, 1, S]
        seq_len = x.shape[1] or tf.shape(x)[1]
        q = self._split_heads(self.query_dense(x), seq_len)  # [B, heads, S, d]
        k = self._split_heads(self.key_dense(x), seq_len)  # [B, heads, S, d]
        v = self._split_heads(self.value_dense(x), seq_len)  # [B, heads, S, d]
        q = q * (1.0 / math.sqrt(self.head_dim))
        scores = tf.matmul(q, k, transpose_b=True) + bias  # [B, heads, S, S]
        probs = self.dropout_layer(tf.nn.softmax(scores, axis=-1), training=training)
        context = tf.matmul(probs, v)  # [B, heads, S, d]
        context = tf.transpose(context, [0, 2, 1, 3])  # [B, S, heads, d]
        context = tf.reshape(context, [-1, seq_len, self.hidden_dim])  # [B, S, H]
        return {"output": self.output_dense(context), "scores": scores}

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            hidden_dim=self.hidden_dim,
            dropout=self.dropout,
            initializer_range=self.initializer_range,
        )
        return config
