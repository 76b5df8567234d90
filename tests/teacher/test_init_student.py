"""init_student_from_teacher: a same-width student reproduces the teacher."""
import numpy as np
import pytest

import tinybert_tf as tb
from tinybert_tf.teacher import TeacherFeatures, build_teacher_model, init_student_from_teacher

STUDENT = dict(vocabulary_size=100, hidden_dim=16, num_heads=2, intermediate_dim=32,
               max_sequence_length=32, dropout=0.0, activation="gelu_approximate")


def _student(**overrides):
    return tb.TinyBertBackbone(**{**STUDENT, "num_layers": 2, **overrides})


def test_same_width_student_reproduces_teacher(tiny_backbone, tiny_inputs):
    student = init_student_from_teacher(_student(), tiny_backbone)
    got = student(tiny_inputs, training=False)
    want = tiny_backbone(tiny_inputs)
    assert np.abs(got["sequence_output"].numpy() - np.asarray(want["sequence_output"])).max() < 1e-4
    np.testing.assert_allclose(got["pooled_output"].numpy(), np.asarray(want["pooled_output"]), atol=1e-4)
    # Per-layer: hidden states, and scores at real keys (the student adds its mask).
    feats = TeacherFeatures(build_teacher_model(tiny_backbone, "classification", 2))(tiny_inputs)
    keys = tiny_inputs["padding_mask"][:, None, None, :].astype(bool)  # [B, 1, 1, S]
    for s, t in zip(got["hidden_states"], feats["hidden_states"]):
        np.testing.assert_allclose(s.numpy(), t.numpy(), atol=1e-4)
    for s, t in zip(got["attention_scores"], feats["attention_scores"]):
        np.testing.assert_allclose(np.where(keys, s.numpy(), 0), np.where(keys, t.numpy(), 0), atol=1e-4)


def test_layer_map_picks_teacher_layers(tiny_backbone, tiny_inputs):
    student = init_student_from_teacher(_student(num_layers=1), tiny_backbone, layer_map=[1])
    block = student.get_layer("transformer_layer_0")
    teacher_layer = tiny_backbone.get_layer("transformer_layer_1")
    np.testing.assert_array_equal(
        block.feed_forward.intermediate_dense.kernel.numpy(),
        np.asarray(teacher_layer._feedforward_intermediate_dense.kernel),
    )
    np.testing.assert_array_equal(
        block.attention.query_dense.kernel.numpy(),
        np.asarray(teacher_layer._self_attention_layer._query_dense.kernel).reshape(16, 16),
    )
    # Default map = lower layers: a 1-layer student's first hidden state is the teacher's.
    lower = init_student_from_teacher(_student(num_layers=1), tiny_backbone)
    feats = TeacherFeatures(build_teacher_model(tiny_backbone, "classification", 2))(tiny_inputs)
    np.testing.assert_allclose(lower(tiny_inputs)["hidden_states"][1].numpy(),
                               feats["hidden_states"][1].numpy(), atol=1e-4)


@pytest.mark.parametrize("overrides,layer_map,message", [
    (dict(hidden_dim=32), None, "hidden_dim 32 vs 16"),
    (dict(num_heads=4), None, "num_heads 4 vs 2"),
    (dict(intermediate_dim=64), None, "intermediate_dim 64 vs 32"),
    (dict(vocabulary_size=50), None, "vocabulary_size 50 vs 100"),
    (dict(num_layers=3), None, "pass a layer_map"),
    (dict(), [0, 2], "outside the teacher's layers"),
    (dict(), [0], "layer_map has 1 entries"),
    (dict(normalization="nonorm"), None, "LayerNorm"),
])
def test_mismatch_raises(tiny_backbone, overrides, layer_map, message):
    with pytest.raises(ValueError, match=message):
        init_student_from_teacher(_student(**overrides), tiny_backbone, layer_map=layer_map)
