"""Task distillation in stages, resumable: general -> intermediate -> prediction.

Each stage is one `Distiller.fit` with its own epochs, learning rate and callbacks,
writing under ``out_dir/<stage>/``:

    log.csv              per-epoch curves (every loss term, val_accuracy, ...)
    backup/              BackupAndRestore state while the stage runs (a killed run
                         resumes from the last backup; deleted when the stage ends)
    best.weights.h5      best student weights on the validation data
    final.ckpt.*         student + projections when the stage finished
    DONE                 marker: the stage is not re-run when called again

and the final student goes to ``out_dir/student.keras`` (written to a temporary
file, then moved into place, so the file is never half-written).

Resuming replays the interrupted epoch from its start (BackupAndRestore saves at
epoch ends by default), so a resumed run matches an uninterrupted one when each
epoch's batches are the same on every pass (a fixed shuffle seed without
per-iteration reshuffling, or no shuffle).
"""
import csv
import importlib.util
import math
import os
import shutil

import tensorflow as tf
import tf_keras

from tinybert_tf.atomic import atomic_path, write_text
from tinybert_tf.distill.callbacks import StopOnNonFiniteLoss, StudentCheckpoint
from tinybert_tf.distill.distiller import Distiller
from tinybert_tf.distill.errors import DistillConfigError

STUDENT_FILE = "student.keras"
DONE_MARKER = "DONE"
# What the best checkpoint of each stage watches on the validation data.
_MONITOR = {"general": ("val_loss", "min"), "intermediate": ("val_loss", "min"),
            "prediction": ("val_accuracy", "max")}


def make_optimizer(learning_rate, total_steps=None, warmup_fraction=0.1, weight_decay=0.01):
    """AdamW; with `total_steps`, warmup over `warmup_fraction` then cosine decay to 0.

    As for BERT, biases and normalization scales/offsets are not weight-decayed.
    """
    if total_steps:
        warmup = int(total_steps * warmup_fraction)
        learning_rate = tf_keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0, decay_steps=max(total_steps - warmup, 1),
            warmup_target=float(learning_rate), warmup_steps=warmup)
    optimizer = tf_keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    return optimizer


def distill_task(distiller_or_parts, train_ds, val_ds, out_dir, intermediate_epochs=3,
                 prediction_epochs=3, intermediate_lr=5e-5, prediction_lr=3e-5,
                 general_ds=None, general_epochs=1, general_lr=None, temperature=1.0,
                 alpha=1.0, layer_map="uniform", keep="best", backup_freq="epoch",
                 tensorboard=False, callbacks=(), optimizer_fn=make_optimizer, verbose=1,
                 compile_kwargs=None, before_prediction=None):
    """Run the distillation stages and save the final student.

    Args:
      distiller_or_parts: a `Distiller`, or a `(student, teacher_features)` pair.
      train_ds, val_ds: tf.data of (features, labels); val_ds may be None.
      out_dir: where logs, checkpoints, markers and `student.keras` go.
      intermediate_epochs, prediction_epochs: epochs per stage (0 skips the stage).
      intermediate_lr, prediction_lr: peak learning rates of the stages.
      general_ds: optional unlabeled data (features only, or labels that are
        ignored) for general distillation (intermediate losses) before the task.
      general_epochs, general_lr: its epochs and learning rate (default
        intermediate_lr).
      temperature, alpha: prediction-stage soft cross-entropy settings.
      layer_map: see `make_layer_map`.
      keep: "best" restores the best prediction-stage weights on val_ds before saving
        the student; "last" keeps the final weights.
      backup_freq: BackupAndRestore's save_freq ("epoch" or a number of batches).
      tensorboard: also write TensorBoard logs under out_dir/<stage>/tensorboard.
      callbacks: extra callbacks for every stage (after the built-in ones).
      optimizer_fn: `optimizer_fn(learning_rate, total_steps) -> tf_keras optimizer`.
      verbose: `fit`'s verbosity.
      compile_kwargs: extra `Distiller.compile` arguments (e.g. jit_compile).
      before_prediction: `f(distiller)` called before the prediction stage trains
        (not when it is already done), e.g. `Distiller.init_head_from_teacher`.

    Returns:
      {"student_path": str, "stages": {stage: {"skipped": bool, "history": dict}}}.
    """
    if keep not in ("best", "last"):
        raise DistillConfigError(f"distill_task: keep must be 'best' or 'last', got {keep!r}")
    plan = []
    if general_ds is not None and general_epochs > 0:
        plan.append(("general", general_ds, None, general_epochs, general_lr or intermediate_lr))
    if intermediate_epochs > 0:
        plan.append(("intermediate", train_ds, val_ds, intermediate_epochs, intermediate_lr))
    if prediction_epochs > 0:
        plan.append(("prediction", train_ds, val_ds, prediction_epochs, prediction_lr))
    if not plan:
        raise DistillConfigError("distill_task: every stage has 0 epochs; nothing to train")
    distiller = (distiller_or_parts if isinstance(distiller_or_parts, Distiller)
                 else Distiller(*distiller_or_parts))
    os.makedirs(out_dir, exist_ok=True)

    results = {}
    for stage, data, val, epochs, lr in plan:
        if stage == "prediction" and before_prediction is not None and not os.path.exists(
                os.path.join(out_dir, stage, DONE_MARKER)):
            before_prediction(distiller)  # a resumed stage then restores its backup over it
        results[stage] = run_stage(
            distiller, stage, data, val, os.path.join(out_dir, stage), epochs, lr,
            temperature=temperature, alpha=alpha, layer_map=layer_map,
            restore_best=(keep == "best" and stage == "prediction"), backup_freq=backup_freq,
            tensorboard=tensorboard, callbacks=callbacks, optimizer_fn=optimizer_fn,
            verbose=verbose, compile_kwargs=compile_kwargs)
    path = os.path.join(out_dir, STUDENT_FILE)
    save_student_atomically(distiller.student, path)
    return {"student_path": path, "stages": results}


