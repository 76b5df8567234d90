"""Distillation losses against numpy hand computations."""
import numpy as np
import pytest
import tensorflow as tf

from tinybert_tf.constants import IGNORE_LABEL
from tinybert_tf.distill import losses

RNG = np.random.default_rng(0)


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(x, axis=-1):
    return np.log(_np_softmax(x, axis))


class _MatMul:
    """A fixed linear projection (stands in for the learnable Dense)."""

    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return tf.matmul(x, tf.constant(self.w))


def test_hidden_mse_unmasked_matches_numpy():
    s = RNG.normal(size=(2, 3, 4)).astype("float32")
    t = RNG.normal(size=(2, 3, 6)).astype("float32")
    w = RNG.normal(size=(4, 6)).astype("float32")
    expected = np.mean((s @ w - t) ** 2)
    got = losses.hidden_mse(tf.constant(s), tf.constant(t), _MatMul(w))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)


def test_hidden_mse_masked_leaves_padding_out():
    s = RNG.normal(size=(2, 3, 4)).astype("float32")
    t = RNG.normal(size=(2, 3, 4)).astype("float32")
    mask = np.array([[1, 1, 0], [1, 0, 0]], "int32")
    # Hand computation: squared errors of the 3 real tokens over 4 features.
    real = [(0, 0), (0, 1), (1, 0)]
    expected = sum(((s[b, i] - t[b, i]) ** 2).sum() for b, i in real) / (3 * 4)
    got = losses.hidden_mse(tf.constant(s), tf.constant(t), None, tf.constant(mask))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    # Garbage at padded positions changes nothing.
    t2 = t.copy()
    t2[0, 2] = 1e6
    got2 = losses.hidden_mse(tf.constant(s), tf.constant(t2), None, tf.constant(mask))
    np.testing.assert_allclose(got2.numpy(), expected, rtol=1e-5)


def test_hidden_mse_parts_sum_over_shards_equals_whole():
    s = RNG.normal(size=(4, 3, 4)).astype("float32")
    t = RNG.normal(size=(4, 3, 4)).astype("float32")
    mask = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0], [1, 0, 0]], "int32")
    a = losses.hidden_mse_parts(s[:2], t[:2], None, mask[:2])
    b = losses.hidden_mse_parts(s[2:], t[2:], None, mask[2:])
    whole = losses.hidden_mse(s, t, None, mask)
    np.testing.assert_allclose((a.total + b.total) / (a.count + b.count), whole.numpy(), rtol=1e-6)


def _np_attention_mse(s, t, mask):
    total, count = 0.0, 0
    for b in range(s.shape[0]):
        for h in range(s.shape[1]):
            for q in range(s.shape[2]):
                for k in range(s.shape[3]):
                    if mask[b, q] and mask[b, k]:
                        total += (s[b, h, q, k] - t[b, h, q, k]) ** 2
                        count += 1
    return total / count


def test_attention_mse_same_heads_matches_loop():
    s = RNG.normal(size=(2, 3, 4, 4)).astype("float32")
    t = RNG.normal(size=(2, 3, 4, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], "int32")
    # The student's scores carry -10000 at padded keys; the teacher's do not.
    s_masked = s + (1 - mask[:, None, None, :]) * -10000.0
    got = losses.attention_mse(tf.constant(s_masked), tf.constant(t), tf.constant(mask))
    np.testing.assert_allclose(got.numpy(), _np_attention_mse(s, t, mask), rtol=1e-5)


def test_attention_mse_different_heads_averages_both_sides():
    s = RNG.normal(size=(2, 2, 4, 4)).astype("float32")
    t = RNG.normal(size=(2, 6, 4, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 1], [1, 1, 1, 0]], "int32")
    expected = _np_attention_mse(s.mean(1, keepdims=True), t.mean(1, keepdims=True), mask)
    got = losses.attention_mse(tf.constant(s), tf.constant(t), tf.constant(mask))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)


def test_attention_mse_survives_infinite_mask_values():
    s = np.zeros((1, 1, 3, 3), "float32")
    s[..., 2] = -np.inf  # a student masked with -inf at the padded key
    mask = np.array([[1, 1, 0]], "int32")
    got = losses.attention_mse(tf.constant(s), tf.ones((1, 1, 3, 3)), tf.constant(mask))
    np.testing.assert_allclose(got.numpy(), 1.0)


def test_soft_cross_entropy_sequence_matches_numpy():
    s = RNG.normal(size=(3, 5)).astype("float32")
    t = RNG.normal(size=(3, 5)).astype("float32")
    for temperature in (1.0, 2.5):
        target, log_prob = _np_softmax(t / temperature), _np_log_softmax(s / temperature)
        expected = np.mean(-(target * log_prob).sum(-1))
        got = losses.soft_cross_entropy(tf.constant(s), tf.constant(t), temperature)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)


def test_soft_cross_entropy_is_minimal_at_teacher():
    t = RNG.normal(size=(4, 3)).astype("float32")
    at_teacher = losses.soft_cross_entropy(t, t, 2.0).numpy()
    entropy = np.mean(-(_np_softmax(t / 2) * _np_log_softmax(t / 2)).sum(-1))
    np.testing.assert_allclose(at_teacher, entropy, rtol=1e-5)
    assert losses.soft_cross_entropy(t + RNG.normal(size=t.shape), t, 2.0).numpy() > at_teacher


def test_hard_label_loss_ignores_ignore_label_per_token():
    logits = RNG.normal(size=(2, 3, 4)).astype("float32")
    labels = np.array([[1, IGNORE_LABEL, 3], [IGNORE_LABEL, 0, IGNORE_LABEL]], "int32")
    terms = [-_np_log_softmax(logits[b, i])[labels[b, i]]
             for b in range(2) for i in range(3) if labels[b, i] != IGNORE_LABEL]
    got = losses.hard_label_loss(tf.constant(labels), tf.constant(logits))
    np.testing.assert_allclose(got.numpy(), np.mean(terms), rtol=1e-5)


def test_prediction_loss_mixes_soft_and_hard_per_token():
    s = RNG.normal(size=(2, 3, 4)).astype("float32")
    t = RNG.normal(size=(2, 3, 4)).astype("float32")
    labels = np.array([[1, IGNORE_LABEL, 3], [2, 0, IGNORE_LABEL]], "int32")
    valid = labels != IGNORE_LABEL
    temperature, alpha = 2.0, 0.3
    soft = -(_np_softmax(t / temperature) * _np_log_softmax(s / temperature)).sum(-1)[valid].mean()
    hard = np.mean([-_np_log_softmax(s[b, i])[labels[b, i]]
                    for b in range(2) for i in range(3) if valid[b, i]])
    got = losses.prediction_loss(s, t, tf.constant(labels), temperature, alpha)
    np.testing.assert_allclose(got.numpy(), alpha * soft + (1 - alpha) * hard, rtol=1e-5)


def test_prediction_loss_sequence_labels_with_trailing_axis():
    s = RNG.normal(size=(3, 4)).astype("float32")
    t = RNG.normal(size=(3, 4)).astype("float32")
    labels = np.array([[0], [3], [1]], "int32")
    hard = np.mean([-_np_log_softmax(s[b])[labels[b, 0]] for b in range(3)])
    got = losses.prediction_loss(s, t, labels, alpha=0.0)
    np.testing.assert_allclose(got.numpy(), hard, rtol=1e-5)


def test_prediction_loss_alpha_below_one_needs_labels():
    with pytest.raises(ValueError, match="needs labels"):
        losses.prediction_loss(tf.zeros((2, 3)), tf.zeros((2, 3)), None, alpha=0.5)
