"""TinyBERT distillation losses as small pure TensorFlow functions.

Every loss is a masked mean, ``total / count``. Each comes in two forms:

* ``<name>_parts(...) -> LossParts(total, count)``: the sum of the per-element
  losses and the number of elements it averages over. The `Distiller` uses
  these to normalise by the *global* count across replicas, so a loss under
  `tf.distribute` equals the single-device loss on the same global batch
  even when replicas hold different numbers of real tokens.
* ``<name>(...) -> scalar``: ``total / count`` (0 when nothing is counted).

All computations run in float32 whatever the input dtype.
"""
import collections

import tensorflow as tf

from tinybert_tf.constants import IGNORE_LABEL

LossParts = collections.namedtuple("LossParts", ["total", "count"])


def _ratio(parts):
    return tf.math.divide_no_nan(parts.total, parts.count)


def _float(x):
    return tf.cast(x, tf.float32)


# --- hidden states (and the embedding output, hidden state 0) -------------


def hidden_mse_parts(student_h, teacher_h, projection=None, mask=None):
    """Sum and count of squared errors between projected student and teacher states.

    Args:
      student_h: [B, S, Hs] student hidden state.
      teacher_h: [B, S, Ht] teacher hidden state.
      projection: a callable [B, S, Hs] -> [B, S, Ht] (a learnable Dense layer, the
        paper's W_h / W_e), or None when Hs == Ht and no projection is wanted.
      mask: optional [B, S] padding mask (1 = real token); padded positions are left
        out of the mean.
    """
    projected = student_h if projection is None else projection(student_h)  # [B, S, Ht]
    sq = tf.square(_float(projected) - _float(teacher_h))  # [B, S, Ht]
    width = tf.cast(tf.shape(sq)[-1], tf.float32)
    if mask is None:
        return LossParts(tf.reduce_sum(sq), tf.cast(tf.size(sq), tf.float32))
    m = _float(mask)  # [B, S]
    total = tf.reduce_sum(tf.where(m[:, :, None] > 0, sq, 0.0))
    return LossParts(total, tf.reduce_sum(m) * width)


def hidden_mse(student_h, teacher_h, projection=None, mask=None):
    """Mean squared error after projecting the student state to the teacher width.

    The embedding loss is this function on hidden state 0 (the embedding output).
    With a mask, the mean runs over real tokens and all features. See
    `hidden_mse_parts` for shapes.
    """
    return _ratio(hidden_mse_parts(student_h, teacher_h, projection, mask))


# --- attention scores ------------------------------------------------------


def attention_mse_parts(student_scores, teacher_scores, padding_mask):
    """Sum and count of squared errors between pre-softmax attention scores.

    Only (query, key) pairs where both are real tokens count. That makes the additive
    mask in the student's scores (-10000 at padded keys) and the teacher's unmasked
    scores at padded positions irrelevant: those entries are never compared.

    When the head counts differ, both sides are first averaged over heads (one
    [B, 1, S, S] map each): per-head matching is impossible without a head map, the
    head-averaged attention is still a meaningful target, and no reshape can fail.

    Args:
      student_scores: [B, hs, S, S] pre-softmax scores (QK^T / sqrt(d) + mask).
      teacher_scores: [B, ht, S, S] pre-softmax scores.
      padding_mask: [B, S], 1 at real tokens.
    """
    s = _float(student_scores)  # [B, hs, S, S]
    t = _float(teacher_scores)  # [B, ht, S, S]
    if s.shape[1] is None or t.shape[1] is None or s.shape[1] != t.shape[1]:
        s = tf.reduce_mean(s, axis=1, keepdims=True)  # [B, 1, S, S]
        t = tf.reduce_mean(t, axis=1, keepdims=True)  # [B, 1, S, S]
    m = _float(padding_mask)  # [B, S]
    pair = m[:, None, :, None] * m[:, None, None, :]  # [B, 1, S(query), S(key)]
    sq = tf.square(s - t)  # [B, h, S, S]
    # tf.where rather than a product: a -inf or huge mask value times 0 stays out.
    total = tf.reduce_sum(tf.where(pair > 0, sq, 0.0))
    heads = tf.cast(tf.shape(sq)[1], tf.float32)
    return LossParts(total, tf.reduce_sum(pair) * heads)


