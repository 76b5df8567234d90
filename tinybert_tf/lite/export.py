"""`export_tflite`: one variant of the student as `<stem>_<variant>.tflite` + its sidecar.

    path = export_tflite(student, "runs/demo/models", "fp32", 128, metadata)
    path = export_tflite(qat_student, "runs/demo/models", "int8_qat", 128, metadata,
                         representative_data=rows_from_train_split, stem="student")

Writes, in `out_dir`:
    <stem>_<variant>.tflite   static [1, S] int32 inputs token_ids / segment_ids /
                              padding_mask, builtin ops only
    <stem>_<variant>.json     the sidecar (see `sidecar.py`)
    vocab.txt                 a copy of metadata["vocab_file"], when given
Every file is written atomically (temporary file + os.replace).
"""

import os

from tinybert_tf.atomic import copy_file, write_bytes
from tinybert_tf.lite.convert import check_variant, convert
from tinybert_tf.lite.evaluate import op_report
from tinybert_tf.lite.sidecar import (
    build_sidecar,
    check_metadata,
    dumps,
    signature_io,
    special_token_ids,
)

VOCAB_NAME = "vocab.txt"


class ExportError(ValueError):
    """An exported file that breaks the deployment contract (one-line message)."""


def model_paths(out_dir, stem, variant):
    """(tflite path, sidecar path) of one exported variant."""
    base = os.path.join(out_dir, f"{stem}_{variant}")
    return base + ".tflite", base + ".json"


def check_builtin_only(content, allow_custom=False):
    """Raises ExportError when a model holds custom or Select-TF (Flex) ops."""
    from tinybert_tf.lite.flatbuffer import custom_op_names

    names = custom_op_names(content)
    if names and not allow_custom:
        raise ExportError(f"model holds non-builtin ops {sorted(names)}; only builtin ops may ship")
    return names


def write_model(
    content,
    out_dir,
    stem,
    variant,
    sequence_length,
    metadata,
    allow_custom=False,
    custom_op_registerers=None,
):
    """Writes a converted flatbuffer, its sidecar and the vocabulary; returns the model path."""
    vocab_file = metadata.get("vocab_file")
    if vocab_file is not None and not os.path.isfile(vocab_file):
        raise FileNotFoundError(f"{vocab_file}: vocabulary file not found")
    check_builtin_only(content, allow_custom=allow_custom)
    inputs, outputs = signature_io(content, custom_op_registerers=custom_op_registerers)
    logits = next((o for o in outputs if o["name"] == "logits"), None)
    if logits is None:
        raise ExportError(f"model has no 'logits' output (outputs: {[o['name'] for o in outputs]})")
    kind = "token_classification" if len(logits["shape"]) == 3 else "classification"
    metadata = {"kind": kind, **metadata}
    check_metadata(metadata, sequence_length, logits["shape"][-1])
    if metadata["kind"] != kind:
        raise ExportError(f"metadata kind {metadata['kind']!r} but the logits say {kind!r}")
    model_path, sidecar_path = model_paths(out_dir, stem, variant)
    sidecar = build_sidecar(
        os.path.basename(model_path),
        variant,
        sequence_length,
        metadata,
        inputs,
        outputs,
        len(content),
        vocab_name=VOCAB_NAME if vocab_file else None,
        special_tokens=special_token_ids(vocab_file) if vocab_file else None,
    )
    write_bytes(model_path, content)
    write_bytes(sidecar_path, dumps(sidecar).encode("utf-8"))
    if vocab_file and os.path.abspath(vocab_file) != os.path.abspath(
        os.path.join(out_dir, VOCAB_NAME)
    ):
        copy_file(vocab_file, os.path.join(out_dir, VOCAB_NAME))
    return model_path


def export_tflite(
    model, out_dir, variant, sequence_length, metadata, representative_data=None, stem="model"
):
    """Converts `model` to `variant` and writes `<stem>_<variant>.tflite` + sidecar + vocab.

    Args:
        model: the float student (fp32, fp16, int8_dynamic, int8_ptq) or a model from
            `quantize_student` (int8_qat, int8_full; a float student is quantized and
            calibrated on `representative_data` first, without training).
        out_dir: destination folder (created).
        variant: one of `tinybert_tf.lite.VARIANTS`.
        sequence_length: S of the static [1, S] inputs.
        metadata: {"labels": [...], "vocab_file": path, "lowercase": bool,
            "task": name, "kind": "classification" | "token_classification", ...}.
        representative_data: callable returning an iterable of input dicts (int32
            [B, S] arrays) drawn from the training split; needed by int8_ptq and
            int8_full, and by int8_qat from a float student.
        stem: file name prefix.

    Returns:
        the path of the `.tflite` file.
    """
    check_variant(variant)
    check_metadata({"kind": "classification", **metadata}, sequence_length)
    check_vocabulary(model, metadata.get("vocab_file"))
    content = convert(model, variant, sequence_length, representative_data)
    check_variant_contract(content, variant)
    return write_model(content, out_dir, stem, variant, sequence_length, metadata)


def check_vocabulary(model, vocab_file):
    """ExportError when the vocabulary has tokens the model's embedding table has no row
    for: the student was built for another tokenizer."""
    rows = next((m.vocabulary_size for m in model.submodules
                 if isinstance(getattr(m, "vocabulary_size", None), int)), None)
    if vocab_file is None or rows is None or not os.path.isfile(vocab_file):
        return
    with open(vocab_file, encoding="utf-8") as f:
        tokens = len(f.read().splitlines())
    if tokens > rows:
        raise ExportError(
            f"{vocab_file}: {tokens} tokens but the model's embedding table has {rows} rows; "
            "the student was built for another vocabulary"
        )


def check_variant_contract(content, variant):
    """int8_qat: no float FULLY_CONNECTED; int8_full: no float op at all."""
    report = op_report(content)
    if variant == "int8_full" and report["float_ops"]:
        raise ExportError(f"int8_full kept float ops {report['float_ops']}")
    if variant == "int8_qat" and report["float_ops"].get("FULLY_CONNECTED"):
        raise ExportError(
            f"int8_qat kept {report['float_ops']['FULLY_CONNECTED']} float FULLY_CONNECTED"
        )
    return report
