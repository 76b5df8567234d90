"""A tiny pipeline run folder (tiny keras-hub teacher preset, tiny distilled student) for
the comparison benchmark: the same code path as `make bench --run`, in seconds."""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

SEQ = 16
# Special tokens first, then common English words, so BBC text maps to real ids.
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "of", "to", "and", "in",
         "said", "it", "for", "is", "on", "was", "he", "that", "with", "as", "by", "at", "."]


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """runs/<tiny>/: config.json (teacher = a tiny keras-hub preset, sequence 16) and
    distill/student.keras (2 layers, hidden 16)."""
    import keras
    import keras_hub
    import tf_keras

    import tinybert_tf as tb

    root = tmp_path_factory.mktemp("bench_run")
    preset = str(root / "teacher_preset")
    keras.utils.set_random_seed(0)
    keras_hub.models.BertBackbone(vocabulary_size=len(VOCAB), num_layers=2, num_heads=2,
                                  hidden_dim=16, intermediate_dim=32,
                                  max_sequence_length=32).save_to_preset(preset)
    keras_hub.models.BertTokenizer(vocabulary=VOCAB, lowercase=True).save_to_preset(preset)
    tf_keras.utils.set_random_seed(0)
    backbone = tb.TinyBertBackbone(vocabulary_size=len(VOCAB), num_layers=2, hidden_dim=16,
                                   num_heads=2, intermediate_dim=32, max_sequence_length=32)
    os.makedirs(root / "distill")
    tb.TinyBertClassifier(backbone, 3).save(str(root / "distill" / "student.keras"))
    with open(root / "config.json", "w") as f:
        json.dump({"task": "bbc_news", "teacher": preset, "sequence_length": SEQ}, f)
    return str(root)
