import numpy as np
import pytest
import tensorflow as tf

from tinybert_tf.lite import agreement, op_report, run_tflite
from tinybert_tf.lite.evaluate import dequantize


def _tflite(fn, specs, quantize=False):
    concrete = tf.function(fn, input_signature=specs).get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return converter.convert()


def _fq(x, low=-4.0, high=4.0):
    return tf.quantization.fake_quant_with_min_max_args(x, low, high)


def test_op_report_counts_partitions_and_what_xnnpack_leaves():
    # int8 softmax has no XNNPACK kernel: the graph splits around it.
    content = _tflite(lambda x: _fq(tf.nn.softmax(_fq(x)), 0.0, 1.0), [tf.TensorSpec([1, 8])], True)
    report = op_report(content)
    assert report["ops"] == {"QUANTIZE": 2, "SOFTMAX": 1, "DEQUANTIZE": 1}
    assert report["not_delegated"] == {"SOFTMAX": 1}
    assert report["partitions"] == 2  # the QUANTIZE ops before, the DEQUANTIZE after
    assert report["float_ops"] == {"QUANTIZE": 1, "DEQUANTIZE": 1}  # float input / output
    assert report["integer_ops"] == {"QUANTIZE": 1, "SOFTMAX": 1}
    assert report["size_bytes"] == len(content)


def test_op_report_of_a_fully_delegated_float_graph():
    content = _tflite(lambda x: tf.nn.relu(tf.matmul(x, tf.ones([4, 3]))), [tf.TensorSpec([2, 4])])
    report = op_report(content)
    assert report["partitions"] == 1 and report["not_delegated"] == {}
    fc = [n for n in report["nodes"] if n["op"] == "FULLY_CONNECTED"]
    assert fc and fc[0]["inputs"][:2] == ["float32", "float32"]


def test_run_tflite_feeds_rows_by_name_and_dequantizes(tmp_path):
    path = tmp_path / "m.tflite"
    names = ("token_ids", "segment_ids", "padding_mask")
    spec = {n: tf.TensorSpec([1, 3], tf.int32, name=n) for n in names}

    @tf.function(input_signature=[spec])
    def serve(x):  # a signature with named inputs, as the exported students have
        return {
            "logits": tf.cast(x["token_ids"] * 2 + x["segment_ids"] - x["padding_mask"], tf.float32)
        }

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [serve.get_concrete_function()], tf.Module()
    )
    path.write_bytes(converter.convert())
    features = {
        "token_ids": np.array([[1, 2, 3], [4, 5, 6]], "int32"),
        "segment_ids": np.array([[0, 0, 1], [1, 1, 1]], "int32"),
        "padding_mask": np.array([[1, 1, 1], [1, 1, 0]], "int32"),
    }
    logits = run_tflite(path, features)
    np.testing.assert_array_equal(logits, [[1, 3, 6], [8, 10, 13]])
    detail = {"quantization": (0.5, -3)}
    np.testing.assert_array_equal(dequantize(np.array([-3, 1], np.int8), detail), [0.0, 2.0])


def test_agreement_numbers_and_token_mask():
    a = np.array([[[1.0, 0.0], [0.0, 1.0]], [[2.0, 0.0], [5.0, 0.0]]])
    b = np.array([[[0.9, 0.0], [0.0, 1.2]], [[0.0, 2.0], [0.0, 9.0]]])
    mask = np.array([[1, 1], [1, 0]])
    result = agreement(a, b, mask)
    assert result["max_abs_diff"] == pytest.approx(2.0)  # row 1 position 1 is padding
    assert result["argmax_agreement"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="shapes"):
        agreement(a, b[:1])
