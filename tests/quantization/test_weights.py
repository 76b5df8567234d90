import numpy as np
import pytest

import tinybert_tf as tb
from tests.helpers import make_inputs
from tests.helpers import tiny_backbone as tiny
from tinybert_tf.quantization import float_student, quantize_student
from tinybert_tf.quantization.weights import WeightMismatchError, copy_weights


def test_float_student_round_trip_gives_back_the_weights():
    model = tb.TinyBertClassifier(tiny(normalization="nonorm"), 3, dropout=0.0)
    for w in model.weights:  # distinct values everywhere, so a swapped pair would show
        w.assign(np.random.default_rng(len(w.name)).normal(size=w.shape))
    qat = quantize_student(model, "int8_full")
    back = float_student(qat)
    assert type(back) is type(model)
    for a, b in zip(model.weights, back.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.name)
    x = make_inputs()
    np.testing.assert_array_equal(back(x)["logits"], model(x)["logits"])
    assert back.backbone.mask_value == model.backbone.mask_value  # float mask restored


def test_trained_qat_weights_flow_back():
    model = tb.TinyBertClassifier(tiny(), 2, dropout=0.0)
    qat = quantize_student(model, "int8_qat")
    block = qat.get_layer("quant_transformer_layer_1").layer
    (kernel,) = [w for w in block.weights if w.name.endswith("feed_forward/quant_output/kernel:0")]
    kernel.assign(kernel + 1.0)
    back = float_student(qat)
    layer = back.get_layer("transformer_layer_1").feed_forward.output_dense
    np.testing.assert_array_equal(layer.kernel.numpy(), kernel.numpy())


def test_mismatched_layers_raise():
    with pytest.raises(WeightMismatchError, match="shape"):
        copy_weights(tiny().get_layer("pooler"), tiny(hidden_dim=8).get_layer("pooler"))
