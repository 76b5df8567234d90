"""Pipeline steps: the teacher step repeats run to run with the same seed."""
import numpy as np

from tests.helpers import save_teacher_preset
from tinybert_tf.pipeline import PipelineConfig, run_pipeline

WORDS = ["the", "film", "plot", "was", "very", "good", "bad", "dull", "great", "not"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]


def _teacher_weights(root, name, seed):
    from tinybert_tf.teacher import load_fine_tuned_teacher

    config = PipelineConfig(task=str(root / "task.csv"), teacher=str(root / "teacher"),
                            out=str(root / name), sequence_length=16, batch_size=8,
                            teacher_epochs=2, seed=seed)
    run_pipeline(config, only=["teacher"], log=lambda *args: None)
    return load_fine_tuned_teacher(root / name / "teacher").get_weights()


def test_same_seed_same_fine_tuned_teacher(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYBERT_TF_CACHE", str(tmp_path / "cache"))
    save_teacher_preset(tmp_path / "teacher", VOCAB, num_layers=1, num_heads=2, hidden_dim=16,
                        intermediate_dim=32, max_sequence_length=32)
    rng = np.random.default_rng(0)
    rows = [f"{' '.join(rng.choice(WORDS, 6))},{'pos' if i % 2 else 'neg'}" for i in range(48)]
    (tmp_path / "task.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
    first = _teacher_weights(tmp_path, "a", seed=1)
    again = _teacher_weights(tmp_path, "b", seed=1)
    for a, b in zip(first, again):  # head init, dropout masks and batch order are seeded
        np.testing.assert_array_equal(a, b)
    other = _teacher_weights(tmp_path, "c", seed=2)
    assert any(not np.allclose(a, b) for a, b in zip(first, other))
