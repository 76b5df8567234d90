"""TFLite conversion of the student in each deployable variant (flatbuffer bytes).

    fp32          float graph
    fp16          float16 weights, float compute
    int8_dynamic  int8 weights, activations quantized on the fly (dynamic range)
    int8_ptq      the converter's full-integer post-training quantization of the float
                  graph from a representative dataset (the naive baseline: the -10000
                  mask lands in the int8 range of the attention scores)
    int8_qat      QAT ranges; int8 FULLY_CONNECTED, embedding tables and probs @ V,
                  float Q K^T, softmax and norms, which XNNPACK runs in float (the CPU
                  product)
    int8_full     QAT ranges plus calibration of the rest; every op integer, int8
                  logits (the NPU / DSP product)

Every variant keeps the `[1, S]` int32 inputs `token_ids`, `segment_ids`,
`padding_mask` and builtin ops only.
"""

import itertools

import tensorflow as tf

from tinybert_tf.constants import INPUT_NAMES
from tinybert_tf.lite.signature import serving_function, tflite_converter
from tinybert_tf.quantization import float_student, is_quantized, quantize_student
from tinybert_tf.quantization.calibration import iterate_batches, uncalibrated

VARIANTS = ("fp32", "fp16", "int8_dynamic", "int8_ptq", "int8_qat", "int8_full")
NEEDS_DATA = ("int8_ptq", "int8_full")
QAT_VARIANTS = ("int8_qat", "int8_full")
REPRESENTATIVE_SAMPLES = 64  # rows fed to the converter's calibrator


class ConversionError(ValueError):
    """A variant that cannot be made from the given model and data (one-line message)."""


def check_variant(variant):
    if variant not in VARIANTS:
        raise ConversionError(f"variant must be one of {VARIANTS}, got {variant!r}")
    return variant


def representative_rows(representative_data, limit=REPRESENTATIVE_SAMPLES):
    """A converter `representative_dataset`: one `{name: int32 [1, S]}` dict per row."""

    def rows():
        batches = iterate_batches(representative_data)
        flat = (
            {name: batch[name][i : i + 1] for name in INPUT_NAMES}
            for batch in batches
            for i in range(len(batch[INPUT_NAMES[0]]))
        )
        yield from itertools.islice(flat, limit)

    return rows


def prepare_model(model, variant, representative_data=None):
    """The Keras model a variant converts.

    A QAT variant of a float student, or of a QAT student trained for the other scheme
    (its trained float weights), is first quantized for `variant` with
    `quantize_student` and calibrated on `representative_data` (no training). A
    post-training variant of a QAT student is refused.
    """
    check_variant(variant)
    if variant in QAT_VARIANTS and (not is_quantized(model) or model.scheme != variant):
        if representative_data is None:
            what = "a float student" if not is_quantized(model) else f"a {model.scheme} QAT student"
            raise ConversionError(
                f"{variant} from {what} needs representative_data to set its activation "
                f"ranges (or pass a model from quantize_student(..., scheme={variant!r}))"
            )
        source = float_student(model) if is_quantized(model) else model
        return quantize_student(source, scheme=variant, representative_data=representative_data)
    if variant not in QAT_VARIANTS and is_quantized(model):
        raise ConversionError(f"{variant} is a post-training variant: pass the float student")
    if variant in QAT_VARIANTS:
        unset = uncalibrated(model)
        if unset:
            raise ConversionError(
                f"{len(unset)} activation ranges were never set ({unset[0]}, ...): train the "
                "QAT model or calibrate it (quantize_student(..., representative_data=...))"
            )
    return model


def converter_for(model, variant, sequence_length, representative_data=None):
    """A configured `tf.lite.TFLiteConverter` for one variant (builtin ops only)."""
    check_variant(variant)
    if variant in NEEDS_DATA and representative_data is None:
        raise ConversionError(
            f"{variant} needs representative_data (a callable yielding input dicts)"
        )
    model = prepare_model(model, variant, representative_data)
    converter = tflite_converter(serving_function(model, sequence_length), model)
    if variant == "fp32":
        return converter
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    elif variant in NEEDS_DATA:
        converter.representative_dataset = representative_rows(representative_data)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_output_type = tf.int8
    return converter


def convert(model, variant, sequence_length, representative_data=None):
    """The `.tflite` flatbuffer (bytes) of `model` in `variant` at static shape [1, S]."""
    content = converter_for(model, variant, sequence_length, representative_data).convert()
    from tinybert_tf.lite.evaluate import interpreter

    # The converter silently drops the signature (input names) when it cannot save the
    # model as a SavedModel first; a model without one is useless to an app.
    if "serving_default" not in interpreter(content, delegate=False).get_signature_list():
        raise ConversionError(f"{variant}: the converted model lost its serving signature")
    return content
