"""TeacherFeatures against keras-hub's own forward pass and a numpy attention reference."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from tinybert_tf.teacher import TeacherFeatures, build_teacher_model


@pytest.fixture
def clf_model(tiny_backbone):
    return build_teacher_model(tiny_backbone, "classification", num_labels=3)


def test_hidden_states_match_backbone(clf_model, tiny_backbone, tiny_inputs):
    feats = TeacherFeatures(clf_model)(tiny_inputs)
    assert len(feats["hidden_states"]) == tiny_backbone.num_layers + 1
    # Reference intermediate outputs from keras-hub's functional graph itself.
    names = ["embeddings_layer_norm"] + [f"transformer_layer_{i}" for i in range(2)]
    probe = keras.Model(tiny_backbone.inputs, [tiny_backbone.get_layer(n).output for n in names])
    expected = probe(tiny_inputs)
    for got, want in zip(feats["hidden_states"], expected):
        np.testing.assert_allclose(got.numpy(), np.asarray(want), atol=1e-5)
    np.testing.assert_allclose(feats["embedding_output"].numpy(), np.asarray(expected[0]), atol=1e-6)
    sequence_output = tiny_backbone(tiny_inputs)["sequence_output"]
    assert np.abs(feats["hidden_states"][-1].numpy() - np.asarray(sequence_output)).max() < 1e-4


def test_attention_scores_against_numpy(clf_model, tiny_backbone, tiny_inputs):
    feats = TeacherFeatures(clf_model)(tiny_inputs)
    assert len(feats["attention_scores"]) == 2
    for i, scores in enumerate(feats["attention_scores"]):
        attn = tiny_backbone.get_layer(f"transformer_layer_{i}")._self_attention_layer
        h = feats["hidden_states"][i].numpy()  # [B, S, H]
        wq, bq = (np.asarray(v) for v in attn._query_dense.weights)  # [H, n, d], [n, d]
        wk, bk = (np.asarray(v) for v in attn._key_dense.weights)
        q = np.einsum("bsh,hnd->bsnd", h, wq) + bq
        k = np.einsum("bsh,hnd->bsnd", h, wk) + bk
        want = np.einsum("bqnd,bknd->bnqk", q, k) / np.sqrt(q.shape[-1])
        assert scores.shape == (3, 2, 8, 8)
        np.testing.assert_allclose(scores.numpy(), want, atol=1e-5)


def test_masked_softmax_of_scores_reproduces_attention_output(clf_model, tiny_backbone, tiny_inputs):
    feats = TeacherFeatures(clf_model)(tiny_inputs)
    key_mask = tiny_inputs["padding_mask"][:, None, None, :].astype(bool)  # [B, 1, 1, S]
    for i, scores in enumerate(feats["attention_scores"]):
        attn = tiny_backbone.get_layer(f"transformer_layer_{i}")._self_attention_layer
        h = feats["hidden_states"][i]
        want_out, want_probs = attn(
            query=h, value=h, attention_mask=key_mask[:, 0] & np.ones((1, 8, 1), bool),
            return_attention_scores=True, training=False,
        )
        s = np.where(key_mask, scores.numpy(), -1e9)
        probs = np.exp(s - s.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)  # [B, n, S, S]
        np.testing.assert_allclose(probs, np.asarray(want_probs), atol=1e-5)
        value = np.asarray(attn._value_dense(h))  # [B, S, n, d]
        context = np.einsum("bnqk,bknd->bqnd", probs, value)
        out = np.asarray(attn._output_dense(context))  # [B, S, H]
        np.testing.assert_allclose(out, np.asarray(want_out), atol=1e-5)


@pytest.mark.parametrize("kind,num_labels", [("classification", 3), ("token_classification", 5)])
def test_logits_match_task_model_in_inference_mode(kind, num_labels, backbone_factory, inputs_factory):
    # Dropout on: features must still be the deterministic inference pass.
    backbone = backbone_factory(dropout=0.3)
    model = build_teacher_model(backbone, kind, num_labels, dropout=0.3)
    inputs = inputs_factory()
    feats = TeacherFeatures(model)
    first, second = feats(inputs)["logits"], feats(inputs)["logits"]
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    np.testing.assert_allclose(first.numpy(), np.asarray(model(inputs, training=False)["logits"]), atol=1e-5)
    assert first.shape == ((3, num_labels) if kind == "classification" else (3, 8, num_labels))


def test_works_inside_tf_function(clf_model, tiny_inputs):
    feats = TeacherFeatures(clf_model)
    eager = feats.features(tiny_inputs)
    traced = tf.function(feats.features)({k: tf.constant(v) for k, v in tiny_inputs.items()})
    assert isinstance(traced["logits"], tf.Tensor)
    for key in ("hidden_states", "attention_scores"):
        for got, want in zip(traced[key], eager[key]):
            np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5)
    np.testing.assert_allclose(traced["logits"].numpy(), eager["logits"].numpy(), atol=1e-5)


def test_properties(clf_model):
    feats = TeacherFeatures(clf_model)
    assert (feats.num_layers, feats.hidden_dim, feats.num_heads) == (2, 16, 2)


def test_rejects_model_without_bert_backbone():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, {"logits": keras.layers.Dense(2, name="logits")(inputs)})
    with pytest.raises(ValueError, match="BertBackbone"):
        TeacherFeatures(model)
