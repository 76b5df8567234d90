"""TinyBertBackbone: the student encoder as a functional tf_keras.Model."""

import tf_keras

from tinybert_tf.constants import INPUT_NAMES, PADDING_MASK, SEGMENT_IDS, TOKEN_IDS
from tinybert_tf.layers.activations import ACTIVATIONS
from tinybert_tf.layers.attention_bias import AttentionBias
from tinybert_tf.layers.embeddings import TinyBertEmbeddings
from tinybert_tf.layers.encoder_block import TinyBertEncoderBlock
from tinybert_tf.layers.normalization import NORMALIZATIONS
from tinybert_tf.layers.pooler import Pooler
from tinybert_tf.models.presets import get_preset


def _check_config(
    vocabulary_size,
    num_layers,
    hidden_dim,
    num_heads,
    intermediate_dim,
    max_sequence_length,
    sequence_length,
    activation,
    normalization,
):
    for name, value in [
        ("vocabulary_size", vocabulary_size),
        ("num_layers", num_layers),
        ("hidden_dim", hidden_dim),
        ("num_heads", num_heads),
        ("intermediate_dim", intermediate_dim),
        ("max_sequence_length", max_sequence_length),
    ]:
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if hidden_dim % num_heads:
        raise ValueError(f"hidden_dim ({hidden_dim}) must be divisible by num_heads ({num_heads})")
    if sequence_length is not None and not 1 <= sequence_length <= max_sequence_length:
        raise ValueError(
            f"sequence_length {sequence_length} is outside the position table "
            f"(1..max_sequence_length={max_sequence_length})"
        )
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")


@tf_keras.saving.register_keras_serializable(package="tinybert_tf")
class TinyBertBackbone(tf_keras.Model):
    """TinyBERT encoder.

    Inputs: `{"token_ids", "segment_ids", "padding_mask"}`, int32 [B, S].
    Outputs:
        sequence_output   [B, S, H]
        pooled_output     [B, H]
        hidden_states     list of L+1 [B, S, H], the embedding output first
        attention_scores  list of L [B, heads, S, S], pre-softmax, padded keys at mask_value

    `share_parameters=True` reuses one encoder block for every layer (ALBERT-style).
    `sequence_length` fixes S in the input signature (static shapes for export).
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        hidden_dim,
        num_heads,
        intermediate_dim,
        max_sequence_length=512,
        num_segments=2,
        dropout=0.1,
        activation="gelu",
        normalization="layernorm",
        share_parameters=False,
        sequence_length=None,
        mask_value=-10000.0,
        initializer_range=0.02,
        **kwargs,
    ):
        _check_config(
            vocabulary_size,
            num_layers,
            hidden_dim,
            num_heads,
            intermediate_dim,
            max_sequence_length,
            sequence_length,
            activation,
            normalization,
        )
        inputs = {
            name: tf_keras.Input(shape=(sequence_length,), dtype="int32", name=name)
            for name in INPUT_NAMES
        }
        x = TinyBertEmbeddings(
            vocabulary_size,
            hidden_dim,
            max_sequence_length=max_sequence_length,
            num_segments=num_segments,
            dropout=dropout,
            normalization=normalization,
            initializer_range=initializer_range,
            name="embeddings",
        )({TOKEN_IDS: inputs[TOKEN_IDS], SEGMENT_IDS: inputs[SEGMENT_IDS]})
        bias = AttentionBias(mask_value=mask_value, name="attention_bias")(inputs[PADDING_MASK])

        def make_block(i):
            return TinyBertEncoderBlock(
                num_heads,
                hidden_dim,
                intermediate_dim,
                dropout=dropout,
                activation=activation,
                normalization=normalization,
                initializer_range=initializer_range,
                name="transformer_shared" if share_parameters else f"transformer_layer_{i}",
            )

        shared = make_block(0) if share_parameters else None
        hidden_states, attention_scores = [x], []
        for i in range(num_layers):
            out = (shared or make_block(i))([x, bias])
            x = out["hidden_states"]
            hidden_states.append(x)
            attention_scores.append(out["attention_scores"])
        pooled = Pooler(hidden_dim, initializer_range=initializer_range, name="pooler")(x)
        outputs = {
            "sequence_output": x,
            "pooled_output": pooled,
            "hidden_states": hidden_states,
            "attention_scores": attention_scores,
        }
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout
        self.activation = activation
        self.normalization = normalization
        self.share_parameters = share_parameters
        self.sequence_length = sequence_length
        self.mask_value = mask_value
        self.initializer_range = initializer_range

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary_size": self.vocabulary_size,
            "num_layers": self.num_layers,
            "hidden_dim": self.hidden_dim,
            "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim,
            "max_sequence_length": self.max_sequence_length,
            "num_segments": self.num_segments,
            "dropout": self.dropout,
            "activation": self.activation,
            "normalization": self.normalization,
            "share_parameters": self.share_parameters,
            "sequence_length": self.sequence_length,
            "mask_value": self.mask_value,
            "initializer_range": self.initializer_range,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    @classmethod
    def from_preset(cls, name, vocabulary_size=30522, **overrides):
        """A student from a named architecture; keyword arguments override it."""
        return cls(vocabulary_size=vocabulary_size, **{**get_preset(name), **overrides})
