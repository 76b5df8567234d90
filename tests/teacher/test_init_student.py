"""init_student_from_teacher: a same-width student reproduces the teacher; a narrower one
sees it through an orthonormal basis."""
import numpy as np
import pytest

import tinybert_tf as tb
from tinybert_tf.teacher import TeacherFeatures, build_teacher_model, init_student_from_teacher
from tinybert_tf.teacher.init_student import teacher_basis

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
    (dict(hidden_dim=32), None, "hidden_dim 32 > 16"),
    (dict(num_heads=4), None, "num_heads 4 > 2"),
    (dict(hidden_dim=12, num_heads=1), None, "head size 12 > 8"),
    (dict(intermediate_dim=64), None, "intermediate_dim 64 > 32"),
    (dict(vocabulary_size=50), None, "vocabulary_size differs: 50 vs 100"),
    (dict(num_layers=3), None, "pass a layer_map"),
    (dict(), [0, 2], "outside the teacher's layers"),
    (dict(), [0], "layer_map has 1 entries"),
    (dict(normalization="nonorm"), None, "LayerNorm"),
])
def test_mismatch_raises(tiny_backbone, overrides, layer_map, message):
    with pytest.raises(ValueError, match=message):
        init_student_from_teacher(_student(**overrides), tiny_backbone, layer_map=layer_map)


def test_narrow_student_sees_the_teacher_through_a_basis(tiny_backbone, tiny_inputs):
    # hidden 16 -> 12, head size 8 -> 6, feed-forward 32 -> 24 units.
    student = init_student_from_teacher(
        _student(hidden_dim=12, intermediate_dim=24), tiny_backbone, layer_map=[0, 1])
    basis = teacher_basis(tiny_backbone, 12)  # [16, 12]
    np.testing.assert_allclose(basis.T @ basis, np.eye(12), atol=1e-5)
    table = np.asarray(tiny_backbone.get_layer("token_embedding").embeddings)
    emb = student.get_layer("embeddings")
    np.testing.assert_allclose(emb.token_embedding.embeddings.numpy(), table @ basis, atol=1e-5)
    # The feed-forward keeps the 24 teacher units with the largest output weights, in order.
    teacher_ff = tiny_backbone.get_layer("transformer_layer_1")._feedforward_output_dense
    w_out = np.asarray(teacher_ff.kernel)
    units = np.sort(np.argsort(-np.linalg.norm(w_out, axis=1))[:24])
    ff = student.get_layer("transformer_layer_1").feed_forward
    np.testing.assert_allclose(ff.output_dense.kernel.numpy(), w_out[units] @ basis, atol=1e-5)
    # Queries: first 6 of 8 dims per head, scaled so that scores keep the teacher's 1/sqrt(8).
    teacher_q = tiny_backbone.get_layer("transformer_layer_0")._self_attention_layer._query_dense
    want_q = np.einsum("hs,hnd->snd", basis, np.asarray(teacher_q.kernel)[:, :, :6]) * np.sqrt(6 / 8)
    np.testing.assert_allclose(
        student.get_layer("transformer_layer_0").attention.query_dense.kernel.numpy(),
        want_q.reshape(12, 12), atol=1e-5)
    # Mapped back through the basis, the embedding output points where the teacher's does.
    feats = TeacherFeatures(build_teacher_model(tiny_backbone, "classification", 2))(tiny_inputs)
    real = tiny_inputs["padding_mask"].astype(bool)
    got = (student(tiny_inputs, training=False)["hidden_states"][0].numpy() @ basis.T)[real]
    want = feats["hidden_states"][0].numpy()[real]
    cosine = (got * want).sum(-1) / np.linalg.norm(got, axis=-1) / np.linalg.norm(want, axis=-1)
    assert cosine.mean() > 0.7
