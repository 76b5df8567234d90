"""BERT pooler: dense + tanh on the [CLS] position."""

import tf_keras

from tinybert_tf.layers.initializers import truncated_normal


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class Pooler(tf_keras.layers.Layer):
    """[B, S, H] -> [B, H]."""

    def __init__(self, hidden_dim, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.initializer_range = initializer_range
        self.dense = tf_keras.layers.Dense(
            hidden_dim,
            activation="tanh",
            name="dense",
            kernel_initializer=truncated_normal(initializer_range),
        )

    def call(self, x):
        return self.dense(x[:, 0, :])  # [B, H]

    def get_config(self):
        config = super().get_config()
        config.update(hidden_dim=self.hidden_dim, initializer_range=self.initializer_range)
        return config
