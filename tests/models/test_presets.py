import pytest

import tinybert_tf as tb
from tinybert_tf.models import PRESETS


def _expected_params(vocab, layers, hidden, ffn, max_pos=512, segments=2):
    """Parameter count of a BERT-style encoder, written out by hand."""
    embeddings = (vocab + max_pos + segments) * hidden + 2 * hidden
    attention = 4 * (hidden * hidden + hidden)
    feed_forward = hidden * ffn + ffn + ffn * hidden + hidden
    norms = 2 * 2 * hidden
    pooler = hidden * hidden + hidden
    return embeddings + layers * (attention + feed_forward + norms) + pooler


def test_tinybert4_has_14_5m_parameters():
    backbone = tb.TinyBertBackbone.from_preset("tinybert_4l_312d", vocabulary_size=30522)
    count = backbone.count_params()
    assert count == _expected_params(30522, 4, 312, 1200)
    assert abs(count - 14.5e6) / 14.5e6 < 0.02  # the paper's 14.5M


@pytest.mark.slow
def test_tinybert6_has_67m_parameters():
    backbone = tb.TinyBertBackbone.from_preset("tinybert_6l_768d", vocabulary_size=30522)
    count = backbone.count_params()
    assert count == _expected_params(30522, 6, 768, 3072)
    assert abs(count - 67e6) / 67e6 < 0.01


def test_presets_are_consistent():
    for name, arch in PRESETS.items():
        assert arch["hidden_dim"] % arch["num_heads"] == 0, name


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(ValueError, match="tinybert_4l_312d"):
        tb.TinyBertBackbone.from_preset("tinybert_9l_999d")


def test_preset_overrides():
    backbone = tb.TinyBertBackbone.from_preset(
        "tinybert_2l_128d", vocabulary_size=99, num_layers=1, activation="relu"
    )
    assert backbone.num_layers == 1 and backbone.vocabulary_size == 99
    assert backbone.activation == "relu"
