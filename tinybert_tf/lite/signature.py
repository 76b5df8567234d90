"""The fixed-shape serving signature every exported model shares."""

import tensorflow as tf

from tinybert_tf.constants import INPUT_NAMES


def serving_function(model, sequence_length, batch_size=1):
    """A concrete function with static `[batch, S]` int32 inputs named as the model's.

    Static shapes let the converter fold every shape computation into constants, so
    the graph holds no dynamic-shape ops. Returns the model's named outputs.
    """
    if not isinstance(sequence_length, int) or sequence_length < 1:
        raise ValueError(f"sequence_length must be a positive integer, got {sequence_length!r}")
    specs = {
        name: tf.TensorSpec([batch_size, sequence_length], tf.int32, name=name)
        for name in INPUT_NAMES
    }

    @tf.function(input_signature=[specs])
    def serve(inputs):
        return model(inputs, training=False)

    return serve.get_concrete_function()


def float_tflite(model, sequence_length):
    """fp32 TFLite flatbuffer (bytes) of a tf_keras model, builtin ops only."""
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [serving_function(model, sequence_length)], model
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()
