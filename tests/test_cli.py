"""The CLI: one-line errors with a non-zero exit and no traceback, --help for every step."""
import subprocess
import sys

import pytest

from tinybert_tf.cli import STEP_HELP, build_parser


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "tinybert_tf.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("step", list(STEP_HELP))
def test_every_step_has_help(step, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([step, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--task" in out and "--sequence-length" in out and "--force" in out


def test_unknown_task_is_one_line_error(tmp_path):
    result = _cli("teacher", "--task", "no_such_task", "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("tinybert-tf:")]
    assert len(errors) == 1 and "no_such_task" in errors[0]


def test_empty_data_file_names_the_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = _cli("teacher", "--task", str(empty), "--out", str(tmp_path / "run"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "empty.csv" in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    result = _cli("teacher", "--task", "no_such_task", "--out", str(tmp_path / "r"), "--debug")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_bad_config_file(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    result = _cli("pipeline", "--config", str(bad))
    assert result.returncode == 2 and "config.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_student_wider_than_the_teacher_is_refused_before_training(tmp_path, capsys):
    from tinybert_tf.cli import main

    out = tmp_path / "run"
    code = main(["pipeline", "--task", "bbc_news", "--out", str(out),
                 "--student", "tinybert_6l_768d"])  # 768 wide; the bundled teacher is 384
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "config.json: the student cannot start from this teacher's weights" in err[0]
    assert "hidden_dim 768 > 384" in err[0] and "--student-init random" in err[0]
    assert not (out / "teacher").exists()  # nothing ran


def test_options_parse_to_the_config_types():
    from tinybert_tf.cli import config_from_args

    args = build_parser().parse_args(
        ["pipeline", "--teacher-lr", "3e-4", "--limit", "48", "--sequence-length", "64",
         "--teacher", "some/folder", "--variants", "fp32", "int8_qat"])
    config = config_from_args(args)
    assert config.teacher_lr == 3e-4 and config.limit == 48 and config.sequence_length == 64
    assert config.teacher == "some/folder" and config.variants == ("fp32", "int8_qat")
    assert config_from_args(build_parser().parse_args(["pipeline"])).teacher_lr is None
    zeros = config_from_args(build_parser().parse_args(
        ["distill", "--intermediate-epochs", "0", "--alpha", "0", "--augment", "0"]))
    assert zeros.intermediate_epochs == 0 and zeros.alpha == 0.0 and zeros.augment == 0
    assert config_from_args(build_parser().parse_args(["pipeline", "--quick"])).quick is True
