"""Quantization schemes: which tensors of the student carry a fake-quant, and why.

`int8_qat` (CPUs through XNNPACK): every FULLY_CONNECTED and the embedding tables in
int8, with input and output ranges learned in QAT; probs @ V is an int8 BATCH_MATMUL
(V symmetric, which XNNPACK requires). Q K^T, the mask, the softmax, residual
additions and normalisations stay float: XNNPACK has no int8 softmax, int8 ranges
there cost accuracy (the residual stream has outlier dimensions, the mask would sit
in the scores' range), and the DEQUANTIZE / QUANTIZE ops at their borders are cheap.

`int8_full` (integer-only delegates: NPU, DSP, Edge TPU): additionally fake-quantizes
the embedding sum, the attention scores and probabilities and the residual sums; the
converter calibrates what is left (normalisation internals) from representative data
and emits an all-integer graph. The additive attention mask shrinks from -10000 to
`FULL_MASK_VALUE` so that the int8 range of the scores still resolves real scores.
"""

import tensorflow_model_optimization as tfmot

SCHEMES = ("int8_qat", "int8_full")

# exp(-40) ~ 4e-18: padded keys still get no attention, and the scores' int8 range
# (about [-40 - max score, max score]) keeps a step near 0.2.
FULL_MASK_VALUE = -40.0


def check_scheme(scheme):
    """The scheme name, or a ValueError naming the known ones."""
    if scheme not in SCHEMES:
        raise ValueError(f"quantization scheme must be one of {SCHEMES}, got {scheme!r}")
    return scheme


def quantizes_core(scheme):
    """True when attention scores, softmax and residual sums are integer too."""
    return check_scheme(scheme) == "int8_full"


class _KeepLayout(tfmot.quantization.keras.QuantizeLayoutTransform):
    """No graph rewrites: the default scheme would put a QuantizeLayer after every
    input layer, which breaks on our int32 token ids, and its Conv/BatchNorm folds
    have nothing to match in a transformer."""

    def apply(self, model, layer_quantize_map):
        return model, layer_quantize_map


class StudentQuantizeScheme(tfmot.quantization.keras.QuantizeScheme):
    """tfmot scheme for the student: default registry, no layout transforms."""

    def get_layout_transformer(self):
        return _KeepLayout()

    def get_quantize_registry(self):
        return tfmot.quantization.keras.default_8bit.Default8BitQuantizeScheme().get_quantize_registry()
