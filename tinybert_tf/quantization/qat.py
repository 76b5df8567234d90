"""`quantize_student`: a trained float student -> its quantization-aware twin (tfmot).

    qat = quantize_student(clf, scheme="int8_qat")   # same inputs, {"logits"} output
    qat.compile(...); qat.fit(...)                  # plain QAT on labels
    Distiller(qat, teacher).compile(opt, stage="qat")  # teacher-guided QAT
    qat.feature_model  # {"logits", "hidden_states", "attention_scores"}, shared weights

How: every student layer with weights is replaced by its quantized twin (same
constructor, same weights, fake-quant ops placed per scheme; dense layers inside are
`QuantizeWrapperV2(Dense, DenseQuantizeConfig)`), the twins are annotated with a no-op
`QuantizeConfig` and the classification head with `DenseQuantizeConfig`, and
`tfmot.quantization.keras.quantize_apply` builds the trainable QAT graph.
"""

import copy

import tensorflow_model_optimization as tfmot
import tf_keras

from tinybert_tf.layers.attention_bias import AttentionBias
from tinybert_tf.layers.embeddings import TinyBertEmbeddings
from tinybert_tf.layers.encoder_block import TinyBertEncoderBlock
from tinybert_tf.layers.pooler import Pooler
from tinybert_tf.quantization.attention_bias import QuantizedAttentionBias
from tinybert_tf.quantization.calibration import calibrate
from tinybert_tf.quantization.configs import (
    DenseQuantizeConfig,
    EmbeddingQuantizeConfig,
    NoOpQuantizeConfig,
)
from tinybert_tf.quantization.embeddings import QuantizedEmbeddings
from tinybert_tf.quantization.encoder_block import QuantizedEncoderBlock
from tinybert_tf.quantization.fake_quant import FakeQuant
from tinybert_tf.quantization.pooler import QuantizedPooler
from tinybert_tf.quantization.quantizers import ActivationQuantizer, WeightQuantizer
from tinybert_tf.quantization.scheme import (
    FULL_MASK_VALUE,
    StudentQuantizeScheme,
    check_scheme,
    quantizes_core,
)
from tinybert_tf.quantization.weights import copy_model_weights

TWINS = {
    AttentionBias: QuantizedAttentionBias,
    TinyBertEmbeddings: QuantizedEmbeddings,
    TinyBertEncoderBlock: QuantizedEncoderBlock,
    Pooler: QuantizedPooler,
}
TWIN_CLASSES = tuple(TWINS.values())
FEATURE_OUTPUTS = ("logits", "hidden_states", "attention_scores")


def custom_objects():
    """Everything `quantize_apply` (or loading a saved QAT model) must deserialize."""
    classes = [
        *TWIN_CLASSES,
        FakeQuant,
        NoOpQuantizeConfig,
        DenseQuantizeConfig,
        EmbeddingQuantizeConfig,
        WeightQuantizer,
        ActivationQuantizer,
    ]
    return {cls.__name__: cls for cls in classes}


class QuantizationError(ValueError):
    """A model that `quantize_student` cannot quantize (one-line message)."""


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class QuantizedStudent(tf_keras.Model):
    """The QAT student: inputs as the float student's, outputs `{"logits"}`.

    `feature_model` shares every weight and also returns the hidden states and the
    (pre-softmax, masked) attention scores, as `TinyBertTaskModel.feature_model` does,
    so `Distiller` takes this model as its student unchanged. `scheme` says which
    int8 product it trains for.

    Its config is the float student's config plus the scheme: `from_config` (and so
    `tf_keras.models.load_model` of a `.keras` file) rebuilds it with
    `quantize_student` and the saved weights then load into the same structure.
    """

    def __init__(self, feature_model, scheme, source_config, **kwargs):
        super().__init__(
            inputs=feature_model.inputs,
            outputs={"logits": feature_model.output["logits"]},
            **kwargs,
        )
        object.__setattr__(self, "_feature_model", feature_model)  # same layers; not a sub-model
        self.scheme = scheme
        self._source_config = source_config

    @property
    def feature_model(self):
        return self._feature_model

    def get_config(self):
        return {
            "name": self.name,
            "scheme": self.scheme,
            "source": copy.deepcopy(self._source_config),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # Deserializing may rewrite the nested config in place: work on a copy.
        source = tf_keras.saving.deserialize_keras_object(copy.deepcopy(config["source"]))
        return quantize_student(source, config["scheme"], name=config.get("name"))


def is_quantized(model):
    """True for models made by `quantize_student`."""
    return isinstance(model, QuantizedStudent)


def _to_twin(scheme):
    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, AttentionBias) and quantizes_core(scheme):
            config["mask_value"] = FULL_MASK_VALUE
        twin = TWINS.get(type(layer))
        if twin is not None:
            return twin.from_config({**config, "scheme": scheme})
        return layer.__class__.from_config(config)

    return clone


