"""Student models: the backbone, task heads and architecture presets."""

from tinybert_tf.models.backbone import TinyBertBackbone
from tinybert_tf.models.classifier import TinyBertClassifier
from tinybert_tf.models.presets import PRESETS, get_preset
from tinybert_tf.models.token_classifier import TinyBertTokenClassifier
