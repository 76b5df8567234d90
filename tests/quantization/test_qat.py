import numpy as np
import pytest
import tf_keras

import tinybert_tf as tb
from tests.helpers import make_inputs
from tests.helpers import tiny_backbone as tiny
from tests.quantization.toy import classification_data, representative, toy_inputs, trained
from tinybert_tf.quantization import (
    FULL_MASK_VALUE,
    QuantizationError,
    QuantizedStudent,
    qat_feature_model,
    quantize_student,
)
from tinybert_tf.quantization.fake_quant import FakeQuant

LOSS = tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-100)


def _head(kind, **backbone):
    if kind == "classifier":
        return tb.TinyBertClassifier(tiny(**backbone), 3, dropout=0.0)
    return tb.TinyBertTokenClassifier(tiny(**backbone), 4, dropout=0.0)


@pytest.mark.parametrize("kind, scheme", [("classifier", "int8_qat"), ("tagger", "int8_full")])
def test_builds_and_trains_a_step(kind, scheme):
    model = _head(kind)
    qat = quantize_student(model, scheme)
    assert isinstance(qat, QuantizedStudent) and qat.scheme == scheme
    x = make_inputs(batch=4)
    out = qat(x)
    assert set(out) == {"logits"}
    assert out["logits"].shape == model(x)["logits"].shape
    y = np.zeros(out["logits"].shape[:-1], "int32")
    qat.compile(tf_keras.optimizers.Adam(1e-2), LOSS)
    before = [w.numpy().copy() for w in qat.trainable_weights]
    history = qat.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    moved = [not np.array_equal(b, w.numpy()) for b, w in zip(before, qat.trainable_weights)]
    assert all(moved)  # every float weight gets gradients through the fake-quant ops


def test_float_weights_are_copied_and_the_original_untouched():
    model = _head("classifier", activation="relu", normalization="nonorm")
    snapshot = [w.numpy().copy() for w in model.weights]
    qat = quantize_student(model, "int8_qat")
    float_weights = {w.name: w.numpy() for w in model.weights}
    block = qat.get_layer("quant_transformer_layer_0").layer
    (kernel,) = [w for w in block.weights if w.name.endswith("attention/quant_query/kernel:0")]
    np.testing.assert_array_equal(
        kernel.numpy(), float_weights["transformer_layer_0/attention/query/kernel:0"]
    )
    assert len(qat.trainable_weights) == len(model.trainable_weights)
    for before, w in zip(snapshot, model.weights):
        np.testing.assert_array_equal(before, w.numpy())


def test_calibrated_model_tracks_the_float_model():
    model = trained("classifier")
    qat = quantize_student(model, "int8_qat", representative_data=representative())
    x, _ = classification_data(32, seed=7)
    float_logits = model(x)["logits"].numpy()
    qat_logits = qat(x)["logits"].numpy()
    spread = np.abs(float_logits).max()
    assert np.abs(qat_logits - float_logits).max() < 0.1 * spread
    assert (qat_logits.argmax(-1) == float_logits.argmax(-1)).mean() >= 0.95
    ranges = [
        layer.range for layer in qat.submodules if isinstance(layer, FakeQuant) and layer.enabled
    ]
    assert ranges and all(r != (-6.0, 6.0) for r in ranges)  # every range came from data


def test_feature_model_exposes_hidden_states_and_masked_scores():
    batches = [make_inputs(batch=4, seed=s) for s in range(3)]
    qat = quantize_student(_head("classifier"), "int8_full", representative_data=lambda: batches)
    features = qat_feature_model(qat)
    assert features is qat.feature_model
    x = make_inputs()
    out = features(x)
    assert set(out) == {"logits", "hidden_states", "attention_scores"}
    assert len(out["hidden_states"]) == 3 and len(out["attention_scores"]) == 2
    np.testing.assert_array_equal(out["logits"], qat(x)["logits"])
    assert {id(w) for w in features.trainable_weights} == {id(w) for w in qat.trainable_weights}
    scores = out["attention_scores"][0].numpy()  # row 0 has its last 2 keys padded
    assert scores[0, :, :, -2:].max() < FULL_MASK_VALUE / 2 < scores[0, :, :, :-2].min()


def test_int8_qat_keeps_the_float_mask_constant():
    qat = quantize_student(_head("classifier"), "int8_qat")
    scores = qat.feature_model(make_inputs())["attention_scores"][0].numpy()
    assert scores[0, :, :, -2:].max() < -5000


def test_save_and_load_keras_file(tmp_path):
    qat = quantize_student(trained("tagger"), "int8_qat", representative_data=representative())
    qat.save(tmp_path / "qat.keras")
    restored = tf_keras.models.load_model(tmp_path / "qat.keras")
    assert isinstance(restored, QuantizedStudent) and restored.scheme == "int8_qat"
    x = toy_inputs(4)
    np.testing.assert_array_equal(restored(x)["logits"], qat(x)["logits"])


def test_shared_parameters_quantize():
    qat = quantize_student(_head("classifier", share_parameters=True, num_layers=3), "int8_qat")
    assert len(qat.feature_model(make_inputs())["hidden_states"]) == 4


def test_rejects_models_without_features_and_unknown_schemes():
    plain = tf_keras.Sequential([tf_keras.Input((4,)), tf_keras.layers.Dense(2)])
    with pytest.raises(QuantizationError, match="feature_model"):
        quantize_student(plain)
    with pytest.raises(ValueError, match="int8_qat"):
        quantize_student(_head("classifier"), scheme="int4")
