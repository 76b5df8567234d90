"""Initialise a TinyBERT student (tf_keras) from a keras-hub BERT teacher's weights.

TinyBERT starts task distillation from a student that general distillation on a
large corpus already taught to behave like BERT. Without that corpus, the best
start we have is the teacher itself, seen through the student's smaller shape:

* the residual stream: an orthonormal basis P [Ht, Hs] (the top principal
  directions of the teacher's token embeddings; the identity when the widths are
  equal), so a student state x_s stands for the teacher state x_s P^T;
* every weight that reads the stream is multiplied by P on its input side, every
  weight that writes it by P on its output side: embeddings E P, query/key/value
  P^T W, attention output and feed-forward output W P, pooler P^T W P;
* heads: the student keeps the first n_s heads and, in each, the first d_s of
  the teacher's d_t dimensions; the query kernel is scaled by sqrt(d_s / d_t) so
  that the student's 1/sqrt(d_s) scaling gives the teacher's 1/sqrt(d_t);
* feed-forward: the intermediate units whose output weights have the largest norm;
* LayerNorm: scale diag(P^T diag(gamma) P), offset beta P;
* layers: a chosen subset of the teacher's transformer layers.

With equal widths this is an exact copy (the "take the lower layers" warm start
of same-width students such as a 6 x 768 student of BERT-base, tested to
reproduce the teacher). With a narrower student it is an approximation that
training refines (README: what it does for TinyBERT4 on bbc_news).

Weight layouts differ by reshapes only:

    keras-hub                       student (tf_keras Dense)
    query/key/value kernel [H, n, d] -> [H, n*d]   bias [n, d] -> [n*d]
    attention output kernel [n, d, H] -> [n*d, H]
"""
import numpy as np


def init_student_from_teacher(student_backbone, teacher_backbone, layer_map=None, basis=None):
    """Set the student's embeddings, transformer layers and pooler from the teacher's.

    Args:
        student_backbone: a `tinybert_tf.TinyBertBackbone` (LayerNorm, one block per
            layer) no wider than the teacher (hidden size, heads, head size,
            feed-forward size), with the teacher's vocabulary.
        teacher_backbone: a `keras_hub.models.BertBackbone` (or a `Teacher`, whose
            `.backbone` is used).
        layer_map: teacher layer index (0-based) for each student layer; default
            the lowest layers, ``[0, 1, ..., student.num_layers - 1]``. For
            distillation, the teacher layers whose attention the student learns
            (`tinybert_tf.distill.attention_layer_map`) are the natural choice.
        basis: `teacher_basis(teacher_backbone, student hidden_dim)` when the caller
            already has it (e.g. for `Distiller.init_projections`); computed if None.

    Returns:
        `student_backbone`, its weights overwritten in place.

    Raises:
        ValueError: the student is wider than the teacher anywhere, the
            vocabulary or normalisation differ, the student shares parameters
            across layers, or `layer_map` is invalid.

    The student's activation is not changed: keras-hub's BERT uses tanh-approximate
    GELU, so build the student with ``activation="gelu_approximate"`` to reproduce
    a same-width teacher exactly.
    """
    teacher = getattr(teacher_backbone, "backbone", teacher_backbone)
    student = student_backbone
    _check_compatible(student, teacher)
    layer_map = _resolve_layer_map(layer_map, student.num_layers, teacher.num_layers)
    if basis is None:
        basis = teacher_basis(teacher, student.hidden_dim)  # [Ht, Hs]

    emb = student.get_layer("embeddings")
    _assign(emb.token_embedding.embeddings, _np(teacher.get_layer("token_embedding").embeddings) @ basis)
    segments = _np(teacher.get_layer("segment_embedding").embeddings)[: student.num_segments]
    _assign(emb.segment_embedding.embeddings, segments @ basis)
    positions = _np(teacher.get_layer("position_embedding").position_embeddings)
    _assign(emb.position_embeddings, positions[: student.max_sequence_length] @ basis)
    _copy_norm(emb.norm, teacher.get_layer("embeddings_layer_norm"), basis)

    for m, t in enumerate(layer_map):
        _copy_block(student.get_layer(f"transformer_layer_{m}"),
                    teacher.get_layer(f"transformer_layer_{t}"), basis)

    pooler = student.get_layer("pooler").dense
    pooled = teacher.get_layer("pooled_dense")
    _assign(pooler.kernel, basis.T @ _np(pooled.kernel) @ basis)
    _assign(pooler.bias, _np(pooled.bias) @ basis)
    return student


