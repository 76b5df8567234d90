"""Initialise a TinyBERT student (tf_keras) from a keras-hub BERT teacher's weights.

Only possible when the student has the teacher's widths (hidden size, heads,
feed-forward size) and vocabulary: then the embeddings and a chosen subset of
the teacher's transformer layers are copied verbatim (the "take the lower
layers" warm start used for same-width students such as a 6 x 768 student of
BERT-base). Weight layouts differ only by reshapes:

    keras-hub                       student (tf_keras Dense)
    query/key/value kernel [H, n, d] -> [H, n*d]   bias [n, d] -> [n*d]
    attention output kernel [n, d, H] -> [n*d, H]
"""
import numpy as np


def init_student_from_teacher(student_backbone, teacher_backbone, layer_map=None):
    """Copy embeddings, transformer layers and pooler from teacher to student.

    Args:
        student_backbone: a `tinybert_tf.TinyBertBackbone` (LayerNorm, one block per layer).
        teacher_backbone: a `keras_hub.models.BertBackbone` (or a `Teacher`, whose
            `.backbone` is used).
        layer_map: teacher layer index (0-based) for each student layer; default
            the lowest layers, ``[0, 1, ..., student.num_layers - 1]``.

    Returns:
        `student_backbone`, its weights overwritten in place.

    Raises:
        ValueError: widths, vocabulary or normalisation differ, the student shares
            parameters across layers, or `layer_map` is invalid.

    The student's activation is not changed: keras-hub's BERT uses tanh-approximate
    GELU, so build the student with ``activation="gelu_approximate"`` to reproduce
    the teacher's outputs exactly.
    """
    teacher = getattr(teacher_backbone, "backbone", teacher_backbone)
    student = student_backbone
    _check_compatible(student, teacher)
    layer_map = _resolve_layer_map(layer_map, student.num_layers, teacher.num_layers)

    emb = student.get_layer("embeddings")
    _assign(emb.token_embedding.embeddings, teacher.get_layer("token_embedding").embeddings)
    _assign(emb.segment_embedding.embeddings, teacher.get_layer("segment_embedding").embeddings)
    positions = _np(teacher.get_layer("position_embedding").position_embeddings)
    _assign(emb.position_embeddings, positions[: student.max_sequence_length])
    _copy_norm(emb.norm, teacher.get_layer("embeddings_layer_norm"))

    for m, t in enumerate(layer_map):
        _copy_block(student.get_layer(f"transformer_layer_{m}"), teacher.get_layer(f"transformer_layer_{t}"))

    pooler = student.get_layer("pooler").dense
    pooled = teacher.get_layer("pooled_dense")
    _assign(pooler.kernel, pooled.kernel)
    _assign(pooler.bias, pooled.bias)
    return student


def _check_compatible(student, teacher):
    pairs = {
        "hidden_dim": (student.hidden_dim, teacher.hidden_dim),
        "num_heads": (student.num_heads, teacher.num_heads),
        "intermediate_dim": (student.intermediate_dim, teacher.intermediate_dim),
        "vocabulary_size": (student.vocabulary_size, teacher.vocabulary_size),
        "num_segments": (student.num_segments, teacher.num_segments),
    }
    diff = [f"{k} {s} vs {t}" for k, (s, t) in pairs.items() if s != t]
    if diff:
        raise ValueError(
            "cannot copy teacher weights into the student, widths differ (student vs teacher): "
            + ", ".join(diff)
        )
    if student.max_sequence_length > teacher.max_sequence_length:
        raise ValueError(
            f"student max_sequence_length {student.max_sequence_length} exceeds the teacher's "
            f"position table ({teacher.max_sequence_length})"
        )
    if student.normalization != "layernorm":
        raise ValueError(
            f"student normalization {student.normalization!r} cannot take the teacher's LayerNorm weights"
        )
    if student.share_parameters:
        raise ValueError("a parameter-sharing student cannot take per-layer teacher weights")


def _resolve_layer_map(layer_map, num_student, num_teacher):
    if layer_map is None:
        if num_student > num_teacher:
            raise ValueError(
                f"student has {num_student} layers, teacher only {num_teacher}: pass a layer_map"
            )
        return list(range(num_student))
    layer_map = [int(t) for t in layer_map]
    if len(layer_map) != num_student:
        raise ValueError(f"layer_map has {len(layer_map)} entries, the student has {num_student} layers")
    bad = [t for t in layer_map if not 0 <= t < num_teacher]
    if bad:
        raise ValueError(f"layer_map entries {bad} are outside the teacher's layers 0..{num_teacher - 1}")
    return layer_map


def _copy_block(block, layer):
    """One keras-hub `TransformerEncoder` -> one `TinyBertEncoderBlock`."""
    if layer.normalize_first:
        raise ValueError(f"{layer.name} is pre-norm; the student blocks are post-norm like BERT")
    attn = layer._self_attention_layer
    hidden = block.hidden_dim
    for dst, src in (
        (block.attention.query_dense, attn._query_dense),
        (block.attention.key_dense, attn._key_dense),
        (block.attention.value_dense, attn._value_dense),
    ):
        _assign(dst.kernel, _np(src.kernel).reshape(hidden, hidden))  # [H, n, d] -> [H, H]
        _assign(dst.bias, _np(src.bias).reshape(hidden))  # [n, d] -> [H]
    _assign(block.attention.output_dense.kernel, _np(attn._output_dense.kernel).reshape(hidden, hidden))
    _assign(block.attention.output_dense.bias, attn._output_dense.bias)
    _copy_norm(block.attention_norm, layer._self_attention_layer_norm)
    _assign(block.feed_forward.intermediate_dense.kernel, layer._feedforward_intermediate_dense.kernel)
    _assign(block.feed_forward.intermediate_dense.bias, layer._feedforward_intermediate_dense.bias)
    _assign(block.feed_forward.output_dense.kernel, layer._feedforward_output_dense.kernel)
    _assign(block.feed_forward.output_dense.bias, layer._feedforward_output_dense.bias)
    _copy_norm(block.output_norm, layer._feedforward_layer_norm)


def _copy_norm(dst, src):
    _assign(dst.gamma, src.gamma)
    _assign(dst.beta, src.beta)


def _np(variable):
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)


def _assign(variable, value):
    value = _np(value)
    if tuple(variable.shape) != value.shape:
        raise ValueError(
            f"shape mismatch for {variable.name}: student {tuple(variable.shape)}, teacher {value.shape}"
        )
    variable.assign(value.astype(variable.dtype.as_numpy_dtype))  # tf_keras variables: tf.DType
