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


def tflite_converter(function, model):
    """`TFLiteConverter.from_concrete_functions([function], ...)`, builtin ops only.

    The converter first saves its trackable object as a SavedModel (that is what keeps
    the signature's input names). Handed the Keras model itself, that save serializes
    every layer's call traces as well: two thirds of the conversion time (student
    int8_qat 14.1 s -> 3.7 s, teacher 15.2 s -> 4.1 s, the same flatbuffer). A bare
    module holding only `model`'s variables saves just those. Works for tf_keras
    students and Keras 3 teachers (the tf.Variable behind each Keras 3 variable).
    """
    holder = tf.Module()
    holder.variables_to_save = [
        v if isinstance(v, tf.Variable) else v.value for v in model.variables
    ]
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], holder)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter


def float_tflite(model, sequence_length):
    """fp32 TFLite flatbuffer (bytes) of a tf_keras student or Keras 3 teacher."""
    return tflite_converter(serving_function(model, sequence_length), model).convert()
