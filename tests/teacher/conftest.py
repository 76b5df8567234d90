"""Tiny keras-hub BERT teachers and inputs shared by the teacher tests."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

TINY = dict(vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
            max_sequence_length=32)


def make_backbone(dropout=0.0, seed=0, **overrides):
    """A tiny random BertBackbone (vocab 100, 2 layers, hidden 16, 2 heads)."""
    keras.utils.set_random_seed(seed)
    return keras_hub.models.BertBackbone(**{**TINY, **overrides}, dropout=dropout)


def make_inputs(batch=3, seq=8, seed=1, vocabulary_size=100):
    """int32 inputs with [CLS]-like id 1 first, two segments and right padding."""
    rng = np.random.default_rng(seed)
    token_ids = rng.integers(5, vocabulary_size, size=(batch, seq)).astype("int32")
    token_ids[:, 0] = 1
    lengths = np.linspace(seq, max(2, seq // 2), batch).astype(int)
    padding_mask = (np.arange(seq)[None, :] < lengths[:, None]).astype("int32")
    segment_ids = ((np.arange(seq)[None, :] >= lengths[:, None] // 2) * padding_mask).astype("int32")
    token_ids = token_ids * padding_mask
    return {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": padding_mask}


@pytest.fixture
def tiny_backbone():
    return make_backbone()


@pytest.fixture
def tiny_inputs():
    return make_inputs()


@pytest.fixture
def backbone_factory():
    """`make_backbone` for tests that need several or non-default backbones."""
    return make_backbone


@pytest.fixture
def inputs_factory():
    return make_inputs
