"""build_teacher_model: heads read the right positions and shapes."""
import numpy as np
import pytest

from tinybert_tf.teacher import build_teacher_model


def test_classification_head_reads_cls_hidden_state(tiny_backbone, tiny_inputs):
    model = build_teacher_model(tiny_backbone, "pair_classification", num_labels=4)
    logits = np.asarray(model(tiny_inputs)["logits"])
    cls = np.asarray(tiny_backbone(tiny_inputs)["sequence_output"])[:, 0]  # [B, H]
    kernel, bias = (np.asarray(w) for w in model.get_layer("logits").weights)
    np.testing.assert_allclose(logits, cls @ kernel + bias, atol=1e-5)
    assert logits.shape == (3, 4)


def test_token_head_is_per_position(tiny_backbone, tiny_inputs):
    model = build_teacher_model(tiny_backbone, "token_classification", num_labels=5)
    logits = np.asarray(model(tiny_inputs)["logits"])
    seq = np.asarray(tiny_backbone(tiny_inputs)["sequence_output"])  # [B, S, H]
    kernel, bias = (np.asarray(w) for w in model.get_layer("logits").weights)
    np.testing.assert_allclose(logits, seq @ kernel + bias, atol=1e-5)
    assert logits.shape == (3, 8, 5)


@pytest.mark.parametrize("kind,num_labels", [("regression", 2), ("classification", 0)])
def test_bad_arguments(tiny_backbone, kind, num_labels):
    with pytest.raises(ValueError):
        build_teacher_model(tiny_backbone, kind, num_labels)
