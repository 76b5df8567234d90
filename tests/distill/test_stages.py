"""Stages: files per stage, finished stages skipped, a killed run resumes to the same weights."""
import csv
import importlib.util
import os

import numpy as np
import pytest
import tensorflow as tf
import tf_keras

from tests.distill.conftest import build_pair, make_arrays, make_dataset
from tinybert_tf.distill import DistillConfigError, Distiller, distill_task, make_optimizer

# TensorBoard logging is exercised where the optional tensorboard package is installed.
HAS_TENSORBOARD = importlib.util.find_spec("tensorboard") is not None


def _read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def _values(variables):
    return [v.numpy() for v in variables]


def test_stages_write_logs_checkpoints_student_and_skip_when_done(tmp_path):
    out = str(tmp_path / "run")
    student, teacher = build_pair()
    general = tf.data.Dataset.from_tensor_slices(make_arrays(8, seed=5)[0]).batch(8)  # no labels
    kwargs = dict(intermediate_epochs=1, prediction_epochs=1, intermediate_lr=1e-3,
                  prediction_lr=1e-3, general_ds=general, tensorboard=HAS_TENSORBOARD)
    result = distill_task((student, teacher), make_dataset(16), make_dataset(8, seed=1), out,
                          verbose=1, **kwargs)

    assert list(result["stages"]) == ["general", "intermediate", "prediction"]
    assert not any(r["skipped"] for r in result["stages"].values())
    expected_columns = {
        "general": {"epoch", "emb_loss", "hidden_loss", "att_loss", "loss"},
        "intermediate": {"epoch", "emb_loss", "hidden_loss", "att_loss", "loss", "accuracy",
                         "val_loss", "val_task_loss", "val_accuracy", "val_att_loss"},
        "prediction": {"epoch", "pred_loss", "loss", "accuracy", "val_pred_loss",
                       "val_accuracy"},
    }
    for stage, columns in expected_columns.items():
        stage_dir = os.path.join(out, stage)
        rows = _read_csv(os.path.join(stage_dir, "log.csv"))
        assert len(rows) == 1 and columns <= set(rows[0]), (stage, rows)
        assert all(np.isfinite(float(rows[0][c])) for c in columns)
        assert os.path.exists(os.path.join(stage_dir, "DONE"))
        assert not os.path.exists(os.path.join(stage_dir, "backup"))  # removed after the stage
        if HAS_TENSORBOARD:
            assert os.listdir(os.path.join(stage_dir, "tensorboard"))
    assert os.path.exists(os.path.join(out, "prediction", "best.weights.h5"))

    reloaded = tf_keras.models.load_model(result["student_path"])
    features, _ = make_arrays(4, seed=9)
    np.testing.assert_allclose(reloaded(features)["logits"], student(features)["logits"],
                               atol=1e-6)
    assert not [f for f in os.listdir(out) if f.startswith(".tmp")]

    # Called again with fresh models: no stage runs, the finished state is loaded.
    student2, teacher2 = build_pair(seed=7)
    result2 = distill_task((student2, teacher2), make_dataset(16), make_dataset(8, seed=1), out,
                           verbose=0, **kwargs)
    assert all(r["skipped"] for r in result2["stages"].values())
    for a, b in zip(student.get_weights(), student2.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(_read_csv(os.path.join(out, "prediction", "log.csv"))) == 1


class _Killed(Exception):
    pass


class _KillAfter(tf_keras.callbacks.Callback):
    """Raises after `steps` training batches, counted over every stage of the run."""

    def __init__(self, steps):
        super().__init__()
        self.steps, self.seen = steps, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.steps:
            raise _Killed(f"killed after {self.seen} steps")


def _run(out, callbacks=()):
    # A fresh student/teacher pair each time, as a restarted process would build.
    student, teacher = build_pair(seed=0)
    distiller = Distiller(student, teacher)
    distill_task(distiller, make_dataset(16), None, out, intermediate_epochs=2,
                 prediction_epochs=3, intermediate_lr=1e-2, prediction_lr=1e-2, keep="last",
                 callbacks=callbacks, verbose=0)
    return distiller


def test_killed_run_resumes_to_the_uninterrupted_weights(tmp_path):
    uninterrupted = _run(str(tmp_path / "a"))

    out = str(tmp_path / "b")
    # 2 batches per epoch: intermediate is steps 1-4, prediction epochs 0/1/2 are 5-6/7-8/9-10.
    with pytest.raises(_Killed):
        _run(out, callbacks=[_KillAfter(8)])  # dies at the end of prediction epoch 1's last batch
    assert os.path.exists(os.path.join(out, "intermediate", "DONE"))
    assert not os.path.exists(os.path.join(out, "prediction", "DONE"))
    assert os.path.isdir(os.path.join(out, "prediction", "backup"))
    resumed = _run(out)

    expected = _values(uninterrupted.trainable_variables)
    for a, b in zip(expected, _values(resumed.trainable_variables)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert int(resumed.optimizer.iterations.numpy()) == 6  # prediction: 3 epochs x 2 steps
    rows = _read_csv(os.path.join(out, "prediction", "log.csv"))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]  # the killed epoch 1 replayed once
    a = _read_csv(os.path.join(tmp_path / "a", "prediction", "log.csv"))
    np.testing.assert_allclose([float(r["loss"]) for r in rows], [float(r["loss"]) for r in a],
                               rtol=1e-5)


def test_make_optimizer_warms_up_decays_and_spares_biases():
    optimizer = make_optimizer(1e-2, total_steps=100, warmup_fraction=0.1, weight_decay=0.5)
    kernel = tf.Variable(tf.ones((2, 2)), name="dense/kernel")
    bias = tf.Variable(tf.ones((2,)), name="dense/bias")
    rates = []
    for step in (0, 5, 10, 100):
        kernel.assign(tf.ones((2, 2)))
        optimizer.iterations.assign(step)
        # Zero gradients: the only change is decoupled decay, kernel *= 1 - lr * weight_decay.
        optimizer.apply_gradients([(tf.zeros((2, 2)), kernel), (tf.zeros((2,)), bias)])
        rates.append((1.0 - float(kernel[0, 0])) / 0.5)
    np.testing.assert_allclose(rates, [0.0, 5e-3, 1e-2, 0.0], atol=1e-7)  # warmup, peak, end
    np.testing.assert_array_equal(bias.numpy(), 1.0)  # biases are not decayed


def test_all_stages_off_is_an_error(tmp_path):
    with pytest.raises(DistillConfigError, match="nothing to train"):
        # Checked before any model is touched.
        distill_task(None, make_dataset(8), None, str(tmp_path), intermediate_epochs=0,
                     prediction_epochs=0)
