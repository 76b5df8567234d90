import dataclasses

import pytest

from tinybert_tf.pipeline import VARIANTS, PipelineConfig


def test_save_load_round_trip(tmp_path):
    config = PipelineConfig(task="x.csv", out=str(tmp_path), augment=3, variants=("fp32",))
    config.save(tmp_path / "config.json")
    assert PipelineConfig.load(tmp_path / "config.json") == config


def test_quick_shrinks_data_and_training_not_the_model():
    quick = PipelineConfig(quick=True).resolved()
    full = PipelineConfig()
    assert quick.student == full.student and quick.variants == VARIANTS
    assert quick.limit == 48 and quick.teacher_epochs == 1 and quick.sequence_length == 64
    assert PipelineConfig().resolved() is not None and full.resolved() == full


def test_bad_values_raise():
    with pytest.raises(ValueError, match="unknown variants"):
        PipelineConfig(variants=("int4",))
    with pytest.raises(ValueError, match="sequence_length"):
        PipelineConfig(sequence_length=0)
    with pytest.raises(ValueError, match="alpha"):
        PipelineConfig(alpha=1.5)


def test_unknown_keys_in_a_saved_config(tmp_path):
    (tmp_path / "c.json").write_text('{"task": "bbc_news", "colour": "red"}')
    with pytest.raises(ValueError, match="colour"):
        PipelineConfig.load(tmp_path / "c.json")


def test_every_field_has_help():
    helps = PipelineConfig.help_texts()
    assert {f.name for f in dataclasses.fields(PipelineConfig)} <= set(helps)


def test_alpha_and_teacher_lr_default_per_task_kind():
    from tinybert_tf.pipeline.config import ALPHA, TEACHER_LR

    config = PipelineConfig()
    assert config.alpha is None and config.teacher_lr is None  # chosen from the task's kind
    assert ALPHA["classification"] == 1.0 and ALPHA["token_classification"] == 0.5
    assert TEACHER_LR["token_classification"] == 3e-4
    from tinybert_tf.teacher.task_model import KINDS

    assert set(ALPHA) == set(TEACHER_LR) == set(KINDS)  # every task kind has its defaults
    assert config.for_kind("alpha", "token_classification") == 0.5
    assert config.for_kind("teacher_lr", "classification") == 1e-4
    chosen = PipelineConfig(alpha=0.0, teacher_lr=2e-5)
    assert chosen.for_kind("alpha", "token_classification") == 0.0  # 0 is a value, not unset
    assert chosen.for_kind("teacher_lr", "token_classification") == 2e-5
