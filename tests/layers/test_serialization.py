"""Every layer's constructor arguments are its config: get_config / from_config round-trips."""

import numpy as np
import pytest
import tf_keras

from tinybert_tf.layers import (
    AttentionBias,
    FeedForward,
    MultiHeadSelfAttention,
    NoNorm,
    Pooler,
    TinyBertEmbeddings,
    TinyBertEncoderBlock,
)

LAYERS = [
    TinyBertEmbeddings(50, 8, max_sequence_length=16, dropout=0.0, normalization="nonorm"),
    AttentionBias(mask_value=-100.0),
    MultiHeadSelfAttention(2, 8, dropout=0.0),
    FeedForward(8, 16, activation="relu"),
    TinyBertEncoderBlock(2, 8, 16, dropout=0.0, activation="gelu_approximate"),
    Pooler(8),
    NoNorm(),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    restored = tf_keras.layers.deserialize(tf_keras.layers.serialize(layer))
    assert type(restored) is type(layer) and restored.get_config() == config


def test_nonorm_is_elementwise_affine():
    layer = NoNorm()
    x = np.arange(6, dtype="float32").reshape(1, 2, 3)
    layer.build(x.shape)
    layer.gamma.assign([1.0, 2.0, 3.0])
    layer.beta.assign([0.5, 0.0, -1.0])
    np.testing.assert_allclose(layer(x).numpy(), x * [1.0, 2.0, 3.0] + [0.5, 0.0, -1.0])


def test_embeddings_sum_of_tables():
    layer = TinyBertEmbeddings(10, 4, max_sequence_length=6, dropout=0.0, normalization="nonorm")
    ids = np.array([[1, 2, 3]], "int32")
    seg = np.array([[0, 1, 1]], "int32")
    out = layer({"token_ids": ids, "segment_ids": seg}).numpy()
    tok = layer.token_embedding.embeddings.numpy()[ids[0]]
    segm = layer.segment_embedding.embeddings.numpy()[seg[0]]
    pos = layer.position_embeddings.numpy()[:3]
    np.testing.assert_allclose(out[0], tok + segm + pos, rtol=1e-6)  # NoNorm starts as identity


def test_unknown_activation_and_normalization():
    with pytest.raises(ValueError, match="activation"):
        FeedForward(8, 16, activation="swishy")
    with pytest.raises(ValueError, match="normalization"):
        TinyBertEncoderBlock(2, 8, 16, normalization="batchnorm")
