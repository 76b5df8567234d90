"""fine_tune_teacher on toy separable tasks: learns, saves atomically, reloads, reuses."""
import csv
import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest
import tensorflow as tf

from tinybert_tf.constants import IGNORE_LABEL
from tinybert_tf.teacher import build_teacher_model, fine_tune_teacher, load_fine_tuned_teacher

SEQ = 8


def _sequence_task(n=32, seed=0):
    """Label 0: every token from ids 5..9, label 1: every token from ids 50..54."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n).astype("int32")
    low = np.where(labels[:, None] == 1, 50, 5)
    token_ids = (low + rng.integers(0, 5, size=(n, SEQ))).astype("int32")
    features = {
        "token_ids": token_ids,
        "segment_ids": np.zeros((n, SEQ), "int32"),
        "padding_mask": np.ones((n, SEQ), "int32"),
    }
    return features, labels


def _token_task(n=32, seed=0):
    """Per-token label 1 iff the token id >= 50; padding and [CLS] carry IGNORE_LABEL."""
    rng = np.random.default_rng(seed)
    token_ids = rng.integers(5, 100, size=(n, SEQ)).astype("int32")
    token_ids[:, 0] = 1
    lengths = rng.integers(3, SEQ + 1, size=n)
    padding_mask = (np.arange(SEQ)[None] < lengths[:, None]).astype("int32")
    token_ids *= padding_mask
    labels = (token_ids >= 50).astype("int32")
    labels[padding_mask == 0] = IGNORE_LABEL
    labels[:, 0] = IGNORE_LABEL
    features = {"token_ids": token_ids, "segment_ids": np.zeros_like(token_ids), "padding_mask": padding_mask}
    return features, labels


def _ds(features, labels, batch_size=16):
    return tf.data.Dataset.from_tensor_slices((features, labels)).batch(batch_size)


def _xent(logits, labels):
    logp = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
        - logits.max(-1, keepdims=True)
    keep = labels != IGNORE_LABEL
    picked = np.take_along_axis(logp, np.where(keep, labels, 0)[..., None], -1)[..., 0]
    return -(picked * keep).sum() / keep.sum()


def test_fine_tune_learns_saves_reloads_and_reuses(tmp_path, backbone_factory):
    features, labels = _sequence_task()
    model = build_teacher_model(backbone_factory(dropout=0.0), "classification", 2, dropout=0.0)
    before = _xent(np.asarray(model(features)["logits"]), labels)
    out_dir = tmp_path / "teacher"
    tuned = fine_tune_teacher(model, _ds(features, labels, 8), _ds(*_sequence_task(16, seed=1)),
                              "classification", out_dir, epochs=3, learning_rate=1e-2, verbose=0, seed=0,
                              run_eagerly=True)  # tracing costs more than 12 tiny steps
    logits = np.asarray(tuned(features)["logits"])
    after = _xent(logits, labels)
    assert after < 0.5 * before
    assert (logits.argmax(-1) == labels).mean() >= 0.9

    assert sorted(os.listdir(out_dir)) == ["teacher.json", "teacher.keras", "teacher_history.csv"]
    with open(out_dir / "teacher_history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 2 and {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(rows[0])
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])

    with zipfile.ZipFile(out_dir / "teacher.keras") as archive:  # weights only, no optimizer state
        assert not json.loads(archive.read("config.json")).get("compile_config")
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as weights:
            assert "optimizer" not in weights and "layers" in weights
    reloaded = load_fine_tuned_teacher(out_dir)
    np.testing.assert_array_equal(np.asarray(reloaded(features)["logits"]), logits)

    # A second run finds the finished teacher and returns it untrained-over.
    stamp = os.stat(out_dir / "teacher.keras").st_mtime_ns
    fresh = build_teacher_model(backbone_factory(seed=5), "classification", 2)
    again = fine_tune_teacher(fresh, _ds(features, labels), None, "classification", out_dir, epochs=1, verbose=0)
    np.testing.assert_array_equal(np.asarray(again(features)["logits"]), logits)
    assert os.stat(out_dir / "teacher.keras").st_mtime_ns == stamp


def test_token_loss_and_accuracy_ignore_unlabelled_positions(tmp_path, backbone_factory):
    features, labels = _token_task()
    model = build_teacher_model(backbone_factory(), "token_classification", 2, dropout=0.0)
    ds = _ds(features, labels, batch_size=32)  # one batch: Keras' epoch mean is the batch value
    tuned = fine_tune_teacher(model, ds, ds, "token_classification", tmp_path, epochs=2,
                              learning_rate=5e-3, verbose=0, seed=0, run_eagerly=True)
    with open(tmp_path / "teacher_history.csv") as f:
        last = list(csv.DictReader(f))[-1]
    # The best epoch is the last one here, so the returned weights produced `last`.
    logits = np.asarray(tuned(features)["logits"])
    keep = labels != IGNORE_LABEL
    np.testing.assert_allclose(float(last["val_loss"]), _xent(logits, labels), rtol=1e-4)
    want_acc = ((logits.argmax(-1) == labels) & keep).sum() / keep.sum()
    np.testing.assert_allclose(float(last["val_accuracy"]), want_acc, atol=1e-6)
    with open(tmp_path / "teacher_history.csv") as f:
        first = next(csv.DictReader(f))
    assert float(last["val_loss"]) < float(first["val_loss"])


def test_unknown_kind(tmp_path, tiny_backbone):
    model = build_teacher_model(tiny_backbone, "classification", 2)
    with pytest.raises(ValueError, match="unknown task kind"):
        fine_tune_teacher(model, None, None, "regression", tmp_path)


def test_load_without_teacher(tmp_path):
    with pytest.raises(FileNotFoundError, match="teacher.keras"):
        load_fine_tuned_teacher(tmp_path)
