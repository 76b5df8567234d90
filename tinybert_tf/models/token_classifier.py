"""Token classification (one label per word piece, e.g. NER)."""

import tf_keras

from tinybert_tf.layers.initializers import truncated_normal
from tinybert_tf.models.task_model import TinyBertTaskModel


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class TinyBertTokenClassifier(TinyBertTaskModel):
    """backbone sequence_output [B, S, H] -> dropout -> Dense -> {"logits": [B, S, num_labels]}."""

    def __init__(self, backbone, num_labels, dropout=0.1, **kwargs):
        if not isinstance(num_labels, int) or num_labels < 2:
            raise ValueError(f"num_labels must be an integer >= 2, got {num_labels!r}")
        x = tf_keras.layers.Dropout(dropout, name="token_classifier_dropout")(
            backbone.output["sequence_output"]
        )
        logits = tf_keras.layers.Dense(
            num_labels,
            name="logits",
            kernel_initializer=truncated_normal(backbone.initializer_range),
        )(x)  # [B, S, C]
        super().__init__(backbone, logits, {"num_labels": num_labels, "dropout": dropout}, **kwargs)
        self.num_labels = num_labels
