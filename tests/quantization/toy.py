"""Tiny students trained a few steps on toy tasks, shared by the quantization and lite tests.

Cached: each is trained once per test session. Tests must not train them further
(`fresh_*` give private copies for that).
"""

import functools

import numpy as np
import tf_keras

import tinybert_tf as tb
from tests.helpers import tiny_backbone
from tinybert_tf.constants import IGNORE_LABEL
from tinybert_tf.quantization import quantize_student

SEQ = 16
VOCAB = 60
MARKER = 5  # class 1 iff this token sits right after [CLS]


def toy_inputs(n=64, seed=0):
    """Random in-vocabulary rows with [CLS]-like id 1 first and random padding."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(6, VOCAB, (n, SEQ)).astype("int32")
    ids[:, 0] = 1
    lengths = rng.integers(SEQ // 2, SEQ + 1, n)
    mask = (np.arange(SEQ)[None, :] < lengths[:, None]).astype("int32")
    return {"token_ids": ids * mask, "segment_ids": np.zeros_like(ids), "padding_mask": mask}


def classification_data(n=64, seed=0):
    x = toy_inputs(n, seed)
    rng = np.random.default_rng(seed + 1)
    labels = rng.integers(0, 2, n).astype("int32")
    x["token_ids"][labels == 1, 1] = MARKER
    return x, labels


def tagging_data(n=64, seed=0):
    x = toy_inputs(n, seed)
    labels = (x["token_ids"] % 3).astype("int32")
    labels[x["padding_mask"] == 0] = IGNORE_LABEL
    labels[:, 0] = IGNORE_LABEL
    return x, labels


def representative(seed=100, batches=4):
    """A representative-data callable: inputs drawn like the training split (with and
    without the classifier's marker), as callers draw them from their training data."""
    return lambda: [classification_data(16, seed + i)[0] for i in range(batches)]


def _compile(model, learning_rate=3e-3):
    model.compile(
        tf_keras.optimizers.Adam(learning_rate),
        tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=IGNORE_LABEL),
    )
    return model


def fresh_classifier(**backbone):
    return tb.TinyBertClassifier(tiny_backbone(vocabulary_size=VOCAB, **backbone), 2, dropout=0.0)


def fresh_tagger(**backbone):
    return tb.TinyBertTokenClassifier(
        tiny_backbone(vocabulary_size=VOCAB, **backbone), 3, dropout=0.0
    )


@functools.cache
def trained(kind, epochs=10):
    """A float student ("classifier" or "tagger") trained on its toy task."""
    tf_keras.utils.set_random_seed(0)
    model = fresh_classifier() if kind == "classifier" else fresh_tagger()
    x, y = classification_data(256) if kind == "classifier" else tagging_data(256)
    _compile(model).fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return model


@functools.cache
def qat_trained(kind, scheme, epochs=1):
    """`trained(kind)` quantized with `scheme`, calibrated, then QAT-trained on labels."""
    tf_keras.utils.set_random_seed(1)
    qat = quantize_student(trained(kind), scheme, representative_data=representative())
    x, y = classification_data(128, seed=3) if kind == "classifier" else tagging_data(128, seed=3)
    _compile(qat, 3e-4).fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return qat


@functools.cache
def converted(kind, variant):
    """(Keras model, .tflite bytes): int8_qat / int8_full from `qat_trained`, the
    post-training variants from `trained`."""
    from tinybert_tf.lite import convert

    model = qat_trained(kind, variant) if variant in ("int8_qat", "int8_full") else trained(kind)
    return model, convert(model, variant, SEQ, representative_data=representative())
