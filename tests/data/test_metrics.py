import numpy as np
import pytest

from tinybert_tf.constants import IGNORE_LABEL
from tinybert_tf.data import classification_metrics, compute_metrics, ner_metrics, task_metric_name

X = IGNORE_LABEL
NER_NAMES = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]


def test_classification_hand_computed():
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 2, 2]
    m = classification_metrics(y_true, y_pred, ["a", "b", "c"])
    # per class: a P=2/2 R=2/3 F=0.8; b P=1/2 R=1/2 F=0.5; c P=1/2 R=1/1 F=2/3
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["macro_precision"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert m["macro_recall"] == pytest.approx((2 / 3 + 0.5 + 1) / 3)
    assert m["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_classification_never_predicted_class_and_absent_class():
    # class 1 is true once but never predicted (P=0, R=0); class 2 appears nowhere (left out).
    m = classification_metrics([0, 0, 1], [0, 0, 0], ["a", "b", "c"])
    assert m["accuracy"] == pytest.approx(2 / 3)
    assert m["macro_precision"] == pytest.approx((2 / 3 + 0) / 2)
    assert m["macro_recall"] == pytest.approx((1 + 0) / 2)
    assert m["macro_f1"] == pytest.approx((0.8 + 0) / 2)


def test_classification_matches_sklearn():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    y_pred[:80] = y_true[:80]
    m = classification_metrics(y_true, y_pred, list("abcde"))
    p, r, f, _ = sklearn_metrics.precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
    assert (m["macro_precision"], m["macro_recall"], m["macro_f1"]) == pytest.approx((p, r, f))
    assert m["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(y_true, y_pred))


def test_classification_bad_input():
    with pytest.raises(ValueError, match="items"):
        classification_metrics([0, 1], [0], ["a", "b"])
    with pytest.raises(ValueError, match="outside"):
        classification_metrics([0, 2], [0, 1], ["a", "b"])


def test_ner_hand_computed():
    true = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "I-LOC", "O"]]
    pred = [["B-PER", "I-PER", "O", "O"], ["B-LOC", "O", "B-PER"]]
    # gold entities: PER(0-1), LOC(3), LOC(0-1) = 3; predicted: PER(0-1), LOC(0), PER(2) = 3; correct: 1
    m = ner_metrics(true, pred, NER_NAMES)
    assert m == pytest.approx({"precision": 1 / 3, "recall": 1 / 3, "f1": 1 / 3})
    as_ids = [[NER_NAMES.index(t) for t in s] for s in true], [[NER_NAMES.index(t) for t in s] for s in pred]
    assert ner_metrics(*as_ids, NER_NAMES) == m


def test_ner_matches_seqeval_and_handles_no_entities():
    from seqeval.metrics import f1_score

    true = [["B-PER", "I-PER", "O"], ["O", "I-LOC", "I-LOC"]]  # I- after O starts an entity (conlleval)
    pred = [["B-PER", "O", "O"], ["O", "B-LOC", "I-LOC"]]
    assert ner_metrics(true, pred, NER_NAMES)["f1"] == pytest.approx(f1_score(true, pred))
    assert ner_metrics([["O", "O"]], [["O", "O"]], NER_NAMES) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    with pytest.raises(ValueError, match="sequence 0"):
        ner_metrics([["O", "O"]], [["O"]], NER_NAMES)


def test_task_metric_name():
    assert task_metric_name("classification") == "accuracy"
    assert task_metric_name("pair_classification") == "accuracy"
    assert task_metric_name("token_classification") == "f1"
    with pytest.raises(ValueError):
        task_metric_name("regression")


def test_compute_metrics_classification_from_logits():
    logits = np.array([[2.0, 0.1], [0.0, 1.0], [3.0, -1.0], [0.2, 0.1]])  # argmax 0, 1, 0, 0
    m = compute_metrics("classification", [0, 1, 1, 0], logits, ["a", "b"])
    assert m == classification_metrics([0, 1, 1, 0], [0, 1, 0, 0], ["a", "b"])
    assert m["accuracy"] == pytest.approx(0.75)


def test_compute_metrics_token_ignores_unlabelled_positions():
    labels = np.array([[X, 3, X, 4, 0, X], [X, 1, 0, X, X, X]])
    pred = np.array([[0, 3, 1, 4, 0, 2], [1, 1, 2, 0, 3, 3]])  # garbage where labels are X
    logits = np.eye(5)[pred] * 5.0  # [2, 6, 5]
    m = compute_metrics("token_classification", labels, logits, NER_NAMES)
    # word tags: [B-PER I-PER O] vs the same; [B-LOC O] vs [B-LOC I-LOC] -> entity LOC(0) vs LOC(0-1)
    expected = ner_metrics([[3, 4, 0], [1, 0]], [[3, 4, 0], [1, 2]], NER_NAMES)
    assert {k: m[k] for k in ("precision", "recall", "f1")} == expected
    assert expected == pytest.approx({"precision": 1 / 2, "recall": 1 / 2, "f1": 1 / 2})
    assert m["token_accuracy"] == pytest.approx(4 / 5)
    with pytest.raises(ValueError, match="shape"):
        compute_metrics("token_classification", labels[:, :3], logits, NER_NAMES)
