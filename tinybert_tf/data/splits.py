"""Deterministic, stratified splits and subsets, driven by a stable hash of each example's uid.

Python's `hash()` of a string changes from one process to the next, so the order
comes from SHA-256 of `"<salt>:<seed>:<uid>"` instead: the same uid and seed give
the same split on every machine and every run.
"""
import hashlib
import math
from collections import defaultdict


def stable_hash(uid, seed=0, salt="split"):
    """A 64-bit integer from SHA-256 of `"<salt>:<seed>:<uid>"`, identical across processes."""
    digest = hashlib.sha256(f"{salt}:{seed}:{uid}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _round_half_up(x):
    return int(math.floor(x + 0.5))


def _strata(items, key):
    """Group items by `key(item)` (one group when `key` is None), keeping first-seen group order."""
    groups = defaultdict(list)
    for item in items:
        groups[None if key is None else key(item)].append(item)
    return groups


def _check_unique(examples):
    seen = set()
    for item in examples:
        if item.uid in seen:
            raise ValueError(f"duplicate example uid {item.uid!r}: splits need unique uids")
        seen.add(item.uid)


def split_examples(examples, fractions, seed=0, key=None):
    """Split `examples` into "train" plus the splits named in `fractions`.

    Args:
        examples: items with a `uid` attribute.
        fractions: e.g. `{"validation": 0.1, "test": 0.1}`; the rest is "train".
        seed: changes which items go where.
        key: `key(item)` gives the stratum (the label); None for no stratification.

    Each stratum is ordered by `stable_hash(uid, seed)`; the first
    `round(n * fraction)` items of it go to each named split in turn, the rest
    to train. A stratum always keeps at least one item in train, so every label
    of the pool is seen in training. Splits never overlap, and each keeps the
    input order.

    Returns:
        dict split name -> list of items.
    """
    for name, fraction in fractions.items():
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"{name} fraction must be in [0, 1), got {fraction}")
    if sum(fractions.values()) >= 1.0:
        raise ValueError(f"split fractions must sum to less than 1, got {dict(fractions)}")

    _check_unique(examples)
    assigned = {}  # uid -> split name
    for stratum in _strata(examples, key).values():
        order = sorted(stratum, key=lambda item: stable_hash(item.uid, seed))
        counts = {name: _round_half_up(len(order) * f) for name, f in fractions.items()}
        # Keep one item for train: take it from the largest held-out split.
        while counts and sum(counts.values()) >= len(order) and any(counts.values()):
            largest = max(counts, key=counts.get)
            counts[largest] -= 1
        start = 0
        for name, count in counts.items():
            for item in order[start : start + count]:
                assigned[item.uid] = name
            start += count

    result = {"train": [], **{name: [] for name in fractions}}
    for item in examples:
        result[assigned.get(item.uid, "train")].append(item)
    return result


def stratified_subset(examples, size, seed=0, key=None):
    """At most `size` items, each stratum keeping its share (largest-remainder rounding).

    Items within a stratum are picked by a stable hash, so the subset is the same
    on every run; the input order is kept.
    """
    if size is None or size >= len(examples):
        return list(examples)
    if size < 0:
        raise ValueError(f"limit must be >= 0, got {size}")
    _check_unique(examples)
    groups = _strata(examples, key)
    total = len(examples)
    quotas = {k: size * len(v) / total for k, v in groups.items()}
    counts = {k: int(math.floor(q)) for k, q in quotas.items()}
    # Hand out what flooring left over, largest remainder first (ties: first-seen stratum).
    leftover = size - sum(counts.values())
    by_remainder = sorted(groups, key=lambda k: -(quotas[k] - counts[k]))
    for k in by_remainder[:leftover]:
        counts[k] += 1

    chosen = set()
    for k, group in groups.items():
        order = sorted(group, key=lambda item: stable_hash(item.uid, seed, salt="subset"))
        chosen.update(item.uid for item in order[: counts[k]])
    return [item for item in examples if item.uid in chosen]
