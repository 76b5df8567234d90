"""Every variant converts to builtin ops with static [1, S] int32 inputs and matches Keras."""

import numpy as np
import pytest

from tests.quantization.toy import (
    SEQ,
    classification_data,
    converted,
    qat_trained,
    representative,
    tagging_data,
    trained,
)
from tinybert_tf.lite import ConversionError, convert, op_report, run_tflite
from tinybert_tf.lite.evaluate import agreement
from tinybert_tf.lite.flatbuffer import custom_op_names
from tinybert_tf.quantization import quantize_student

# Tolerances on |TFLite logit - Keras logit| (toy logits span about +-3) and the least
# argmax agreement. int8_qat / int8_full are compared with the QAT Keras model they come
# from, the post-training variants with the float student.
# - int8_qat: about one step of the int8 logits.
# - int8_full: the converter calibrates LayerNorm's internals (mean, variance, rsqrt),
#   which the Keras QAT model does not simulate: logits move more, argmax does not.
# - int8_ptq is the naive baseline (the -10000 mask inside the int8 range of the scores,
#   int8 LayerNorm, no QAT): on this toy it loses the task (test_int8_ptq_is_the_naive_baseline).
TOLERANCE = {
    "fp32": (1e-4, 1.0),
    "fp16": (1e-2, 1.0),
    "int8_dynamic": (0.1, 0.99),
    "int8_qat": (0.1, 0.99),
    "int8_full": (0.6, 0.99),
}


def _batch(kind):
    if kind == "classifier":
        return classification_data(64, seed=11)[0]
    return tagging_data(32, seed=11)[0]


CASES = [
    ("classifier", v) for v in ("fp32", "fp16", "int8_dynamic", "int8_ptq", "int8_qat", "int8_full")
]
CASES += [("tagger", "int8_qat")]  # fp32 taggers: test_signature.py


@pytest.mark.parametrize("kind, variant", CASES)
def test_builtin_ops_static_int32_inputs(kind, variant):
    _, content = converted(kind, variant)
    assert custom_op_names(content) == set()
    from tinybert_tf.lite.evaluate import interpreter

    runner = interpreter(content).get_signature_runner()
    inputs = runner.get_input_details()
    assert set(inputs) == {"token_ids", "segment_ids", "padding_mask"}
    for detail in inputs.values():
        assert list(detail["shape"]) == [1, SEQ] and detail["dtype"] == np.int32
    assert list(runner.get_output_details()) == ["logits"]


@pytest.mark.parametrize("kind, variant", [c for c in CASES if c[1] != "int8_ptq"])
def test_logits_match_keras(kind, variant):
    model, content = converted(kind, variant)
    x = _batch(kind)
    result = agreement(
        run_tflite(content, x), model(x, training=False)["logits"].numpy(), x["padding_mask"]
    )
    max_diff, min_agreement = TOLERANCE[variant]
    assert result["max_abs_diff"] < max_diff, result
    assert result["argmax_agreement"] >= min_agreement, result


@pytest.mark.parametrize("kind", ["classifier", "tagger"])
def test_int8_qat_has_only_int8_fully_connected_and_tables(kind):
    report = op_report(converted(kind, "int8_qat")[1])
    fcs = [n for n in report["nodes"] if n["op"] == "FULLY_CONNECTED"]
    assert len(fcs) == 2 * 6 + (2 if kind == "classifier" else 1)  # blocks, pooler, head
    for node in fcs:
        assert node["inputs"][:2] == ["int8", "int8"] and node["outputs"] == ["int8"], node
    gathers = [n for n in report["nodes"] if n["op"] == "GATHER" and n["inputs"][0] != "float32"]
    assert len(gathers) == 2  # token and segment tables stored int8
    # probs @ V runs in int8 and XNNPACK takes it (V symmetric); only the lookups, the
    # [CLS] slice and GELU stay outside the delegate.
    assert set(report["not_delegated"]) <= {"GATHER", "STRIDED_SLICE", "GELU"}, report[
        "not_delegated"
    ]


def test_int8_full_is_integer_only():
    report = op_report(converted("classifier", "int8_full")[1])
    assert report["float_ops"] == {}
    for node in report["nodes"]:
        assert set(node["inputs"] + node["outputs"]) <= {"int8", "int16", "int32"}, node
    logits = [n for n in report["nodes"]][-1]
    assert logits["outputs"] == ["int8"]


@pytest.mark.parametrize("variant", ["int8_ptq", "int8_qat", "int8_full"])
def test_embedding_table_is_stored_int8(variant):
    from tinybert_tf.lite.evaluate import interpreter

    tensors = interpreter(converted("classifier", variant)[1], delegate=False).get_tensor_details()
    table = max(tensors, key=lambda t: int(np.prod(t["shape"])))  # [vocab, hidden]
    assert tuple(table["shape"]) == (60, 16) and table["dtype"] == np.int8


def test_int8_ptq_is_the_naive_baseline():
    _, content = converted("classifier", "int8_ptq")
    x = _batch("classifier")
    report = op_report(content)
    assert report["float_ops"] == {"CAST": 1, "QUANTIZE": 1}  # the padding mask, cast to float
    assert report["partitions"] > 10  # int8 LayerNorm / softmax / GELU split the XNNPACK graph
    logits = run_tflite(content, x)
    assert np.isfinite(logits).all() and logits.shape == (64, 2)


def test_int8_full_from_a_student_trained_for_int8_qat():
    # One QAT run can serve both products: the int8_full graph is rebuilt from the
    # trained weights and calibrated (small mask constant, integer attention core).
    qat = qat_trained("classifier", "int8_qat")
    with pytest.raises(ConversionError, match="int8_full needs representative_data"):
        convert(qat, "int8_full", SEQ)
    content = convert(qat, "int8_full", SEQ, representative_data=representative())
    assert op_report(content)["float_ops"] == {}
    x = _batch("classifier")
    keras_pred = qat(x)["logits"].numpy().argmax(-1)
    assert (run_tflite(content, x).argmax(-1) == keras_pred).mean() >= 0.95


def test_refusals():
    with pytest.raises(ConversionError, match="representative_data"):
        convert(trained("classifier"), "int8_ptq", SEQ)
    with pytest.raises(ConversionError, match="variant"):
        convert(trained("classifier"), "int4", SEQ)
    with pytest.raises(ConversionError, match="never set"):
        convert(quantize_student(trained("classifier")), "int8_qat", SEQ)
    with pytest.raises(ConversionError, match="post-training"):
        convert(qat_trained("classifier", "int8_qat"), "fp32", SEQ)
