"""Turns a padding mask into the additive attention bias every block shares."""

import tensorflow as tf
import tf_keras


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class AttentionBias(tf_keras.layers.Layer):
    """padding_mask [B, S] (1 = token, 0 = pad) -> bias [B, 1, 1, S]: 0 or `mask_value`.

    A moderate `mask_value` (-10000, as in BERT) keeps masked scores finite, so the
    attention-score tensor has a range an int8 quantizer can still represent.
    """

    def __init__(self, mask_value=-10000.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def call(self, padding_mask):
        mask = tf.cast(padding_mask, self.compute_dtype)  # [B, S]
        return ((1.0 - mask) * self.mask_value)[:, None, None, :]  # [B, 1, 1, S]

    def get_config(self):
        config = super().get_config()
        config.update(mask_value=self.mask_value)
        return config
