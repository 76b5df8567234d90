import numpy as np
import pytest

import tinybert_tf as tb
from benchmarks import onnx_twin
from tests.helpers import make_inputs, tiny_backbone

SEQ = 8

needs_onnx = pytest.mark.skipif(
    bool(onnx_twin.missing_onnx_packages()),
    reason=f"ONNX comparison needs {', '.join(onnx_twin.missing_onnx_packages()) or '-'} "
           f"(pip install -r requirements-bench.txt)")


@pytest.fixture(scope="module")
def student():
    import tf_keras

    tf_keras.utils.set_random_seed(0)
    # Wider weights than BERT's 0.02 so the logits are well above int8 rounding noise.
    return tb.TinyBertClassifier(tiny_backbone(initializer_range=0.3), 3)


@pytest.fixture(scope="module")
def feed():
    inputs = make_inputs(batch=1, seq=SEQ)
    return {k: v.astype(np.int32) for k, v in inputs.items()}


def test_twin_keeps_weights_and_switches_only_the_activation(student, feed):
    twin, used = onnx_twin.activation_twin(student, "gelu_approximate")
    assert used == "gelu_approximate" and twin is not student
    assert twin.backbone.activation == "gelu_approximate" and student.backbone.activation == "gelu"
    for a, b in zip(twin.get_weights(), student.get_weights()):
        np.testing.assert_array_equal(a, b)
    # tanh GELU differs from exact GELU by < 1e-3 per activation: logits stay close.
    np.testing.assert_allclose(twin(feed)["logits"], student(feed)["logits"], atol=1e-3)


def test_twin_of_an_onnx_safe_student_is_the_student():
    relu = tb.TinyBertClassifier(tiny_backbone(activation="relu"), 3)
    assert onnx_twin.activation_twin(relu) == (relu, "relu")


def test_twin_rejects_other_models_and_activations(student):
    import tf_keras

    with pytest.raises(onnx_twin.OnnxTwinError, match="activation"):
        onnx_twin.activation_twin(student, "gelu")
    plain = tf_keras.Sequential([tf_keras.Input((4,)), tf_keras.layers.Dense(2)])
    with pytest.raises(onnx_twin.OnnxTwinError, match="TinyBertBackbone"):
        onnx_twin.activation_twin(plain)


@needs_onnx
def test_onnx_twin_matches_keras_and_int8_stays_close(student, feed, tmp_path):
    info = onnx_twin.build_onnx_int8(student, SEQ, str(tmp_path))
    twin, _ = onnx_twin.activation_twin(student)
    want = np.asarray(twin(feed, training=False)["logits"])
    fp32 = onnx_twin.make_session(info["fp32_path"], 1).run(None, feed)[0]
    np.testing.assert_allclose(fp32, want, atol=1e-5)
    int8 = onnx_twin.make_session(info["path"], 1).run(None, feed)[0]
    # Same network, int8 rounding only (~0.5% of the largest logit with reduce_range; ~10%
    # without it on CPUs without VNNI, which this bound would catch).
    assert np.abs(int8 - want).max() < 0.05 * np.abs(want).max()
    # Dynamic quantization turned every weight matmul into an integer one.
    integer = sum(info["ops"].get(op, 0) for op in ("MatMulInteger", "DynamicQuantizeMatMul"))
    assert integer >= 6 * student.backbone.num_layers
    assert info["activation"] == "gelu_approximate"


@needs_onnx
def test_exact_gelu_is_refused_by_name(student, tmp_path):
    with pytest.raises(onnx_twin.OnnxTwinError, match="Erfc"):
        onnx_twin.to_onnx(student, SEQ, str(tmp_path / "exact.onnx"))
