import keras_hub
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from tests.helpers import make_inputs
from tinybert_tf.pipeline.steps import teacher_tflite
from tinybert_tf.teacher import build_teacher_model


def test_teacher_tflite_has_weights_signature_and_matches_keras():
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
        max_sequence_length=32)
    model = build_teacher_model(backbone, "classification", 3)
    interpreter = Interpreter(model_content=teacher_tflite(model, sequence_length=8))
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert "VAR_HANDLE" not in ops and "READ_VARIABLE" not in ops  # weights are constants
    runner = interpreter.get_signature_runner()
    assert set(runner.get_input_details()) == {"token_ids", "segment_ids", "padding_mask"}
    x = make_inputs(batch=1)
    expected = np.asarray(model(x, training=False)["logits"])
    np.testing.assert_allclose(runner(**x)["logits"], expected, atol=1e-4)
