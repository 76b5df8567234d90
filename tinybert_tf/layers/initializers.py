"""Weight initialisation shared by the student layers."""

import tf_keras


def truncated_normal(stddev=0.02):
    """A fresh initializer per weight: one shared unseeded instance would give every
    weight it initialises the same values."""
    return tf_keras.initializers.TruncatedNormal(stddev=stddev)
