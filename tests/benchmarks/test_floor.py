import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter, OpResolverType

from benchmarks.floor import (
    EDGE_OPS,
    FLOOR_ATTENTION_OPS,
    FLOOR_OPS,
    floor_model,
    floor_tflite,
    matmul_macs,
)

LAYERS, HIDDEN, FFN, SEQ, HEADS = 2, 16, 32, 8, 2


def _interpreter(content):
    """Without the default XNNPACK delegate, so every node of the graph is listed."""
    interp = Interpreter(model_content=content,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interp.allocate_tensors()
    return interp


def _dtype(interp, index):
    return np.dtype(interp._get_tensor_details(int(index), 0)["dtype"])


@pytest.fixture(scope="module")
def dense_floor():
    model = floor_model(LAYERS, HIDDEN, FFN, SEQ)
    return model, floor_tflite(model)


def test_floor_is_only_int8_fully_connected_with_the_student_weight_shapes(dense_floor):
    _, content = dense_floor
    interp = _interpreter(content)
    ops = interp._get_ops_details()
    assert {op["op_name"] for op in ops} <= set(FLOOR_OPS) | set(EDGE_OPS)
    fcs = [op for op in ops if op["op_name"] == "FULLY_CONNECTED"]
    assert len(fcs) == 6 * LAYERS
    for op in fcs:
        data, weights = op["inputs"][:2]
        assert _dtype(interp, data) == np.int8 and _dtype(interp, weights) == np.int8
        assert all(_dtype(interp, out) == np.int8 for out in op["outputs"])
    # TFLite stores dense kernels as [out, in]: per layer Q, K, V, O, FFN up, FFN down.
    shapes = [tuple(interp._get_tensor_details(int(op["inputs"][1]), 0)["shape"]) for op in fcs]
    per_layer = [(HIDDEN, HIDDEN)] * 4 + [(FFN, HIDDEN), (HIDDEN, FFN)]
    assert shapes == per_layer * LAYERS
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    assert inp["dtype"] == np.int8 and list(inp["shape"]) == [1, SEQ, HIDDEN]
    assert out["dtype"] == np.int8 and list(out["shape"]) == [1, SEQ, HIDDEN]


def test_int8_floor_computes_what_the_float_matmuls_compute(dense_floor):
    model, content = dense_floor
    interp = _interpreter(content)
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    (in_scale, in_zero), (out_scale, out_zero) = inp["quantization"], out["quantization"]
    x = np.random.default_rng(1).standard_normal((1, SEQ, HIDDEN)).astype(np.float32)
    q = np.clip(np.round(x / in_scale) + in_zero, -128, 127).astype(np.int8)
    interp.set_tensor(inp["index"], q)
    interp.invoke()
    got = (interp.get_tensor(out["index"]).astype(np.float32) - out_zero) * out_scale
    # Reference: the same (dequantized) input through the dense kernels chained in numpy.
    x_deq = (q.astype(np.float32) - in_zero) * in_scale
    ref = x_deq
    for layer in model.layers[1:]:
        kernel, bias = layer.get_weights()
        ref = ref @ kernel + bias
    np.testing.assert_allclose(np.asarray(model(x_deq)), ref, rtol=1e-4, atol=1e-5)
    assert np.abs(ref).max() > 0.1  # activations kept their scale along the chain
    assert np.abs(got - ref).max() <= 0.1 * np.abs(ref).max()
    assert np.corrcoef(got.ravel(), ref.ravel())[0, 1] > 0.98


def test_attention_floor_adds_two_int8_batch_matmuls_per_layer():
    content = floor_tflite(floor_model(LAYERS, HIDDEN, FFN, SEQ, num_heads=HEADS, attention=True))
    interp = _interpreter(content)
    ops = interp._get_ops_details()
    assert {op["op_name"] for op in ops} <= set(FLOOR_ATTENTION_OPS) | set(EDGE_OPS)
    bmm = [op for op in ops if op["op_name"] == "BATCH_MATMUL"]
    assert len(bmm) == 2 * LAYERS
    assert len([op for op in ops if op["op_name"] == "FULLY_CONNECTED"]) == 6 * LAYERS
    for op in bmm:
        assert all(_dtype(interp, i) == np.int8 for i in op["inputs"])
        shape = tuple(interp._get_tensor_details(int(op["outputs"][0]), 0)["shape"])
        assert shape in {(1, HEADS, SEQ, SEQ), (1, HEADS, SEQ, HIDDEN // HEADS)}


def test_fp32_floor_has_the_same_matmuls_in_float():
    interp = _interpreter(floor_tflite(floor_model(LAYERS, HIDDEN, FFN, SEQ), int8=False))
    ops = interp._get_ops_details()
    assert [op["op_name"] for op in ops] == ["FULLY_CONNECTED"] * (6 * LAYERS)
    assert all(_dtype(interp, op["inputs"][1]) == np.float32 for op in ops)


def test_matmul_macs_by_hand():
    # 2 layers x (4*8*16*16 + 2*8*16*32) = 2 x (8192 + 8192)
    assert matmul_macs(LAYERS, HIDDEN, FFN, SEQ) == 32768
    # + 2 x 2*8*8*16 for QK^T and PV
    assert matmul_macs(LAYERS, HIDDEN, FFN, SEQ, attention=True) == 32768 + 2 * 2048
    # TinyBERT4 at 128: 145.6M per layer.
    assert matmul_macs(4, 312, 1200, 128) == 4 * (4 * 128 * 312 * 312 + 2 * 128 * 312 * 1200)


@pytest.mark.parametrize("bad", [{"num_layers": 0},
                                 {"hidden_dim": 15, "attention": True, "num_heads": 2},
                                 {"sequence_length": 2.5}])
def test_bad_floor_config_is_a_value_error(bad):
    config = {"num_layers": 1, "hidden_dim": 16, "intermediate_dim": 32, "sequence_length": 8,
              "num_heads": 2}
    with pytest.raises(ValueError):
        floor_model(**{**config, **bad})
