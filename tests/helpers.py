"""Small builders shared by tests: tiny students and in-vocabulary inputs."""

import numpy as np

import tinybert_tf as tb


def make_inputs(batch=2, seq=8, vocab=100, seed=0, pad_last=2):
    """Random in-vocabulary token ids; the last `pad_last` positions of row 0 are padding."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocab, (batch, seq)).astype("int32")
    mask = np.ones_like(ids)
    if pad_last:
        mask[0, -pad_last:] = 0
        ids[0, -pad_last:] = 0
    segments = np.zeros_like(ids)
    segments[:, seq // 2 :] = 1
    return {"token_ids": ids, "segment_ids": segments * mask, "padding_mask": mask}


def tiny_backbone(**kwargs):
    """A 2-layer, 16-wide student without dropout (deterministic outputs)."""
    config = dict(
        vocabulary_size=100,
        num_layers=2,
        hidden_dim=16,
        num_heads=2,
        intermediate_dim=32,
        dropout=0.0,
    )
    config.update(kwargs)
    return tb.TinyBertBackbone(**config)


def save_teacher_preset(folder, vocabulary, seed=0, **dims):
    """A random keras-hub BERT teacher + tokenizer saved as a preset folder (a teacher source).

    `dims`: BertBackbone sizes (num_layers, num_heads, hidden_dim, intermediate_dim,
    max_sequence_length); the vocabulary size is `len(vocabulary)`.
    """
    import keras
    import keras_hub

    keras.utils.set_random_seed(seed)
    keras_hub.models.BertBackbone(vocabulary_size=len(vocabulary), **dims).save_to_preset(str(folder))
    keras_hub.models.BertTokenizer(vocabulary=vocabulary, lowercase=True).save_to_preset(str(folder))
    return folder
