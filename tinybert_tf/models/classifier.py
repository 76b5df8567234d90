"""Sequence classification (single sentences and sentence pairs)."""

import tf_keras

from tinybert_tf.layers.initializers import truncated_normal
from tinybert_tf.models.task_model import TinyBertTaskModel


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class TinyBertClassifier(TinyBertTaskModel):
    """backbone pooled_output [B, H] -> dropout -> Dense -> {"logits": [B, num_classes]}.

    Sentence pairs are told apart by `segment_ids` (0 first, 1 second).
    """

    def __init__(self, backbone, num_classes, dropout=0.1, **kwargs):
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        x = tf_keras.layers.Dropout(dropout, name="classifier_dropout")(
            backbone.output["pooled_output"]
        )
        logits = tf_keras.layers.Dense(
            num_classes,
            name="logits",
            kernel_initializer=truncated_normal(backbone.initializer_range),
        )(x)  # [B, C]
        super().__init__(
            backbone, logits, {"num_classes": num_classes, "dropout": dropout}, **kwargs
        )
        self.num_classes = num_classes
