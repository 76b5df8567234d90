import tensorflow as tf

from tinybert_tf.lite.flatbuffer import custom_op_names, operator_codes


def test_builtin_model_has_no_custom_ops():
    concrete = tf.function(lambda x: tf.nn.relu(x) * 2.0, input_signature=[tf.TensorSpec([2])])
    content = tf.lite.TFLiteConverter.from_concrete_functions(
        [concrete.get_concrete_function()]
    ).convert()
    codes = operator_codes(content)
    assert len(codes) == 2 and all(custom is None for _, custom in codes)
    assert custom_op_names(content) == set()


def test_select_tf_ops_show_up_as_flex_custom_ops():
    concrete = tf.function(lambda m: tf.linalg.inv(m), input_signature=[tf.TensorSpec([2, 2])])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete.get_concrete_function()])
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.TFLITE_BUILTINS,
        tf.lite.OpsSet.SELECT_TF_OPS,
    ]
    names = custom_op_names(converter.convert())
    assert names == {"FlexMatrixInverse"}
