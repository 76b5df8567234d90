"""Sequence classification (single sentences and sentence pairs)."""

import tf_keras

from tinybert_tf.models.task_model import TinyBertTaskModel


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class TinyBertClassifier(TinyBertTaskModel):
    """backbone pooled_output [B, H] -> dropout -> Dense -> {"logits": [B, num_classes]}.

    Sentence pairs are told apart by `segment_ids` (0 first, 1 second).
    """

    def __init__(self, backbone, num_classes, dropout=0.1, **kwargs):
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        super().__init__(
            backbone, backbone.output["pooled_output"], num_classes, dropout,
            "classifier_dropout", {"num_classes": num_classes, "dropout": dropout}, **kwargs
        )  # logits [B, C]
        self.num_classes = num_classes
