"""Task metrics: accuracy / macro P-R-F1 for classification, entity-level P-R-F1 (seqeval) for NER."""
import numpy as np

from tinybert_tf.constants import IGNORE_LABEL
from tinybert_tf.data.examples import KINDS, TOKEN_CLASSIFICATION


def task_metric_name(kind):
    """The headline metric of a task kind: "accuracy" for (pair) classification, "f1" for NER."""
    if kind not in KINDS:
        raise ValueError(f"unknown task kind {kind!r}: use one of {', '.join(KINDS)}")
    return "f1" if kind == TOKEN_CLASSIFICATION else "accuracy"


def _safe_divide(num, den):
    # 0 where the denominator is 0 (a class never predicted / never true), as sklearn's zero_division=0.
    return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den > 0)


def classification_metrics(y_true, y_pred, label_names):
    """Accuracy and macro-averaged precision, recall, F1.

    The macro average runs over the classes that occur in `y_true` or `y_pred`
    (sklearn's default); a class never predicted has precision 0, one never true
    recall 0. Macro F1 is the mean of per-class F1 (not F1 of macro P and R).
    A few lines of numpy rather than a scikit-learn dependency.

    Args:
        y_true, y_pred: [N] int class indices.
        label_names: the class names (their count is the number of classes).
    """
    y_true = np.asarray(y_true, np.int64).reshape(-1)
    y_pred = np.asarray(y_pred, np.int64).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} items but y_pred has {y_pred.size}")
    if y_true.size == 0:
        raise ValueError("no examples to score")
    num_classes = len(label_names)
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.min() < 0 or values.max() >= num_classes:
            raise ValueError(f"{name} holds class ids outside [0, {num_classes})")
    confusion = np.zeros((num_classes, num_classes), np.int64)  # [true, pred]
    np.add.at(confusion, (y_true, y_pred), 1)
    true_positive = np.diag(confusion).astype(np.float64)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = _safe_divide(true_positive, predicted)
    recall = _safe_divide(true_positive, actual)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    present = (predicted + actual) > 0
    return {
        "accuracy": float(true_positive.sum() / y_true.size),
        "macro_precision": float(precision[present].mean()),
        "macro_recall": float(recall[present].mean()),
        "macro_f1": float(f1[present].mean()),
    }


def _tag_strings(sequences, label_names):
    return [[tag if isinstance(tag, str) else label_names[int(tag)] for tag in seq] for seq in sequences]


def ner_metrics(true_tag_seqs, pred_tag_seqs, label_names):
    """Entity-level micro precision, recall and F1 (seqeval, conlleval rules).

    Args:
        true_tag_seqs, pred_tag_seqs: lists of per-word tag sequences (int indices
            into `label_names`, or tag strings).
        label_names: BIO tag names.
    """
    from seqeval.metrics import f1_score, precision_score, recall_score

    true_tags = _tag_strings(true_tag_seqs, label_names)
    pred_tags = _tag_strings(pred_tag_seqs, label_names)
    if len(true_tags) != len(pred_tags):
        raise ValueError(f"{len(true_tags)} true sequences but {len(pred_tags)} predicted")
    for i, (true, pred) in enumerate(zip(true_tags, pred_tags)):
        if len(true) != len(pred):
            raise ValueError(f"sequence {i}: {len(true)} true tags but {len(pred)} predicted")
    return {
        "precision": float(precision_score(true_tags, pred_tags, zero_division=0)),
        "recall": float(recall_score(true_tags, pred_tags, zero_division=0)),
        "f1": float(f1_score(true_tags, pred_tags, zero_division=0)),
    }


def compute_metrics(kind, labels, logits, label_names):
    """Metrics from model logits.

    Args:
        kind: the task kind.
        labels: [N] class ids, or [N, S] piece labels (IGNORE_LABEL where there is no word start).
        logits: [N, C], or [N, S, C].
        label_names: class / tag names.

    Returns:
        classification: accuracy, macro_precision, macro_recall, macro_f1.
        token classification: entity-level precision, recall, f1 over the labelled
        pieces (one per word that fit in S), plus token_accuracy over those pieces.
    """
    task_metric_name(kind)  # validates kind
    labels = np.asarray(labels)
    predictions = np.asarray(logits).argmax(axis=-1)  # [N] or [N, S]
    if predictions.shape != labels.shape:
        raise ValueError(f"labels have shape {labels.shape} but logits give {predictions.shape}")
    if kind != TOKEN_CLASSIFICATION:
        return classification_metrics(labels, predictions, label_names)
    keep = labels != IGNORE_LABEL  # [N, S]
    true_seqs = [row[mask].tolist() for row, mask in zip(labels, keep)]
    pred_seqs = [row[mask].tolist() for row, mask in zip(predictions, keep)]
    metrics = ner_metrics(true_seqs, pred_seqs, label_names)
    metrics["token_accuracy"] = float((predictions[keep] == labels[keep]).mean()) if keep.any() else 0.0
    return metrics
