"""Same seed, same distilled student: the run-to-run randomness of distillation is seeded.

The split (tests/data/test_splits.py) and the augmented data (tests/distill/test_augment.py)
have their own same-seed tests. This one covers the rest of what the pipeline's distill
step seeds with `tf_keras.utils.set_random_seed(seed)`: the student's initial weights,
its dropout masks, and the order of the shuffled training batches, which
`tinybert_tf.data.make_dataset` reshuffles every epoch.
"""
import numpy as np
import tf_keras

import tinybert_tf as tb
from tests.distill.conftest import NUM_LABELS, FeatureTeacher
from tests.helpers import tiny_backbone
from tinybert_tf.data import Example, Tokenizer, make_dataset
from tinybert_tf.distill import distill_task

WORDS = ["the", "film", "plot", "was", "very", "good", "bad", "dull", "great", "not"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]


def _examples(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return [Example(text=" ".join(rng.choice(WORDS, int(rng.integers(3, 9)))),
                    label=int(rng.integers(NUM_LABELS)), uid=f"row:{i}") for i in range(n)]


def _distil(tmp_path, name, seed):
    """Final student weights of a two-stage distillation, seeded as the pipeline does."""
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(VOCAB) + "\n")
    tokenizer = Tokenizer(vocab, sequence_length=16)
    tf_keras.utils.set_random_seed(0)  # one fixed teacher for every run
    teacher = FeatureTeacher(tb.TinyBertClassifier(
        tiny_backbone(vocabulary_size=len(VOCAB), num_layers=4, hidden_dim=32, num_heads=4,
                      intermediate_dim=64), NUM_LABELS, dropout=0.0))
    tf_keras.utils.set_random_seed(seed)
    student = tb.TinyBertClassifier(  # dropout on, as in the real student
        tiny_backbone(vocabulary_size=len(VOCAB), dropout=0.1), NUM_LABELS, dropout=0.1)
    initial = student.get_weights()
    train = make_dataset(_examples(), tokenizer, "classification", batch_size=8, shuffle=True,
                         seed=seed)
    distill_task((student, teacher), train, None, str(tmp_path / name), intermediate_epochs=2,
                 prediction_epochs=2, intermediate_lr=1e-2, prediction_lr=1e-2, keep="last",
                 verbose=0)
    final = student.get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(initial, final))  # it trained
    return final


def test_same_seed_same_student_weights(tmp_path):
    first = _distil(tmp_path, "a", seed=3)
    again = _distil(tmp_path, "b", seed=3)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    other = _distil(tmp_path, "c", seed=4)
    assert any(not np.allclose(a, b) for a, b in zip(first, other))
