import numpy as np
import tensorflow as tf

from tests.quantization.toy import classification_data, trained
from tinybert_tf.quantization import QuantizedStudent, load_qat_model, qat_distill


class _Teacher:
    """The toy classifier standing in for a fine-tuned teacher (TeacherFeatures' interface)."""

    num_layers = 2
    hidden_dim = 16

    def __init__(self, model):
        self.model = model

    def __call__(self, inputs):
        return self.model.feature_model(inputs, training=False)


def test_teacher_guided_qat_saves_a_loadable_student(tmp_path):
    student = trained("classifier")
    x, y = classification_data(32, seed=5)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    path = qat_distill(
        student, _Teacher(student), data, data, tmp_path, epochs=1, learning_rate=1e-4, verbose=0
    )
    assert (tmp_path / "log.csv").exists()
    qat = load_qat_model(path)
    assert isinstance(qat, QuantizedStudent) and qat.scheme == "int8_qat"
    # Teacher = float student: distilling toward it keeps the predictions.
    float_pred = student(x)["logits"].numpy().argmax(-1)
    assert (qat(x)["logits"].numpy().argmax(-1) == float_pred).mean() >= 0.9
    log = (tmp_path / "log.csv").read_text().splitlines()
    assert len(log) == 2 and "val_" in log[0]
    assert np.isfinite(float(log[1].split(",")[1]))