def attention_mse(student_scores, teacher_scores, padding_mask):
    """Mean squared error of pre-softmax attention scores over real (query, key) pairs.

    Heads are averaged on both sides when the counts differ; see `attention_mse_parts`.
    """
    return _ratio(attention_mse_parts(student_scores, teacher_scores, padding_mask))


# --- prediction layer --------------------------------------------------------


def label_mask(labels):
    """[B] or [B, S] float mask: 1 where the label is not IGNORE_LABEL."""
    return _float(tf.not_equal(labels, IGNORE_LABEL))


def match_label_rank(labels, logits):
    """Labels [B, 1] next to logits [B, C] lose their trailing axis; others pass."""
    labels, logits = tf.convert_to_tensor(labels), tf.convert_to_tensor(logits)
    if labels.shape.rank is not None and labels.shape.rank == logits.shape.rank:
        labels = tf.squeeze(labels, axis=-1)
    return labels


def soft_cross_entropy_parts(student_logits, teacher_logits, temperature=1.0, mask=None):
    """Sum and count of -sum_c softmax(t/T)_c * log_softmax(s/T)_c.

    Per example for logits [B, C], per token for [B, S, C]. `mask` ([B] or [B, S],
    1 = counts) leaves positions out (padding, IGNORE_LABEL). The loss is not scaled
    by T^2 (as in TinyBERT); scale `alpha` or the learning rate if wanted.
    """
    t = _float(temperature)
    target = tf.nn.softmax(_float(teacher_logits) / t, axis=-1)  # [..., C]
    log_prob = tf.nn.log_softmax(_float(student_logits) / t, axis=-1)  # [..., C]
    ce = -tf.reduce_sum(target * log_prob, axis=-1)  # [B] or [B, S]
    if mask is None:
        return LossParts(tf.reduce_sum(ce), tf.cast(tf.size(ce), tf.float32))
    m = _float(mask)
    return LossParts(tf.reduce_sum(tf.where(m > 0, ce, 0.0)), tf.reduce_sum(m))


def soft_cross_entropy(student_logits, teacher_logits, temperature=1.0, mask=None):
    """Mean soft cross-entropy against the teacher's distribution at `temperature`."""
    return _ratio(soft_cross_entropy_parts(student_logits, teacher_logits, temperature, mask))


def hard_label_loss_parts(labels, logits):
    """Sum and count of sparse cross-entropy over labels that are not IGNORE_LABEL.

    Args:
      labels: int [B] (sequence classification) or [B, S] (token classification).
      logits: [B, C] or [B, S, C].
    """
    labels = match_label_rank(labels, logits)
    valid = tf.not_equal(labels, IGNORE_LABEL)
    safe = tf.where(valid, tf.cast(labels, tf.int32), 0)
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=safe, logits=_float(logits))
    m = _float(valid)
    return LossParts(tf.reduce_sum(tf.where(valid, ce, 0.0)), tf.reduce_sum(m))


def hard_label_loss(labels, logits):
    """Mean sparse cross-entropy, ignoring IGNORE_LABEL positions."""
    return _ratio(hard_label_loss_parts(labels, logits))


def prediction_loss(student_logits, teacher_logits, labels=None, temperature=1.0,
                    alpha=1.0, mask=None):
    """``alpha * soft_cross_entropy + (1 - alpha) * hard_label_loss``.

    alpha = 1 is pure distillation (TinyBERT); alpha < 1 needs labels. With labels,
    the soft term counts the same positions as the hard term (IGNORE_LABEL left out,
    per token for token classification); without labels, `mask` (e.g. the padding
    mask for token logits) decides.
    """
    alpha = float(alpha)
    if labels is not None:
        labels = match_label_rank(labels, student_logits)
        mask = label_mask(labels)
    soft = soft_cross_entropy(student_logits, teacher_logits, temperature, mask)
    if alpha >= 1.0:
        return soft
    if labels is None:
        raise ValueError("prediction_loss: alpha < 1 mixes in the hard-label loss and needs labels")
    return alpha * soft + (1.0 - alpha) * hard_label_loss(labels, student_logits)
