"""Examples -> model inputs: numpy arrays (`encode_examples`) and batched `tf.data` (`make_dataset`)."""
import numpy as np

from tinybert_tf.constants import INPUT_NAMES
from tinybert_tf.data.examples import CLASSIFICATION, KINDS, PAIR_CLASSIFICATION, TOKEN_CLASSIFICATION


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"unknown task kind {kind!r}: use one of {', '.join(KINDS)}")


def encode_examples(examples, tokenizer, kind):
    """Tokenize labelled examples.

    Args:
        examples: `Example`s of one task.
        tokenizer: a `Tokenizer`.
        kind: "classification", "pair_classification" or "token_classification".

    Returns:
        (features, labels): features = dict of np.int32 [N, S] with the model inputs
        (token_ids, segment_ids, padding_mask); labels = np.int32 [N] (class index)
        or [N, S] for token classification (IGNORE_LABEL off first word pieces).
        Use `tokenizer.encode_words` for the word_ids that map pieces back to words.
    """
    _check_kind(kind)
    examples = list(examples)
    if kind == TOKEN_CLASSIFICATION:
        missing = [e.uid for e in examples if e.words is None or e.tags is None]
        if missing:
            raise ValueError(f"example {missing[0]!r} has no words/tags for {kind}")
        features, labels = tokenizer.encode_words([e.words for e in examples], [e.tags for e in examples])
    else:
        missing = [e.uid for e in examples if e.text is None or e.label is None]
        missing += [e.uid for e in examples if kind == PAIR_CLASSIFICATION and e.text_pair is None]
        if missing:
            needed = "text/label" if kind == CLASSIFICATION else "text/text_pair/label"
            raise ValueError(f"example {missing[0]!r} has no {needed} for {kind}")
        pairs = [e.text_pair for e in examples] if kind == PAIR_CLASSIFICATION else None
        features = tokenizer.encode([e.text for e in examples], pairs)
        labels = np.array([e.label for e in examples], np.int32).reshape(-1)  # [N]
    return {name: features[name] for name in INPUT_NAMES}, labels.astype(np.int32)


def make_dataset(examples, tokenizer, kind, batch_size=32, shuffle=False, seed=0, repeat=False,
                 drop_remainder=False, extra_features=None):
    """A `tf.data.Dataset` of (features, labels) batches, prefetched.

    Features: dict of int32 [B, S]; labels: int32 [B], or [B, S] for token
    classification. With `shuffle`, the order is reshuffled every epoch from `seed`
    (the same seed gives the same sequence of epochs). `repeat` loops forever.
    `extra_features`: more per-example arrays (first axis = examples) carried in the
    features dict, e.g. precomputed `teacher_logits`.
    """
    import tensorflow as tf

    features, labels = encode_examples(examples, tokenizer, kind)
    for name, values in (extra_features or {}).items():
        if name in features or len(values) != len(labels):
            raise ValueError(f"extra feature {name!r}: {len(values)} rows for {len(labels)} "
                             "examples, or a name the inputs already use")
        features[name] = values
    dataset = tf.data.Dataset.from_tensor_slices((features, labels))
    if shuffle:
        dataset = dataset.shuffle(max(len(labels), 1), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)
