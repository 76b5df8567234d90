"""Shared machinery of the task heads: a flat functional model over the backbone."""

import tf_keras

from tinybert_tf.layers.initializers import truncated_normal
from tinybert_tf.models.backbone import TinyBertBackbone


class TinyBertTaskModel(tf_keras.Model):
    """A head on a backbone, built on the backbone's own symbolic tensors.

    The result is one flat functional graph (no nested model): tfmot's
    `quantize_apply` refuses nested models, and the TFLite converter sees every
    layer. Outputs `{"logits": ...}`; `feature_model` shares the weights and also
    returns the hidden states and pre-softmax attention scores for distillation.
    """

    def __init__(self, backbone, features, num_labels, dropout, dropout_name, head_config,
                 **kwargs):
        x = tf_keras.layers.Dropout(dropout, name=dropout_name)(features)
        logits = tf_keras.layers.Dense(
            num_labels, name="logits",
            kernel_initializer=truncated_normal(backbone.initializer_range))(x)  # [..., C]
        super().__init__(inputs=backbone.input, outputs={"logits": logits}, **kwargs)
        # Not tracked as a sub-layer: its layers already are this model's layers, and a
        # tracked nested model would look like a nested model to tfmot.
        object.__setattr__(self, "_backbone", backbone)
        self._head_config = head_config
        self._feature_model = None

    @property
    def backbone(self):
        return self._backbone

    @property
    def feature_model(self):
        """Same weights; outputs `{"logits", "hidden_states", "attention_scores"}`."""
        if self._feature_model is None:
            out = self.backbone.output
            self._feature_model = tf_keras.Model(
                self.inputs,
                {
                    "logits": self.output["logits"],
                    "hidden_states": out["hidden_states"],
                    "attention_scores": out["attention_scores"],
                },
                name=f"{self.name}_features",
            )
        return self._feature_model

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "backbone": tf_keras.saving.serialize_keras_object(self.backbone),
            **self._head_config,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        backbone = config.pop("backbone")
        if isinstance(backbone, dict):
            backbone = tf_keras.saving.deserialize_keras_object(
                backbone, custom_objects={"TinyBertBackbone": TinyBertBackbone}
            )
        return cls(backbone=backbone, **config)