def _annotate(layer):
    annotate = tfmot.quantization.keras.quantize_annotate_layer
    if isinstance(layer, TWIN_CLASSES):
        return annotate(layer, NoOpQuantizeConfig())
    if isinstance(layer, tf_keras.layers.Dense):  # the task head
        return annotate(layer, DenseQuantizeConfig(quantize_output=True))
    if isinstance(layer, tf_keras.layers.Dropout):  # identity at inference
        return annotate(layer, NoOpQuantizeConfig())
    return layer  # inputs and the attention bias stay as they are


def quantize_student(
    model, scheme="int8_qat", representative_data=None, calibration_steps=8, name=None
):
    """A quantization-aware copy of a float `TinyBertClassifier` / `TinyBertTokenClassifier`.

    Args:
        model: the trained float student (anything with a `feature_model` built on our
            layers). It is not modified.
        scheme: "int8_qat" (int8 dense layers, float attention core, for XNNPACK
            CPUs) or "int8_full" (integer-only graph, for NPU / DSP delegates).
        representative_data: optional callable returning an iterable of input dicts
            (int32 [B, S] arrays); when given, `calibration_steps` batches of it set
            every activation range before any training (otherwise the first training
            batch does).
        name: the returned model's name (default `<model name>_<scheme>`).

    Returns:
        a `QuantizedStudent` with the float model's weights, trainable with `fit` and
        usable as a `Distiller` student.
    """
    check_scheme(scheme)
    features = getattr(model, "feature_model", None)
    if features is None or set(features.output) != set(FEATURE_OUTPUTS):
        raise QuantizationError(
            f"quantize_student needs a TinyBertClassifier / TinyBertTokenClassifier, got "
            f"{type(model).__name__} (no feature_model with {FEATURE_OUTPUTS})"
        )
    twin = _to_twin(scheme)
    annotated = tf_keras.models.clone_model(features, clone_function=lambda l: _annotate(twin(l)))
    with tfmot.quantization.keras.quantize_scope(custom_objects()):
        qat_features = tfmot.quantization.keras.quantize_apply(
            annotated, scheme=StudentQuantizeScheme()
        )
    copy_model_weights(features, qat_features)
    source = tf_keras.saving.serialize_keras_object(model)
    student = QuantizedStudent(qat_features, scheme, source, name=name or f"{model.name}_{scheme}")
    if representative_data is not None:
        calibrate(student, representative_data, steps=calibration_steps)
    return student


def qat_feature_model(model):
    """The distillation view of a QAT student: `{"logits", "hidden_states",
    "attention_scores"}`, sharing its weights (same as `model.feature_model`)."""
    if not is_quantized(model):
        raise QuantizationError(
            f"expected a model from quantize_student, got {type(model).__name__}"
        )
    return model.feature_model


def float_student(model):
    """The float student a QAT model was made from, with the QAT model's current
    (trained) float weights: fake-quant ranges dropped, the float mask constant back."""
    if not is_quantized(model):
        raise QuantizationError(
            f"expected a model from quantize_student, got {type(model).__name__}"
        )
    source = tf_keras.saving.deserialize_keras_object(copy.deepcopy(model._source_config))
    copy_model_weights(model.feature_model, source)
    return source
