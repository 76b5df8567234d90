"""tinybert_tf: distil BERT into TinyBERT students and ship them as int8 TFLite models."""
import importlib

from tinybert_tf.models.backbone import TinyBertBackbone
from tinybert_tf.models.classifier import TinyBertClassifier
from tinybert_tf.models.token_classifier import TinyBertTokenClassifier

# Subpackages that pull in heavy dependencies (keras-hub, tfmot) load on first use.
_LAZY = ("data", "teacher", "distill", "quantization", "lite", "layers", "models")


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f"tinybert_tf.{name}")
    raise AttributeError(f"module 'tinybert_tf' has no attribute {name!r}")


__all__ = ["TinyBertBackbone", "TinyBertClassifier", "TinyBertTokenClassifier", *_LAZY]
