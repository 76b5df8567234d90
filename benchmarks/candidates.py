"""The models compared at one sequence length, each built (or found) as a file.

    int8_student          our int8 TFLite student (int8_qat; a labelled stand-in until it exists)
    fp32_student          our fp32 TFLite student
    onnxruntime_int8      the same student through tf2onnx + ONNX Runtime dynamic int8
    teacher_fp32          the float teacher as TFLite
    floor_int8            only the student's int8 dense matmuls (benchmarks/floor.py)
    floor_fp32            the same matmuls in float32 (int8's gain on the bare matmuls here)
    floor_attention_int8  the floor plus the two int8 attention batch matmuls (optional)
"""
import dataclasses
import os

from benchmarks import floor as floor_lib
from benchmarks import onnx_twin
from benchmarks.student import static_sequence_length

MODEL_ORDER = ("int8_student", "fp32_student", "onnxruntime_int8", "teacher_fp32",
               "floor_int8", "floor_fp32", "floor_attention_int8")


@dataclasses.dataclass
class Candidate:
    """One model file to time."""

    key: str
    label: str
    runtime: str  # "litert" or "onnxruntime"
    path: str
    notes: str = ""

    def describe(self):
        return {"label": self.label, "runtime": self.runtime, "path": self.path,
                "size_bytes": os.path.getsize(self.path), "notes": self.notes}


def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def _representative(feeds):
    def gen():
        yield from feeds
    return gen


def int8_student(source, sequence_length, out_dir, feeds, log=print):
    """Our int8 student, the first of: the run's int8_qat file at this length; an int8_qat
    export of the run's QAT-trained model; an int8_qat export of the float student
    calibrated on the benchmark inputs (same graph, untrained ranges); and only if that
    export fails, a dynamic-range int8 conversion labelled as a stand-in."""
    label = "int8 TFLite student (int8_qat)"
    found = source.run_model("int8_qat", sequence_length)
    if found:
        return Candidate("int8_student", label, "litert", found, f"the run's QAT export {found}")
    try:
        from tinybert_tf.lite import export_tflite

        qat = source.qat_model()
        model = source.model if qat is None else qat
        path = export_tflite(model, out_dir, "int8_qat", sequence_length,
                             source.metadata(sequence_length),
                             representative_data=_representative(feeds), stem="student")
        note = ("int8_qat export of the run's QAT model" if qat is not None else
                "int8_qat export of the float student, ranges calibrated on the benchmark "
                "inputs (no QAT training: same graph, so the same latency)")
        return Candidate("int8_student", label, "litert", path, note)
    except Exception as err:  # noqa: BLE001 - an export in progress must not stop the comparison
        reason = f"int8_qat export failed: {type(err).__name__}: {err}"
    log(f"  int8 student: {reason}; using dynamic-range int8 as a stand-in")
    from tinybert_tf.lite import convert

    found = source.run_model("int8_dynamic", sequence_length)
    path = found or _write(os.path.join(out_dir, f"student_s{sequence_length}_int8_dynamic.tflite"),
                           convert(source.model, "int8_dynamic", sequence_length))
    return Candidate("int8_student", "int8 TFLite student (STAND-IN: int8_dynamic)", "litert",
                     path, f"stand-in: converter dynamic-range int8 (int8 weights, activations "
                     f"quantized at run time); {reason}")


def fp32_student(source, sequence_length, out_dir):
    from tinybert_tf.lite.signature import float_tflite

    path = source.run_model("fp32", sequence_length) or _write(
        os.path.join(out_dir, f"student_s{sequence_length}_fp32.tflite"),
        float_tflite(source.model, sequence_length))
    act = source.architecture["activation"]
    return Candidate("fp32_student", "fp32 TFLite student", "litert", path,
                     f"float32, activation {act}")


def onnx_student(source, sequence_length, out_dir):
    info = onnx_twin.build_onnx_int8(source.model, sequence_length, out_dir,
                                     stem="student")
    changed = info["activation"] != source.architecture["activation"]
    act = (f"activation {info['activation']} instead of {source.architecture['activation']} "
           f"(tf2onnx cannot convert exact GELU's Erfc)" if changed
           else f"activation {info['activation']}")
    label = f"ONNX Runtime dynamic int8 ({info['activation']})"
    integer = sum(v for k, v in info["ops"].items() if k in ("MatMulInteger", "DynamicQuantizeMatMul"))
    return Candidate("onnxruntime_int8", label, "onnxruntime", info["path"],
                     f"tf2onnx opset {onnx_twin.OPSET} + quantize_dynamic (int8 weights, "
                     f"reduce_range), "
                     f"{integer} integer matmuls; {act}")


