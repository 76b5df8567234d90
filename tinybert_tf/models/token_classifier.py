"""Token classification (one label per word piece, e.g. NER)."""

import tf_keras

from tinybert_tf.models.task_model import TinyBertTaskModel


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class TinyBertTokenClassifier(TinyBertTaskModel):
    """backbone sequence_output [B, S, H] -> dropout -> Dense -> {"logits": [B, S, num_labels]}."""

    def __init__(self, backbone, num_labels, dropout=0.1, **kwargs):
        if not isinstance(num_labels, int) or num_labels < 2:
            raise ValueError(f"num_labels must be an integer >= 2, got {num_labels!r}")
        super().__init__(
            backbone, backbone.output["sequence_output"], num_labels, dropout,
            "token_classifier_dropout", {"num_labels": num_labels, "dropout": dropout}, **kwargs
        )  # logits [B, S, C]
        self.num_labels = num_labels
