"""The JSON sidecar beside each exported model: everything a device app needs.

One sidecar per model file, `<stem>_<variant>.json` next to `<stem>_<variant>.tflite`
(a device bundle carries one model and its sidecar; variants never overwrite each
other's). Example (int8_full classifier):

    {"format": "tinybert_tf.lite/1", "model_file": "student_int8_full.tflite",
     "variant": "int8_full", "task": "bbc_news", "kind": "classification",
     "labels": ["business", ...], "vocab_file": "vocab.txt", "lowercase": true,
     "sequence_length": 128,
     "special_tokens": {"[CLS]": 101, "[SEP]": 102, "[PAD]": 0, "[UNK]": 100},
     "inputs": [{"name": "token_ids", "dtype": "int32", "shape": [1, 128],
                 "quantization": null}, ...],
     "outputs": [{"name": "logits", "dtype": "int8", "shape": [1, 5],
                  "quantization": {"scale": 0.0123, "zero_point": -3}}],
     "size_bytes": 4520112}

Float value = (int value - zero_point) * scale for a quantized tensor.
"""

import json
import os

import numpy as np

from tinybert_tf.constants import INPUT_NAMES

SIDECAR_FORMAT = "tinybert_tf.lite/1"
KINDS = ("classification", "token_classification")
SPECIAL_TOKENS = ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]")


def _dtype_name(dtype):
    dtype = np.dtype(dtype)
    return "string" if dtype.kind in "OSU" else dtype.name


def _tensor_entry(name, detail):
    scale, zero_point = detail["quantization"]
    return {
        "name": name,
        "dtype": _dtype_name(detail["dtype"]),
        "shape": [int(d) for d in detail["shape"]],
        "quantization": {"scale": float(scale), "zero_point": int(zero_point)} if scale else None,
    }


def signature_io(content, custom_op_registerers=None):
    """(inputs, outputs): sidecar entries read from the model's serving signature.

    `content`: the flatbuffer bytes, or a model file's path."""
    from tinybert_tf.lite.evaluate import interpreter

    runner = interpreter(  # no delegate: only the signature is read
        content, delegate=False, custom_op_registerers=custom_op_registerers
    ).get_signature_runner()
    order = {name: i for i, name in enumerate(INPUT_NAMES)}
    details = sorted(runner.get_input_details().items(), key=lambda item: order.get(item[0], 99))
    inputs = [_tensor_entry(n, d) for n, d in details]
    outputs = [_tensor_entry(n, d) for n, d in runner.get_output_details().items()]
    return inputs, outputs


def special_token_ids(vocab_file):
    """{token: id} of the BERT special tokens present in a vocab.txt."""
    with open(vocab_file, encoding="utf-8") as f:
        vocab = {line.rstrip("\r\n"): i for i, line in enumerate(f)}
    return {token: vocab[token] for token in SPECIAL_TOKENS if token in vocab}


def build_sidecar(
    model_file,
    variant,
    sequence_length,
    metadata,
    inputs,
    outputs,
    size_bytes,
    vocab_name=None,
    special_tokens=None,
):
    """The sidecar dict. `metadata` brings labels, task, kind, lowercase, strip_accents
    (default: as lowercase, the BERT rule) and any extra keys, kept as they are; `inputs` /
    `outputs` come from `signature_io`."""
    known = {"labels", "task", "kind", "lowercase", "strip_accents", "vocab_file", "sequence_length"}
    lowercase = bool(metadata.get("lowercase", True))
    sidecar = {
        "format": SIDECAR_FORMAT,
        "model_file": model_file,
        "variant": variant,
        "task": metadata.get("task"),
        "kind": metadata["kind"],
        "labels": list(metadata["labels"]),
        "vocab_file": vocab_name,
        "lowercase": lowercase,
        "strip_accents": bool(metadata.get("strip_accents", lowercase)),
        "sequence_length": int(sequence_length),
        "special_tokens": special_tokens or {},
        "inputs": inputs,
        "outputs": outputs,
        "size_bytes": int(size_bytes),
    }
    sidecar.update({k: v for k, v in metadata.items() if k not in known and k not in sidecar})
    return sidecar


def check_metadata(metadata, sequence_length, num_outputs_last_dim=None):
    """Raises ValueError (one line) for metadata an app could not use."""
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    if "labels" not in metadata or not metadata["labels"]:
        raise ValueError("metadata needs 'labels' (the class names, in logit order)")
    if metadata.get("kind") not in KINDS:
        raise ValueError(f"metadata 'kind' must be one of {KINDS}, got {metadata.get('kind')!r}")
    given = metadata.get("sequence_length")
    if given is not None and int(given) != int(sequence_length):
        raise ValueError(
            f"metadata sequence_length {given} differs from the export's {sequence_length}"
        )
    if num_outputs_last_dim is not None and len(metadata["labels"]) != num_outputs_last_dim:
        raise ValueError(
            f"metadata has {len(metadata['labels'])} labels but the model has "
            f"{num_outputs_last_dim} logits"
        )


def dumps(sidecar):
    return json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n"


def find_sidecar(model_path):
    """The sidecar of a model file: `<stem>.json` beside it, else `model.json`; or None."""
    folder = os.path.dirname(os.path.abspath(model_path))
    stem = os.path.splitext(os.path.basename(model_path))[0]
    for name in (f"{stem}.json", "model.json"):
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None


def check_sidecar(model_path):
    """Raises ValueError (one line, naming the sidecar) when the model's sidecar does not
    describe it: another file name or size, other inputs / outputs (names, types, shapes,
    int8 scales), a label count that is not the number of logits, another sequence length.
    Returns the sidecar dict, or None when the model has none."""
    path = find_sidecar(model_path)
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            sidecar = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not a valid JSON sidecar ({err})") from err
    if not isinstance(sidecar, dict):
        raise ValueError(f"{path}: expected a JSON object")
    inputs, outputs = signature_io(model_path)  # from the path: a broken model is named
    size = os.path.getsize(model_path)
    name = os.path.basename(model_path)
    problems = []
    if sidecar.get("model_file", name) != name:
        problems.append(f"it is for {sidecar['model_file']}")
    if sidecar.get("size_bytes", size) != size:
        problems.append(f"size_bytes {sidecar['size_bytes']} but the file has {size}")
    if sidecar.get("inputs", inputs) != inputs:
        problems.append("its inputs differ from the model's")
    if sidecar.get("outputs", outputs) != outputs:
        problems.append("its outputs differ from the model's")
    logits = next((o for o in outputs if o["name"] == "logits"), outputs[0])
    labels = sidecar.get("labels")
    if labels is not None and len(labels) != logits["shape"][-1]:
        problems.append(f"{len(labels)} labels but the model has {logits['shape'][-1]} logits")
    length = sidecar.get("sequence_length")
    if length is not None and inputs and length != inputs[0]["shape"][-1]:
        problems.append(f"sequence_length {length} but the model takes {inputs[0]['shape'][-1]}")
    if problems:
        raise ValueError(f"{path}: does not match {name}: {'; '.join(problems)}")
    return sidecar
