"""tinybert_tf: distil BERT into TinyBERT students and ship them as int8 TFLite models."""

import importlib

# Everything loads on first use: `import tinybert_tf` stays cheap, and a subpackage
# that pulls in heavy dependencies (keras-hub, tfmot) costs nothing until touched.
_CLASSES = {
    "TinyBertBackbone": "tinybert_tf.models.backbone",
    "TinyBertClassifier": "tinybert_tf.models.classifier",
    "TinyBertTokenClassifier": "tinybert_tf.models.token_classifier",
}
_SUBPACKAGES = ("data", "teacher", "distill", "quantization", "lite", "layers", "models")


def __getattr__(name):
    if name in _CLASSES:
        return getattr(importlib.import_module(_CLASSES[name]), name)
    if name in _SUBPACKAGES:
        return importlib.import_module(f"tinybert_tf.{name}")
    raise AttributeError(f"module 'tinybert_tf' has no attribute {name!r}")


__all__ = [*_CLASSES, *_SUBPACKAGES]
