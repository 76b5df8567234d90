"""tfmot `QuantizeConfig`s for the pieces of the student.

* `DenseQuantizeConfig`: int8 kernel; optionally an int8 output range. Dense layers
  inside our blocks are held as `QuantizeWrapperV2(Dense, DenseQuantizeConfig(...))`.
* `EmbeddingQuantizeConfig`: int8 table (GATHER then reads int8 rows).
* `NoOpQuantizeConfig`: for layers that quantize their own insides (our quantized
  blocks); annotating them lets `quantize_apply` accept and clone them untouched.
"""

import tensorflow_model_optimization as tfmot
import tf_keras

from tinybert_tf.quantization.quantizers import ActivationQuantizer, WeightQuantizer

QuantizeConfig = tfmot.quantization.keras.QuantizeConfig


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class NoOpQuantizeConfig(QuantizeConfig):
    """Quantizes nothing: the annotated layer places its own fake-quant ops."""

    def get_weights_and_quantizers(self, layer):
        return []

    def get_activations_and_quantizers(self, layer):
        return []

    def set_quantize_weights(self, layer, quantize_weights):
        pass

    def set_quantize_activations(self, layer, quantize_activations):
        pass

    def get_output_quantizers(self, layer):
        return []

    def get_config(self):
        return {}


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class DenseQuantizeConfig(QuantizeConfig):
    """int8 kernel (per-tensor, symmetric); with `quantize_output`, an int8 output range.

    A FULLY_CONNECTED comes out int8 only when its input, kernel and output are all
    quantized: the input range comes from whatever precedes the layer (a `FakeQuant`
    or another quantized output), the other two from this config. The layer's own
    activation, if any, runs before the output quantizer (ReLU fuses into the int8 op).
    """

    def __init__(self, quantize_output=True, output_bits=8, symmetric_output=False):
        self.quantize_output = quantize_output
        self.output_bits = output_bits
        self.symmetric_output = symmetric_output

    def get_weights_and_quantizers(self, layer):
        return [(layer.kernel, WeightQuantizer())]

    def get_activations_and_quantizers(self, layer):
        return []

    def set_quantize_weights(self, layer, quantize_weights):
        (layer.kernel,) = quantize_weights

    def set_quantize_activations(self, layer, quantize_activations):
        pass

    def get_output_quantizers(self, layer):
        if not self.quantize_output:
            return []
        return [ActivationQuantizer(self.output_bits, symmetric=self.symmetric_output)]

    def get_config(self):
        return {
            "quantize_output": self.quantize_output,
            "output_bits": self.output_bits,
            "symmetric_output": self.symmetric_output,
        }


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class EmbeddingQuantizeConfig(QuantizeConfig):
    """int8 embedding table (per-tensor, symmetric): a quarter of the float file size."""

    def get_weights_and_quantizers(self, layer):
        return [(layer.embeddings, WeightQuantizer())]

    def get_activations_and_quantizers(self, layer):
        return []

    def set_quantize_weights(self, layer, quantize_weights):
        (layer.embeddings,) = quantize_weights

    def set_quantize_activations(self, layer, quantize_activations):
        pass

    def get_output_quantizers(self, layer):
        return []

    def get_config(self):
        return {}


def quantized_dense(dense, quantize_output=True, symmetric_output=False):
    """`QuantizeWrapperV2(dense, DenseQuantizeConfig(...))`, named after the dense layer."""
    config = DenseQuantizeConfig(quantize_output=quantize_output, symmetric_output=symmetric_output)
    return tfmot.quantization.keras.QuantizeWrapperV2(dense, config)


def quantized_embedding(embedding):
    """`QuantizeWrapperV2(embedding, EmbeddingQuantizeConfig())`."""
    return tfmot.quantization.keras.QuantizeWrapperV2(embedding, EmbeddingQuantizeConfig())