def run_stage(distiller, stage, train_ds, val_ds, stage_dir, epochs, learning_rate,
              temperature=1.0, alpha=1.0, layer_map="uniform", restore_best=False,
              backup_freq="epoch", tensorboard=False, callbacks=(),
              optimizer_fn=make_optimizer, verbose=1, compile_kwargs=None):
    """One stage: compile, fit with the stage callbacks, save its state, mark it done.

    A stage whose DONE marker exists is not re-run: its final state is loaded.
    Returns {"skipped": bool, "history": dict of per-epoch logs}.
    """
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise DistillConfigError(
            "run_stage: tensorboard=True needs the tensorboard package (pip install tensorboard)")
    os.makedirs(stage_dir, exist_ok=True)
    state = _StageState(distiller, stage_dir)
    if state.done():
        state.load()
        return {"skipped": True, "history": {}}

    steps = _steps_per_epoch(train_ds)
    distiller.compile(
        optimizer_fn(learning_rate, steps * epochs if steps else None), stage=stage,
        temperature=temperature, alpha=alpha, layer_map=layer_map, **(compile_kwargs or {}))
    stage_callbacks = [
        StopOnNonFiniteLoss(),  # first: raises before a backup can store broken weights
        tf_keras.callbacks.BackupAndRestore(os.path.join(stage_dir, "backup"),
                                            save_freq=backup_freq),
        tf_keras.callbacks.CSVLogger(os.path.join(stage_dir, "log.csv"), append=True),
    ]
    best_path = os.path.join(stage_dir, "best.weights.h5")
    if val_ds is not None:
        monitor, mode = _MONITOR[stage]
        stage_callbacks.append(StudentCheckpoint(
            best_path, monitor=monitor, mode=mode, save_best_only=True,
            save_weights_only=True,
            # A resumed stage keeps the best of the epochs logged before the restart.
            initial_value_threshold=_best_logged(os.path.join(stage_dir, "log.csv"), monitor,
                                                 mode) if os.path.exists(best_path) else None))
    if tensorboard:
        stage_callbacks.append(
            tf_keras.callbacks.TensorBoard(os.path.join(stage_dir, "tensorboard")))
    history = distiller.fit(train_ds, validation_data=val_ds, epochs=epochs,
                            callbacks=[*stage_callbacks, *callbacks], verbose=verbose)
    # BackupAndRestore removes its checkpoints (backup/chief) but not the folder.
    shutil.rmtree(os.path.join(stage_dir, "backup"), ignore_errors=True)
    if restore_best and val_ds is not None and os.path.exists(best_path):
        distiller.student.load_weights(best_path)
    state.save()
    return {"skipped": False, "history": history.history}


def save_student_atomically(student, path):
    """`student.save(path)` through a temporary file and `os.replace`."""
    with atomic_path(path, suffix=".tmp.keras") as tmp:
        student.save(tmp)


class _StageState:
    """The student and projections at the end of a stage, and the DONE marker."""

    def __init__(self, distiller, stage_dir):
        self._checkpoint = tf.train.Checkpoint(
            student=distiller.student, projections=distiller.projections)
        self._prefix = os.path.join(stage_dir, "final.ckpt")
        self._marker = os.path.join(stage_dir, DONE_MARKER)

    def done(self):
        return os.path.exists(self._marker)

    def load(self):
        self._checkpoint.read(self._prefix).assert_existing_objects_matched()

    def save(self):
        self._checkpoint.write(self._prefix)
        write_text(self._marker, self._prefix + "\n")


def _best_logged(csv_path, monitor, mode):
    """Best `monitor` value in a CSVLogger file, or None."""
    if not os.path.exists(csv_path):
        return None
    with open(csv_path) as f:
        values = [float(row[monitor]) for row in csv.DictReader(f) if row.get(monitor)]
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return None
    return min(values) if mode == "min" else max(values)


def _steps_per_epoch(ds):
    steps = int(ds.cardinality().numpy()) if hasattr(ds, "cardinality") else -1
    return steps if steps > 0 else None
