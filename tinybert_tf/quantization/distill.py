"""Teacher-guided quantization-aware training: the `qat` stage of the Distiller.

    path = qat_distill(student, teacher_model, train_ds, val_ds, "runs/demo/quantize")
    qat = load_qat_model(path)

The float student is quantized (`quantize_student`), its activation ranges are
calibrated on a few training batches, and the `Distiller` trains it against the
frozen teacher's logits (soft cross-entropy; `loss_weights` can add the intermediate
terms, since the QAT student still exposes hidden states and attention scores).
"""

import itertools
import os

import numpy as np
import tf_keras

from tinybert_tf.quantization.qat import QuantizationError, QuantizedStudent, quantize_student

QAT_FILE = "qat_student.keras"


def _inputs_only(batch):
    """The input dict of a dataset element ((x, y), (x, y, w) or x)."""
    x = batch[0] if isinstance(batch, (tuple, list)) else batch
    return {name: np.asarray(value) for name, value in x.items()}


def training_batches(dataset, count):
    """A representative-data callable: the inputs of the first `count` dataset elements."""
    return lambda: (_inputs_only(b) for b in itertools.islice(iter(dataset), count))


def _teacher_features(teacher):
    if hasattr(teacher, "num_layers") and hasattr(teacher, "hidden_dim") and callable(teacher):
        return teacher
    from tinybert_tf.teacher import TeacherFeatures

    return TeacherFeatures(teacher)


def qat_distill(
    student,
    teacher,
    train_data,
    validation_data=None,
    out_dir=None,
    epochs=1,
    learning_rate=5e-5,
    scheme="int8_qat",
    temperature=1.0,
    alpha=1.0,
    loss_weights=None,
    calibration_batches=8,
    verbose=1,
):
    """Quantization-aware training of `student` guided by `teacher`; returns the saved path.

    Args:
        student: the distilled float student (TinyBertClassifier / TinyBertTokenClassifier).
        teacher: a fine-tuned teacher task model, or a `TeacherFeatures` around one.
        train_data / validation_data: tf.data datasets of (inputs, labels) batches, as
            the Distiller takes them.
        out_dir: where `qat_student.keras` and `log.csv` go (created).
        scheme: "int8_qat" or "int8_full" (see `tinybert_tf.quantization.scheme`).
        temperature, alpha, loss_weights: as `Distiller.compile(stage="qat")` takes them;
            alpha < 1 mixes in the hard labels ("plain QAT on labels" is alpha=0).
        calibration_batches: training batches that set the activation ranges first.
    """
    from tinybert_tf.distill import Distiller, StopOnNonFiniteLoss, make_optimizer
    from tinybert_tf.distill.stages import save_student_atomically

    if out_dir is None:
        raise QuantizationError("qat_distill needs out_dir for the QAT student and its log")
    os.makedirs(out_dir, exist_ok=True)
    qat = quantize_student(
        student,
        scheme,
        representative_data=training_batches(train_data, calibration_batches),
        calibration_steps=calibration_batches,
    )
    distiller = Distiller(qat, _teacher_features(teacher))
    steps = getattr(train_data, "cardinality", lambda: -1)()
    steps = int(steps) if int(steps) > 0 else None
    distiller.compile(
        make_optimizer(learning_rate, steps * epochs if steps else None),
        stage="qat",
        temperature=temperature,
        alpha=alpha,
        loss_weights=loss_weights,
    )
    distiller.fit(
        train_data,
        validation_data=validation_data,
        epochs=epochs,
        verbose=verbose,
        callbacks=[
            StopOnNonFiniteLoss(),
            tf_keras.callbacks.CSVLogger(os.path.join(out_dir, "log.csv")),
        ],
    )
    path = os.path.join(out_dir, QAT_FILE)
    save_student_atomically(qat, path)
    return path


def load_qat_model(path):
    """A `QuantizedStudent` saved with `.save(path)` (e.g. by `qat_distill`)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no saved QAT model")
    from tinybert_tf.saving import load_keras_model

    model = load_keras_model(path, compile=True)
    if not isinstance(model, QuantizedStudent):
        raise QuantizationError(f"{path}: holds a {type(model).__name__}, not a QAT student")
    return model
