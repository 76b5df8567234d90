import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter

import tinybert_tf as tb
from tests.helpers import make_inputs
from tests.helpers import tiny_backbone as tiny
from tinybert_tf.lite.signature import float_tflite

FLOAT_OPS_ALLOWED = {
    "ADD",
    "BATCH_MATMUL",
    "CAST",
    "FULLY_CONNECTED",
    "GATHER",
    "GELU",
    "MEAN",
    "MUL",
    "RESHAPE",
    "RSQRT",
    "SOFTMAX",
    "SQUARED_DIFFERENCE",
    "STRIDED_SLICE",
    "SUB",
    "TANH",
    "TRANSPOSE",
    "RELU",
}


@pytest.mark.parametrize("options", [{}, dict(activation="relu", normalization="nonorm")])
@pytest.mark.parametrize("head", ["classifier", "tagger"])
def test_float_student_converts_to_builtins_and_matches_keras(options, head):
    backbone = tiny(**options)
    model = (
        tb.TinyBertClassifier(backbone, 3)
        if head == "classifier"
        else tb.TinyBertTokenClassifier(backbone, 5)
    )
    interpreter = Interpreter(model_content=float_tflite(model, sequence_length=8))
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert ops <= FLOAT_OPS_ALLOWED, ops - FLOAT_OPS_ALLOWED  # builtins, no dynamic-shape ops
    runner = interpreter.get_signature_runner()
    for name, detail in runner.get_input_details().items():
        assert list(detail["shape"]) == [1, 8], name
    for seed in range(3):
        x = make_inputs(batch=1, seed=seed)
        expected = model(x, training=False)["logits"].numpy()
        np.testing.assert_allclose(runner(**x)["logits"], expected, atol=1e-4)


def test_keras3_teacher_converts_with_weights_signature_and_matches_keras():
    import keras_hub

    from tinybert_tf.teacher import build_teacher_model

    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
        max_sequence_length=32)
    model = build_teacher_model(backbone, "classification", 3)
    interpreter = Interpreter(model_content=float_tflite(model, sequence_length=8))
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert "VAR_HANDLE" not in ops and "READ_VARIABLE" not in ops  # weights are constants
    runner = interpreter.get_signature_runner()
    assert set(runner.get_input_details()) == {"token_ids", "segment_ids", "padding_mask"}
    x = make_inputs(batch=1)
    expected = np.asarray(model(x, training=False)["logits"])
    np.testing.assert_allclose(runner(**x)["logits"], expected, atol=1e-4)
