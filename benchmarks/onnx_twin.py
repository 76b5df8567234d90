"""The student as ONNX Runtime users would run it: tf2onnx, then ORT's dynamic int8.

tf2onnx has no ONNX equivalent of TensorFlow's `Erfc`, which exact GELU lowers to
(the converter leaves an unknown `Erfc` node that ONNX Runtime refuses). The twin is
therefore the same student, same weights, with the feed-forward activation switched
to `gelu_approximate` (tanh form) unless it already is one that converts. The table
says which activation the twin used.

    twin = activation_twin(student)                       # same weights, tanh GELU
    fp32 = to_onnx(twin, 128, "student.onnx")
    int8 = quantize_dynamic_int8(fp32, "student_int8.onnx")
    session = make_session(int8, threads=1)

onnxruntime and tf2onnx come from requirements-bench.txt; `missing_onnx_packages()`
names whichever is absent so callers can skip with a reason.
"""
import importlib.util
import os

ONNX_SAFE_ACTIVATIONS = ("gelu_approximate", "relu")
ONNX_PACKAGES = ("onnx", "onnxruntime", "tf2onnx")
OPSET = 17


class OnnxTwinError(ValueError):
    """The student cannot be rebuilt or converted for ONNX Runtime."""


def missing_onnx_packages():
    """Names of the ONNX packages that are not installed (empty when all are)."""
    return [name for name in ONNX_PACKAGES if importlib.util.find_spec(name) is None]


def _backbone_config(config):
    """The backbone's config dict inside a task model's or a backbone's config."""
    if "activation" in config:
        return config
    backbone = config.get("backbone")
    if isinstance(backbone, dict) and "activation" in backbone.get("config", {}):
        return backbone["config"]
    raise OnnxTwinError("model is neither a TinyBertBackbone nor a task model built on one")


def activation_twin(model, activation="gelu_approximate"):
    """(twin, activation): the same TinyBERT model and weights with an ONNX-safe activation.

    A model whose activation already converts is returned as it is.
    """
    if activation not in ONNX_SAFE_ACTIVATIONS:
        raise OnnxTwinError(f"activation must be one of {ONNX_SAFE_ACTIVATIONS}, got {activation!r}")
    config = model.get_config()
    backbone = _backbone_config(config)
    if backbone["activation"] in ONNX_SAFE_ACTIVATIONS:
        return model, backbone["activation"]
    backbone["activation"] = activation
    twin = type(model).from_config(config)
    twin.set_weights(model.get_weights())
    return twin, activation


def to_onnx(model, sequence_length, path, opset=OPSET):
    """Write the model's fixed-shape [1, S] serving function as an fp32 ONNX file; returns path.

    Inputs keep the student's names (token_ids, segment_ids, padding_mask; int32), the
    output is `logits`.
    """
    import tensorflow as tf
    import tf2onnx

    from tinybert_tf.lite.signature import serving_function

    signature = serving_function(model, sequence_length).structured_input_signature[0]

    @tf.function(input_signature=signature)
    def serve(inputs):
        return {"logits": model(inputs, training=False)["logits"]}

    proto, _ = tf2onnx.convert.from_function(serve, input_signature=signature, opset=opset,
                                             output_path=path)
    # tf2onnx keeps ops it cannot map under their TensorFlow name (e.g. `Erfc`).
    unknown = sorted({node.op_type for node in proto.graph.node
                      if node.domain in ("", "ai.onnx")} - _onnx_op_names())
    if unknown:
        raise OnnxTwinError(f"{path}: ops with no ONNX equivalent: {', '.join(unknown)}")
    return path


def _onnx_op_names():
    import onnx.defs

    return {schema.name for schema in onnx.defs.get_all_schemas()}


def quantize_dynamic_int8(fp32_path, int8_path):
    """ONNX Runtime's recipe: shape inference + graph pre-processing, then dynamic int8
    (int8 weights, uint8 activations quantized at run time) on every MatMul. Returns int8_path."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = os.path.splitext(int8_path)[0] + "_prepared.onnx"
    # Shapes are static, so ONNX shape inference suffices (symbolic inference needs sympy).
    quant_pre_process(fp32_path, prepared, skip_symbolic_shape=True)
    # reduce_range: 7-bit weights. Without VNNI, x86 int8 kernels (u8 x s8 pairs summed in
    # int16) saturate with full-range weights: on an AVX2 CPU a random tiny student's logits
    # were off by ~10%, ~0.5% with reduce_range; ONNX Runtime's docs advise it there.
    quantize_dynamic(prepared, int8_path, weight_type=QuantType.QInt8, reduce_range=True)
    return int8_path


def make_session(path, threads):
    """A CPU InferenceSession with `threads` intra-op threads, all graph optimisations on.

    Idle pool threads do not spin: in an interleaved benchmark a spinning pool would
    take a core from the model timed next.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def onnx_op_counts(path):
    """{op_type: count} of an ONNX file (for the report: how much became integer)."""
    import onnx

    counts = {}
    for node in onnx.load(path).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return dict(sorted(counts.items()))


def build_onnx_int8(model, sequence_length, out_dir, stem="student", activation="gelu_approximate"):
    """The whole road for one sequence length; returns a dict describing the int8 file."""
    missing = missing_onnx_packages()
    if missing:
        raise OnnxTwinError(f"not installed: {', '.join(missing)} (pip install -r requirements-bench.txt)")
    twin, used = activation_twin(model, activation)
    os.makedirs(out_dir, exist_ok=True)
    fp32 = to_onnx(twin, sequence_length, os.path.join(out_dir, f"{stem}_s{sequence_length}.onnx"))
    int8 = quantize_dynamic_int8(fp32, os.path.join(out_dir, f"{stem}_s{sequence_length}_int8.onnx"))
    return {"path": int8, "fp32_path": fp32, "activation": used, "ops": onnx_op_counts(int8)}
