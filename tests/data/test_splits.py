import hashlib
import subprocess
import sys
from collections import Counter

import pytest

from tinybert_tf.data.examples import Example
from tinybert_tf.data.splits import split_examples, stable_hash, stratified_subset


def make_examples(counts):
    """Examples with `counts[label]` items per label."""
    return [Example(text=f"t{label}-{i}", label=label, uid=f"f.csv:{label}:{i}") for label, n in counts.items() for i in range(n)]


def test_stable_hash_is_sha256_and_same_in_another_process():
    expected = int.from_bytes(hashlib.sha256(b"split:3:bbc/tech/001.txt").digest()[:8], "big")
    assert stable_hash("bbc/tech/001.txt", 3) == expected
    # A fresh interpreter has another PYTHONHASHSEED: the value must not move.
    code = "from tinybert_tf.data.splits import stable_hash; print(stable_hash('bbc/tech/001.txt', 3))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "123"})
    assert int(out.stdout) == expected


def test_split_counts_per_stratum_and_disjoint():
    examples = make_examples({0: 50, 1: 30, 2: 20})
    splits = split_examples(examples, {"validation": 0.1, "test": 0.2}, seed=0, key=lambda e: e.label)
    expected = {0: (35, 5, 10), 1: (21, 3, 6), 2: (14, 2, 4)}  # (train, validation, test), by hand
    for label, (train, validation, test) in expected.items():
        counts = {s: sum(e.label == label for e in items) for s, items in splits.items()}
        assert counts == {"train": train, "validation": validation, "test": test}
    uids = [e.uid for items in splits.values() for e in items]
    assert len(uids) == len(set(uids)) == len(examples)
    # Input order is kept inside each split.
    order = {e.uid: i for i, e in enumerate(examples)}
    for items in splits.values():
        assert [order[e.uid] for e in items] == sorted(order[e.uid] for e in items)


def test_split_depends_on_seed_only():
    examples = make_examples({0: 40, 1: 40})
    a = split_examples(examples, {"test": 0.25}, seed=0, key=lambda e: e.label)
    b = split_examples(list(examples), {"test": 0.25}, seed=0, key=lambda e: e.label)
    c = split_examples(examples, {"test": 0.25}, seed=1, key=lambda e: e.label)
    assert a == b
    assert {e.uid for e in a["test"]} != {e.uid for e in c["test"]}


def test_rare_label_stays_in_train():
    examples = make_examples({0: 20, 1: 1, 2: 2})
    splits = split_examples(examples, {"validation": 0.3, "test": 0.3}, seed=0, key=lambda e: e.label)
    assert Counter(e.label for e in splits["train"]).keys() == {0, 1, 2}
    assert sum(e.label == 1 for e in splits["train"]) == 1


def test_bad_fractions_and_duplicate_uids():
    examples = make_examples({0: 4})
    with pytest.raises(ValueError, match="sum to less than 1"):
        split_examples(examples, {"validation": 0.5, "test": 0.5})
    with pytest.raises(ValueError, match="fraction"):
        split_examples(examples, {"validation": -0.1})
    with pytest.raises(ValueError, match="duplicate"):
        split_examples(examples + examples[:1], {"test": 0.5})


def test_stratified_subset_largest_remainder():
    examples = make_examples({0: 60, 1: 30, 2: 10})
    subset = stratified_subset(examples, 15, seed=0, key=lambda e: e.label)
    # quotas 9, 4.5, 1.5 -> floors 9, 4, 1 -> one left for the first stratum with remainder .5
    assert Counter(e.label for e in subset) == {0: 9, 1: 5, 2: 1}
    assert subset == stratified_subset(examples, 15, seed=0, key=lambda e: e.label)
    assert stratified_subset(examples, 1000, seed=0) == examples
    assert len(stratified_subset(examples, 7, seed=0)) == 7