def teacher_fp32(source, sequence_length, out_dir, cache):
    """The run's fine-tuned teacher TFLite at this length, else the run's (or bundled)
    teacher backbone with a randomly initialised head, converted here."""
    found = None
    if source.run_dir:
        path = os.path.join(source.run_dir, "models", "teacher_fp32.tflite")
        if os.path.isfile(path) and static_sequence_length(path) == sequence_length:
            found = path
    if found:
        return Candidate("teacher_fp32", "fp32 TFLite teacher", "litert", found,
                         f"the run's fine-tuned teacher {found}")
    from tinybert_tf.lite import float_tflite
    from tinybert_tf.teacher import build_teacher_model

    if "teacher_model" not in cache:
        cache["teacher_model"] = build_teacher_model(source.teacher.backbone, "classification",
                                                     source.num_labels)
    path = _write(os.path.join(out_dir, f"teacher_s{sequence_length}_fp32.tflite"),
                  float_tflite(cache["teacher_model"], sequence_length))
    t = source.teacher
    name = source.config.get("teacher") or "bundled all-MiniLM-L6-v2"
    return Candidate("teacher_fp32", "fp32 TFLite teacher", "litert", path,
                     f"{name}: {t.num_layers} layers, hidden {t.hidden_dim}, FFN "
                     f"{t.intermediate_dim}, pretrained weights, random classification head")


def _macs(count):
    return f"{count / 1e6:.1f}M" if count >= 1e5 else f"{count:,}"


def floor(source, sequence_length, out_dir, attention=False, int8=True):
    arch = source.architecture
    model = floor_lib.floor_model(arch["num_layers"], arch["hidden_dim"], arch["intermediate_dim"],
                                  sequence_length, num_heads=arch["num_heads"], attention=attention)
    name = "floor_attention_int8" if attention else ("floor_int8" if int8 else "floor_fp32")
    path = _write(os.path.join(out_dir, f"{name}_s{sequence_length}.tflite"),
                  floor_lib.floor_tflite(model, int8=int8))
    macs = floor_lib.matmul_macs(arch["num_layers"], arch["hidden_dim"], arch["intermediate_dim"],
                                 sequence_length, attention=attention)
    what = (f"{arch['num_layers']} x (Q, K, V, O [S,{arch['hidden_dim']}]x[{arch['hidden_dim']},"
            f"{arch['hidden_dim']}], FFN [S,{arch['hidden_dim']}]x[{arch['hidden_dim']},"
            f"{arch['intermediate_dim']}] and back)")
    if attention:
        return Candidate(name, "floor + attention matmuls (int8)", "litert", path,
                         f"{what} plus int8 QK^T and PV BATCH_MATMULs (not run by XNNPACK); "
                         f"{_macs(macs)} MACs")
    if not int8:
        return Candidate(name, "reference: the floor's matmuls in fp32", "litert", path,
                         "the floor_int8 graph unquantized: fp32 floor / int8 floor is the int8 "
                         "speed-up of the bare matmuls on this CPU")
    return Candidate(name, "floor: int8 dense matmuls only", "litert", path,
                     f"{what}, chained, int8 in/out, nothing else; {_macs(macs)} MACs")


def build_candidates(source, sequence_length, out_dir, feeds, include_floor_attention=False,
                     cache=None, log=print):
    """(candidates in MODEL_ORDER, {key: reason} for those skipped) at one sequence length."""
    cache = {} if cache is None else cache
    built, skipped = {}, {}
    log(f"building models at sequence {sequence_length} in {out_dir}")
    built["int8_student"] = int8_student(source, sequence_length, out_dir, feeds, log=log)
    built["fp32_student"] = fp32_student(source, sequence_length, out_dir)
    missing = onnx_twin.missing_onnx_packages()
    if missing:
        skipped["onnxruntime_int8"] = (f"not installed: {', '.join(missing)} "
                                       f"(pip install -r requirements-bench.txt)")
    else:
        built["onnxruntime_int8"] = onnx_student(source, sequence_length, out_dir)
    built["teacher_fp32"] = teacher_fp32(source, sequence_length, out_dir, cache)
    built["floor_int8"] = floor(source, sequence_length, out_dir)
    built["floor_fp32"] = floor(source, sequence_length, out_dir, int8=False)
    if include_floor_attention:
        built["floor_attention_int8"] = floor(source, sequence_length, out_dir, attention=True)
    for key, reason in skipped.items():
        log(f"  skipped {key}: {reason}")
    return [built[k] for k in MODEL_ORDER if k in built], skipped
