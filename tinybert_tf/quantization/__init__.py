"""Quantization-aware training (tfmot) and the fake-quant pieces of the int8 students."""

from tinybert_tf.quantization.calibration import calibrate
from tinybert_tf.quantization.configs import (
    DenseQuantizeConfig,
    EmbeddingQuantizeConfig,
    NoOpQuantizeConfig,
)
from tinybert_tf.quantization.distill import load_qat_model, qat_distill
from tinybert_tf.quantization.fake_quant import FakeQuant
from tinybert_tf.quantization.qat import (
    QuantizationError,
    QuantizedStudent,
    float_student,
    is_quantized,
    qat_feature_model,
    quantize_student,
)
from tinybert_tf.quantization.scheme import FULL_MASK_VALUE, SCHEMES
from tinybert_tf.quantization.weights import copy_weights
