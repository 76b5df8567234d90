"""Callbacks for distillation: stop on a non-finite loss term, checkpoint the student alone."""
import math
import os

import tf_keras


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss term; the message names it and the step."""


class StopOnNonFiniteLoss(tf_keras.callbacks.Callback):
    """Like `TerminateOnNaN`, but names the loss term and the step, and raises.

    Raising (rather than setting `stop_training`) skips the epoch-end callbacks, so
    `BackupAndRestore` and `ModelCheckpoint` keep their last good checkpoint instead
    of saving the broken weights. Put this callback before them in the list: Keras
    calls callbacks in list order.
    """

    def __init__(self):
        super().__init__()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = {k: float(v) for k, v in (logs or {}).items()
               if k.endswith("loss") and not math.isfinite(float(v))}
        if not bad:
            return
        # Name the term(s) that broke; the total is only their consequence.
        terms = {k: v for k, v in bad.items() if k != "loss"} or bad
        described = ", ".join(f"{k}={v}" for k, v in sorted(terms.items()))
        step = int(self.model.optimizer.iterations.numpy()) if self.model.optimizer else batch
        raise NonFiniteLossError(
            f"non-finite {described} at epoch {self._epoch}, batch {batch} (training step "
            f"{step}); training stopped, the last checkpoint is kept. Lower the learning rate "
            "or check the inputs and the teacher's outputs")


class StudentCheckpoint(tf_keras.callbacks.ModelCheckpoint):
    """`ModelCheckpoint` that saves the distiller's student, not the distiller.

    Same arguments as `ModelCheckpoint` (monitor, save_best_only, save_weights_only,
    ...). The saved file holds the student alone: no teacher, no projections.
    """

    def set_model(self, model):
        super().set_model(getattr(model, "student", model))

    def _save_handler(self, filepath):
        # Written under a temporary name, then renamed: a process killed while saving
        # leaves the previous best file whole. The temporary name keeps the ending
        # (".weights.h5" selects the format).
        from tinybert_tf.atomic import atomic_path

        ending = ".weights.h5" if filepath.endswith(".weights.h5") else os.path.splitext(filepath)[1]
        with atomic_path(filepath, suffix=".tmp" + ending) as tmp:
            super()._save_handler(tmp)
