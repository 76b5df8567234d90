"""Activation choices for the feed-forward block."""

import tensorflow as tf

ACTIVATIONS = ("gelu", "gelu_approximate", "relu")


def get_activation(name):
    """`gelu` is exact (erf) GELU as in BERT; `gelu_approximate` is the tanh form
    (it exports to ONNX, where exact GELU does not); `relu` is cheapest in int8."""
    if name == "gelu":
        return lambda x: tf.nn.gelu(x, approximate=False)
    if name == "gelu_approximate":
        return lambda x: tf.nn.gelu(x, approximate=True)
    if name == "relu":
        return tf.nn.relu
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
