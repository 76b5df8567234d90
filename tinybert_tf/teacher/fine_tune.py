"""Fine-tune the teacher task model with `model.fit`, save and reload it.

`out_dir` after a finished run:

    teacher.keras          the fine-tuned model (architecture + weights, no optimizer)
    teacher.json           kind, number of labels, epochs run, best monitored value
    teacher_history.csv    per-epoch loss / accuracy curves (CSVLogger)
"""
import logging
import math
import os

import keras
import tensorflow as tf

from tinybert_tf.atomic import atomic_path, write_json
from tinybert_tf.constants import IGNORE_LABEL
from tinybert_tf.teacher.schedule import LinearWarmupDecay
from tinybert_tf.teacher.task_model import TOKEN_KINDS, check_kind

TEACHER_FILE = "teacher.keras"
META_FILE = "teacher.json"
HISTORY_FILE = "teacher_history.csv"
BEST_WEIGHTS_FILE = "teacher.best.weights.h5"

log = logging.getLogger(__name__)


def teacher_path(out_dir):
    """Path of the saved fine-tuned teacher in `out_dir`."""
    return os.path.join(os.fspath(out_dir), TEACHER_FILE)


def fine_tune_teacher(
    model,
    train_ds,
    validation_ds,
    kind,
    out_dir,
    epochs=3,
    learning_rate=5e-5,
    weight_decay=0.01,
    warmup_ratio=0.1,
    clipnorm=1.0,
    patience=2,
    monitor=None,
    steps_per_epoch=None,
    verbose="auto",
    seed=None,
    jit_compile=False,
    run_eagerly=False,
):
    """Fine-tune `model` (from `build_teacher_model`) and save it to `out_dir`.

    A finished teacher already in `out_dir` is reloaded and returned without
    training (delete `out_dir/teacher.keras` to train again).

    Args:
        model: a `keras.Model` returning {"logits": ...}.
        train_ds: `tf.data.Dataset` of (features dict, labels) batches; labels
            int [B] for sequence kinds, int [B, S] with `IGNORE_LABEL` (-100) at
            positions without a label for "token_classification".
        validation_ds: same structure, or None (then the training loss is monitored).
        kind: "classification", "pair_classification" or "token_classification".
        out_dir: folder for the saved model, curves and metadata.
        epochs: maximum number of epochs (early stopping may end sooner).
        learning_rate: peak AdamW learning rate (linear warmup, then linear decay to 0).
        weight_decay: AdamW decoupled weight decay (not applied to biases and norms).
        warmup_ratio: fraction of all training steps spent warming up.
        clipnorm: the gradients' global norm is clipped to this (BERT's recipe; None: off).
        patience: epochs without improvement of `monitor` before stopping.
        monitor: metric for checkpointing / early stopping; default "val_loss"
            (or "loss" without validation data).
        steps_per_epoch: batches per epoch, when `train_ds` has unknown cardinality
            and counting it is too costly.
        verbose: Keras progress-bar verbosity passed to `fit`.
        seed: when given, seeds Python, NumPy and TensorFlow for a reproducible run.
        jit_compile: passed to `compile`; True or "auto" trains through XLA. Off by
            default: fine-tuning MiniLM-L6 on CPU (batch 32, sequence 128) ran
            about twice slower per step with XLA, compile time aside.
        run_eagerly: passed to `compile`; True skips graph tracing (debugging,
            or tiny models where tracing costs more than the steps).

    Returns:
        The fine-tuned `keras.Model` with the best weights seen on `monitor`
        (the reloaded saved model when `out_dir` already held one).
    """
    check_kind(kind)
    out_dir = os.fspath(out_dir)
    if os.path.isfile(teacher_path(out_dir)):
        log.info("reusing fine-tuned teacher %s", teacher_path(out_dir))
        return load_fine_tuned_teacher(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if monitor is None:
        monitor = "val_loss" if validation_ds is not None else "loss"

    token_level = kind in TOKEN_KINDS
    train_ds = _with_label_weights(train_ds, token_level)
    if validation_ds is not None:
        validation_ds = _with_label_weights(validation_ds, token_level)

    steps = steps_per_epoch or _count_batches(train_ds)
    total_steps = max(1, steps * epochs)
    optimizer = keras.optimizers.AdamW(
        learning_rate=LinearWarmupDecay(
            learning_rate, total_steps, int(math.floor(warmup_ratio * total_steps))
        ),
        weight_decay=weight_decay,
        global_clipnorm=clipnorm,
    )
    # BERT recipe: no weight decay on biases and LayerNorm parameters.
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=IGNORE_LABEL),
        # Token batches carry a 0/1 weight per position (0 at IGNORE_LABEL), so
        # the accuracy counts labelled tokens only.
        weighted_metrics=[accuracy] if token_level else None,
        metrics=None if token_level else [accuracy],
        jit_compile=jit_compile,
        run_eagerly=run_eagerly,
    )

    best_path = os.path.join(out_dir, BEST_WEIGHTS_FILE)
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            best_path, monitor=monitor, save_best_only=True, save_weights_only=True
        ),
        keras.callbacks.EarlyStopping(monitor=monitor, patience=patience),
        keras.callbacks.CSVLogger(os.path.join(out_dir, HISTORY_FILE)),
    ]
    history = model.fit(
        train_ds,
        validation_data=validation_ds,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        callbacks=callbacks,
        verbose=verbose,
        shuffle=False,  # tf.data pipelines shuffle themselves
    )
    if os.path.isfile(best_path):
        model.load_weights(best_path)
    values = history.history.get(monitor, [])
    best = (min if "loss" in monitor else max)(values, default=None)
    meta = {
        "kind": kind,
        "num_labels": int(model.output["logits"].shape[-1]),
        "epochs_run": len(history.epoch),
        "monitor": monitor,
        "best": best,
    }
    save_teacher(model, out_dir, meta)
    if os.path.isfile(best_path):
        os.remove(best_path)
    return model


