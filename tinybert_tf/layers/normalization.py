"""Normalisation choices for the student: LayerNorm, or MobileBERT's NoNorm."""

import tf_keras

NORMALIZATIONS = ("layernorm", "nonorm")


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class NoNorm(tf_keras.layers.Layer):
    """Elementwise affine `x * gamma + beta` (MobileBERT's NoNorm).

    No mean/variance reduction, so it folds into neighbouring int8 ops and never
    splits a delegate partition the way LayerNorm's decomposition does.
    """

    def build(self, input_shape):
        dim = input_shape[-1]
        self.gamma = self.add_weight("gamma", shape=(dim,), initializer="ones")
        self.beta = self.add_weight("beta", shape=(dim,), initializer="zeros")
        super().build(input_shape)

    def call(self, inputs):  # [B, S, H] -> [B, S, H]
        return inputs * self.gamma + self.beta


def make_normalization(kind, name):
    """A normalisation layer by name: "layernorm" or "nonorm"."""
    if kind == "layernorm":
        return tf_keras.layers.LayerNormalization(epsilon=1e-12, name=name)
    if kind == "nonorm":
        return NoNorm(name=name)
    raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {kind!r}")