def teacher_basis(teacher_backbone, hidden_dim):
    """[Ht, hidden_dim] orthonormal columns: the student's view of the teacher's stream.

    The identity when `hidden_dim` is the teacher's width (an exact copy, since
    LayerNorm is not invariant to rotations); otherwise the top right-singular
    vectors of the mean-centred token embedding table.
    """
    teacher = getattr(teacher_backbone, "backbone", teacher_backbone)
    if hidden_dim > teacher.hidden_dim:
        raise ValueError(f"a basis of {hidden_dim} directions needs a teacher at least that wide "
                         f"(teacher hidden_dim {teacher.hidden_dim})")
    if hidden_dim == teacher.hidden_dim:
        return np.eye(hidden_dim, dtype="float32")
    table = _np(teacher.get_layer("token_embedding").embeddings).astype("float64")
    _, _, vt = np.linalg.svd(table - table.mean(axis=0), full_matrices=False)
    basis = vt[:hidden_dim].T
    basis *= np.sign(basis[np.abs(basis).argmax(axis=0), np.arange(hidden_dim)])  # fixed signs
    return basis.astype("float32")


WIDTHS = ("hidden_dim", "num_heads", "head size", "intermediate_dim", "num_segments")


def exceeding_widths(student, teacher, names=WIDTHS):
    """["<name> <student> > <teacher>", ...] for every size in `names` where the student
    (a dict of sizes) is larger than the teacher (another dict); "head size" is derived
    from hidden_dim and num_heads, and sizes missing from either dict are skipped."""
    def with_head_size(sizes):
        sizes = dict(sizes)
        if "hidden_dim" in sizes and "num_heads" in sizes:
            sizes["head size"] = sizes["hidden_dim"] // sizes["num_heads"]
        return sizes

    student, teacher = with_head_size(student), with_head_size(teacher)
    return [f"{k} {student[k]} > {teacher[k]}" for k in names
            if k in student and k in teacher and student[k] > teacher[k]]


def _check_compatible(student, teacher):
    def sizes(model):
        return {k: getattr(model, k) for k in WIDTHS if hasattr(model, k)}

    wider = exceeding_widths(sizes(student), sizes(teacher))
    if wider:
        raise ValueError(
            "cannot initialise the student from the teacher, it is wider (student > teacher): "
            + ", ".join(wider)
        )
    if student.vocabulary_size != teacher.vocabulary_size:
        raise ValueError(
            "cannot initialise the student from the teacher, vocabulary_size differs: "
            f"{student.vocabulary_size} vs {teacher.vocabulary_size}"
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


def _copy_block(block, layer, basis):
    """One keras-hub `TransformerEncoder` -> one `TinyBertEncoderBlock`, through `basis`."""
    if layer.normalize_first:
        raise ValueError(f"{layer.name} is pre-norm; the student blocks are post-norm like BERT")
    attn = layer._self_attention_layer
    heads, head_dim = block.num_heads, block.hidden_dim // block.num_heads
    teacher_head_dim = _np(attn._query_dense.kernel).shape[-1]
    scale = np.sqrt(head_dim / teacher_head_dim)  # student divides by sqrt(d_s), teacher sqrt(d_t)
    for dst, src, factor in (
        (block.attention.query_dense, attn._query_dense, scale),
        (block.attention.key_dense, attn._key_dense, 1.0),
        (block.attention.value_dense, attn._value_dense, 1.0),
    ):
        kernel = _np(src.kernel)[:, :heads, :head_dim]  # [Ht, n, d]
        _assign(dst.kernel, factor * np.einsum("hs,hnd->snd", basis, kernel).reshape(
            basis.shape[1], heads * head_dim))
        _assign(dst.bias, factor * _np(src.bias)[:heads, :head_dim].reshape(heads * head_dim))
    out = _np(attn._output_dense.kernel)[:heads, :head_dim, :]  # [n, d, Ht]
    _assign(block.attention.output_dense.kernel, (out @ basis).reshape(heads * head_dim, -1))
    _assign(block.attention.output_dense.bias, _np(attn._output_dense.bias) @ basis)
    _copy_norm(block.attention_norm, layer._self_attention_layer_norm, basis)

    w_in, b_in = _np(layer._feedforward_intermediate_dense.kernel), _np(layer._feedforward_intermediate_dense.bias)
    w_out = _np(layer._feedforward_output_dense.kernel)  # [It, Ht]
    units = np.sort(np.argsort(-np.linalg.norm(w_out, axis=1), kind="stable")[: block.intermediate_dim])
    ff = block.feed_forward
    _assign(ff.intermediate_dense.kernel, basis.T @ w_in[:, units])
    _assign(ff.intermediate_dense.bias, b_in[units])
    _assign(ff.output_dense.kernel, w_out[units] @ basis)
    _assign(ff.output_dense.bias, _np(layer._feedforward_output_dense.bias) @ basis)
    _copy_norm(block.output_norm, layer._feedforward_layer_norm, basis)


def _copy_norm(dst, src, basis):
    gamma = _np(src.gamma)
    _assign(dst.gamma, np.einsum("hs,h,hs->s", basis, gamma, basis))  # diag(P^T diag(g) P)
    _assign(dst.beta, _np(src.beta) @ basis)


def _np(variable):
    return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)


def _assign(variable, value):
    value = _np(value)
    if tuple(variable.shape) != value.shape:
        raise ValueError(
            f"shape mismatch for {variable.name}: student {tuple(variable.shape)}, teacher {value.shape}"
        )
    variable.assign(value.astype(variable.dtype.as_numpy_dtype))  # tf_keras variables: tf.DType
