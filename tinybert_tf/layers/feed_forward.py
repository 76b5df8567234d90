"""Position-wise feed-forward: Dense(intermediate, act) -> Dense(hidden)."""

import tf_keras

from tinybert_tf.layers.activations import get_activation
from tinybert_tf.layers.initializers import truncated_normal


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class FeedForward(tf_keras.layers.Layer):
    """[B, S, H] -> [B, S, intermediate] -> [B, S, H]."""

    def __init__(
        self, hidden_dim, intermediate_dim, activation="gelu", initializer_range=0.02, **kwargs
    ):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.activation = activation
        self.initializer_range = initializer_range
        self._act = get_activation(activation)
        self.intermediate_dense = tf_keras.layers.Dense(
            intermediate_dim,
            kernel_initializer=truncated_normal(initializer_range),
            name="intermediate",
        )
        self.output_dense = tf_keras.layers.Dense(
            hidden_dim, kernel_initializer=truncated_normal(initializer_range), name="output"
        )

    def call(self, x):
        return self.output_dense(self._act(self.intermediate_dense(x)))

    def get_config(self):
        config = super().get_config()
        config.update(
            hidden_dim=self.hidden_dim,
            intermediate_dim=self.intermediate_dim,
            activation=self.activation,
            initializer_range=self.initializer_range,
        )
        return config
