"""Which teacher layer each student layer learns from.

Hidden states are indexed as the models return them: index 0 is the embedding
output, index m (1..L) the output of transformer layer m. A layer map is a list of
M teacher hidden-state indices, one for each student hidden state 1..M; student
hidden state 0 always learns from teacher hidden state 0 (the embeddings).
Attention scores are indexed by layer (0..L-1), so student layer m's attention
learns from teacher attention ``g(m) - 1``.
"""
import operator

from tinybert_tf.distill.errors import DistillConfigError

STRATEGIES = ("uniform", "top", "bottom")


def make_layer_map(student_layers, teacher_layers, strategy="uniform"):
    """Teacher hidden-state index g(m) for each student hidden state m = 1..M.

    Args:
      student_layers: M, the student's number of transformer layers.
      teacher_layers: N, the teacher's number of transformer layers.
      strategy: "uniform" (TinyBERT: g(m) = m * N / M, rounded down when M does not
        divide N), "top" (the last M teacher layers), "bottom" (the first M), or an
        explicit list of M indices in 1..N, non-decreasing.

    Returns:
      A list of M ints in 1..N.

    Raises:
      DistillConfigError: the strategy is unknown, the student is deeper than the
        teacher for a named strategy, or an explicit list has the wrong length, an
        entry out of range, or goes down.
    """
    m_layers, n_layers = int(student_layers), int(teacher_layers)
    if m_layers < 1 or n_layers < 1:
        raise DistillConfigError(
            f"layer map: layer counts must be >= 1, got student {m_layers}, teacher {n_layers}")
    if isinstance(strategy, str):
        if strategy not in STRATEGIES:
            raise DistillConfigError(
                f"layer map: unknown strategy {strategy!r}; use one of {STRATEGIES} or a list")
        if m_layers > n_layers:
            raise DistillConfigError(
                f"layer map: a {m_layers}-layer student cannot take distinct layers of a "
                f"{n_layers}-layer teacher with strategy {strategy!r}; pass an explicit list")
        if strategy == "uniform":
            return [m * n_layers // m_layers for m in range(1, m_layers + 1)]
        if strategy == "top":
            return list(range(n_layers - m_layers + 1, n_layers + 1))
        return list(range(1, m_layers + 1))
    return _check_explicit(list(strategy), m_layers, n_layers)


def _check_explicit(layer_map, m_layers, n_layers):
    if len(layer_map) != m_layers:
        raise DistillConfigError(
            f"layer map: {layer_map} has {len(layer_map)} entries, the student has "
            f"{m_layers} layers (one teacher index per student layer 1..{m_layers})")
    for entry in layer_map:
        try:
            index = operator.index(entry)  # ints and numpy ints; not floats or strings
        except TypeError:
            index = None
        if index is None or isinstance(entry, bool):
            raise DistillConfigError(f"layer map: entry {entry!r} in {layer_map} is not an int")
        if not 1 <= index <= n_layers:
            raise DistillConfigError(
                f"layer map: entry {entry} in {layer_map} is out of range 1..{n_layers} "
                f"(teacher hidden states; 0, the embeddings, is always mapped to 0)")
    layer_map = [operator.index(e) for e in layer_map]
    if any(b < a for a, b in zip(layer_map, layer_map[1:])):
        raise DistillConfigError(
            f"layer map: {layer_map} goes down; entries must be non-decreasing")
    return layer_map


def attention_layer_map(layer_map):
    """Teacher attention-layer index (0-based) for each student attention layer."""
    return [g - 1 for g in layer_map]