def save_teacher(model, out_dir, meta=None):
    """Save `model` (weights and architecture, no optimizer state) atomically.

    The file is written under a temporary name and renamed with `os.replace`, so
    `out_dir/teacher.keras` exists only once it is complete.
    """
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    # An uncompiled copy drops the optimizer state (two extra copies of all weights);
    # `clone_model` would re-compile it, `from_config` does not.
    export = model.__class__.from_config(model.get_config())
    export.set_weights(model.get_weights())
    with atomic_path(teacher_path(out_dir), suffix=".tmp.keras") as tmp:
        export.save(tmp)
        if meta is not None:
            write_json(os.path.join(out_dir, META_FILE), meta)


def load_fine_tuned_teacher(out_dir):
    """Reload the `keras.Model` saved by `fine_tune_teacher` in `out_dir`."""
    import keras_hub  # noqa: F401 - registers BertBackbone for deserialization

    path = teacher_path(out_dir)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no fine-tuned teacher (run fine_tune_teacher first)")
    return keras.saving.load_model(path, compile=False)


def _with_label_weights(ds, token_level):
    """Token batches become (x, y, w) with w = 1 where y != IGNORE_LABEL, else 0."""
    if not token_level:
        return ds

    def add_weights(x, y):
        return x, y, tf.cast(tf.not_equal(y, IGNORE_LABEL), tf.float32)

    return ds.map(add_weights, num_parallel_calls=tf.data.AUTOTUNE)


def _count_batches(ds):
    n = int(ds.cardinality())
    if n == tf.data.INFINITE_CARDINALITY:
        raise ValueError("train_ds is infinite: pass steps_per_epoch")
    if n == tf.data.UNKNOWN_CARDINALITY:
        n = int(ds.reduce(0, lambda count, *_: count + 1))
    return max(n, 1)
