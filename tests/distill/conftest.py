"""A tiny teacher/student pair and data for the distillation tests.

The teacher is a 4-layer, 32-wide, 4-head TinyBERT wrapped to honour the
`TeacherFeatures` contract; the student is 2 layers, 16 wide, 2 heads, so the
tests exercise projections, a non-trivial layer map and different head counts.
"""
import numpy as np
import pytest
import tensorflow as tf
import tf_keras

import tinybert_tf as tb
from tests.helpers import tiny_backbone
from tinybert_tf.constants import IGNORE_LABEL, PADDING_MASK, SEGMENT_IDS, TOKEN_IDS

SEQ = 16
NUM_LABELS = 3


class FeatureTeacher:
    """A TinyBERT task model seen through the `TeacherFeatures` interface."""

    def __init__(self, model):
        self.model = model
        out = model.feature_model.output
        self.num_layers = len(out["hidden_states"]) - 1
        self.hidden_dim = out["hidden_states"][0].shape[-1]
        self.num_heads = out["attention_scores"][0].shape[1]

    def __call__(self, inputs):
        out = self.model.feature_model(inputs, training=False)
        return {"embedding_output": out["hidden_states"][0], **out}


def build_pair(seed=0, token_level=False):
    """(student, teacher) with deterministic initial weights and no dropout."""
    tf_keras.utils.set_random_seed(seed)
    head = ((lambda bb: tb.TinyBertTokenClassifier(bb, num_labels=NUM_LABELS, dropout=0.0))
            if token_level else
            (lambda bb: tb.TinyBertClassifier(bb, num_classes=NUM_LABELS, dropout=0.0)))
    teacher = head(tiny_backbone(num_layers=4, hidden_dim=32, num_heads=4, intermediate_dim=64))
    student = head(tiny_backbone())
    return student, FeatureTeacher(teacher)


def make_arrays(n=16, seq=SEQ, vocab=100, seed=0, token_level=False):
    """Features with varied padding and labels (IGNORE_LABEL at padded tokens)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, seq + 1, n)
    mask = (np.arange(seq)[None, :] < lengths[:, None]).astype("int32")  # [N, S]
    ids = rng.integers(1, vocab, (n, seq)).astype("int32") * mask
    features = {TOKEN_IDS: ids, SEGMENT_IDS: np.zeros_like(ids), PADDING_MASK: mask}
    if token_level:
        labels = np.where(mask > 0, rng.integers(0, NUM_LABELS, (n, seq)), IGNORE_LABEL)
    else:
        labels = rng.integers(0, NUM_LABELS, n)
    return features, labels.astype("int32")


def make_dataset(n=16, batch=8, seed=0, token_level=False):
    """A fixed-order tf.data of (features, labels) batches."""
    features, labels = make_arrays(n, seed=seed, token_level=token_level)
    return tf.data.Dataset.from_tensor_slices((features, labels)).batch(batch)


@pytest.fixture
def pair():
    return build_pair()


@pytest.fixture
def dataset():
    return make_dataset()
