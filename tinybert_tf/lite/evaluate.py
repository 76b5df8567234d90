"""Running and inspecting exported `.tflite` files with ai-edge-litert.

logits = run_tflite("m_int8_qat.tflite", features)       # [N, C] or [N, S, C], float
agreement(logits, keras_logits, mask)                    # max |diff|, argmax agreement
op_report("m_int8_qat.tflite")                           # ops, dtypes, XNNPACK partitions
"""

from collections import Counter
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

from tinybert_tf.constants import INPUT_NAMES, PADDING_MASK

INTEGER_TYPES = ("int8", "int16", "int32", "int64", "uint8", "bool")
FLOAT_TYPES = ("float32", "float16")


def _content(model):
    """Flatbuffer bytes from a path or bytes."""
    if isinstance(model, (bytes, bytearray)):
        return bytes(model)
    path = Path(model)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such .tflite file")
    return path.read_bytes()


def interpreter(model, num_threads=1, delegate=True, custom_op_registerers=None):
    """An allocated interpreter; `delegate=False` runs TFLite's own kernels (no XNNPACK).

    A file that is not a TFLite model (truncated, empty, something else) raises a
    one-line ValueError naming it.
    """
    content = _content(model)
    kwargs = {"model_content": content, "num_threads": num_threads}
    if not delegate:
        kwargs["experimental_op_resolver_type"] = OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    try:
        if not content:
            raise ValueError("the file is empty")
        if custom_op_registerers:
            from ai_edge_litert.interpreter import InterpreterWithCustomOps

            result = InterpreterWithCustomOps(custom_op_registerers=custom_op_registerers, **kwargs)
        else:
            result = Interpreter(**kwargs)
        result.allocate_tensors()
    except (ValueError, RuntimeError) as err:
        if isinstance(model, (bytes, bytearray)):
            raise
        reason = " ".join(str(err).split())
        raise ValueError(f"{model}: not a valid TFLite model ({reason}); export it again") from err
    return result


def dequantize(values, detail):
    """Float values of an output tensor (int8 outputs carry a scale and zero point)."""
    scale, zero_point = detail["quantization"]
    if np.issubdtype(values.dtype, np.integer) and scale:
        return (values.astype(np.float32) - zero_point) * scale
    return values.astype(np.float32)


def run_tflite(model, features, num_threads=1, output="logits"):
    """Runs a `.tflite` (path or bytes) one row at a time.

    Args:
        features: dict of int32 arrays [N, S] named as the model inputs.
    Returns:
        float32 [N, ...] of the named output, dequantized when the model outputs int8.
    """
    runner = interpreter(model, num_threads=num_threads).get_signature_runner()
    detail = runner.get_output_details()[output]
    inputs = runner.get_input_details()
    count = len(features[INPUT_NAMES[0]])
    rows = []
    for i in range(count):
        row = {
            name: np.asarray(features[name][i : i + 1], inputs[name]["dtype"]) for name in inputs
        }
        rows.append(dequantize(runner(**row)[output], detail)[0])
    return np.stack(rows)


def tflite_logits(path, features, num_threads=1):
    """`run_tflite` on a model file that ships, checking its sidecar first.

    A sidecar (`<stem>.json` or `model.json` beside the model) that does not describe the
    model raises a one-line ValueError naming it (see `sidecar.check_sidecar`).
    """
    from tinybert_tf.lite.sidecar import check_sidecar

    check_sidecar(path)
    return run_tflite(path, features, num_threads=num_threads)


def agreement(tflite_logits, keras_logits, padding_mask=None):
    """max |difference| and argmax agreement; for per-token logits [N, S, C], only
    positions where `padding_mask` is 1 count."""
    a, b = np.asarray(tflite_logits, np.float32), np.asarray(keras_logits, np.float32)
    if a.shape != b.shape:
        raise ValueError(f"logit shapes differ: {a.shape} vs {b.shape}")
    keep = np.ones(a.shape[:-1], bool)
    if a.ndim == 3 and padding_mask is not None:
        keep = np.asarray(padding_mask).astype(bool)
    diff = np.abs(a - b)[keep]
    same = (a.argmax(-1) == b.argmax(-1))[keep]
    return {"max_abs_diff": float(diff.max()), "argmax_agreement": float(same.mean())}


def evaluate_against_keras(path, keras_model, features, num_threads=1):
    """Agreement of a `.tflite` with the Keras model it came from, on `features`."""
    tflite_logits = run_tflite(path, features, num_threads=num_threads)
    keras_logits = keras_model(features, training=False)["logits"].numpy()
    return agreement(tflite_logits, keras_logits, features.get(PADDING_MASK))


def _dtype_name(dtype):
    return np.dtype(dtype).name


def _partitions(delegated):
    """(delegate partition count, indices of original nodes inside a partition).

    After delegation the interpreter lists the original nodes, then one DELEGATE node
    per partition whose inputs / outputs are the partition's boundary tensors: a node
    belongs to a partition when it is reached walking back from the partition's outputs
    without crossing its inputs.
    """
    ops = delegated._get_ops_details()
    producer = {}
    for op in ops:
        if op["op_name"] != "DELEGATE":
            for t in op["outputs"]:
                producer[int(t)] = op["index"]
    covered, count = set(), 0
    for op in ops:
        if op["op_name"] != "DELEGATE":
            continue
        count += 1
        boundary = {int(t) for t in op["inputs"]}
        stack, seen = [int(t) for t in op["outputs"]], set()
        while stack:
            tensor = stack.pop()
            if tensor in boundary or tensor in seen or tensor not in producer:
                continue
            seen.add(tensor)
            covered.add(producer[tensor])
            stack.extend(int(t) for t in ops[producer[tensor]]["inputs"] if t >= 0)
    return count, covered


def op_report(model, custom_op_registerers=None):
    """What a `.tflite` is made of and what XNNPACK does with it.

    Returns a dict:
        ops:            {op name: count}
        nodes:          one {"op", "inputs", "outputs"} per node (tensor dtype names;
                        weights and biases included in inputs)
        float_ops:      {op name: count} of nodes touching a float tensor
        integer_ops:    {op name: count} of nodes whose tensors are all integer
        partitions:     delegate partitions XNNPACK makes (1 is best)
        not_delegated:  {op name: count} of nodes XNNPACK leaves to TFLite's kernels
        size_bytes:     file size
    """
    content = _content(model)
    plain = interpreter(content, delegate=False, custom_op_registerers=custom_op_registerers)
    tensors = {t["index"]: t for t in plain.get_tensor_details()}

    def dtypes(indices):
        return [_dtype_name(tensors[int(i)]["dtype"]) for i in indices if i >= 0]

    nodes = [
        {"op": op["op_name"], "inputs": dtypes(op["inputs"]), "outputs": dtypes(op["outputs"])}
        for op in plain._get_ops_details()
    ]
    delegated = interpreter(content, custom_op_registerers=custom_op_registerers)
    partitions, covered = _partitions(delegated)
    is_float = [any(t in FLOAT_TYPES for t in n["inputs"] + n["outputs"]) for n in nodes]
    return {
        "ops": dict(Counter(n["op"] for n in nodes)),
        "nodes": nodes,
        "float_ops": dict(Counter(n["op"] for n, f in zip(nodes, is_float) if f)),
        "integer_ops": dict(Counter(n["op"] for n, f in zip(nodes, is_float) if not f)),
        "partitions": partitions,
        "not_delegated": dict(Counter(n["op"] for i, n in enumerate(nodes) if i not in covered)),
        "size_bytes": len(content),
    }
