"""docs/update_readme.py puts a run's report table into the README block, nothing else."""
import importlib.util
import json
import os

import pytest

from tinybert_tf.pipeline.report import markdown

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _module():
    spec = importlib.util.spec_from_file_location(
        "update_readme", os.path.join(ROOT, "docs", "update_readme.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_run(run_dir):
    row = dict(name="student int8_qat", variant="int8_qat", kind="student", params=14_360_000,
               size_bytes=14_410_000, metric=0.9731, argmax_agreement=0.996, p50_ms=15.5,
               p90_ms=17.0, speedup_vs_teacher=2.5, path="x")
    report = {"task": "bbc_news", "kind": "classification", "metric_name": "accuracy",
              "dataset": {"train": 10, "validation": 2, "test": 2},
              "teacher": {"params": 22_700_000, "metric": 0.99},
              "student_keras": {"params": 14_350_000, "metric": 0.9731, "train_examples": 10},
              "models": [row], "settings": {"task": "bbc_news"},
              "resolved_settings": {"sequence_length": 64, "bench_threads": 1}}
    os.makedirs(os.path.join(run_dir, "teacher"))
    with open(os.path.join(run_dir, "report.md"), "w") as f:
        f.write(markdown(report, {"pareto": os.path.join(run_dir, "pareto.png")}))
    with open(os.path.join(run_dir, "teacher", "DONE.json"), "w") as f:
        json.dump({"seconds": 90.0}, f)
    with open(os.path.join(run_dir, "config.json"), "w") as f:
        json.dump({"sequence_length": 64, "teacher_epochs": 1}, f)
    with open(os.path.join(run_dir, "pareto.png"), "wb") as f:
        f.write(b"png")


def _update(tmp_path, readme_text, *args):
    """Runs the script on a fake run and a README holding `readme_text`; (new text, docs)."""
    run_dir, docs = str(tmp_path / "run"), tmp_path / "docs"
    docs.mkdir()
    _fake_run(run_dir)
    readme = tmp_path / "README.md"
    readme.write_text(readme_text)
    _module().main([run_dir, "--readme", str(readme), "--docs", str(docs), *args])
    return readme.read_text(), docs


def test_replaces_only_the_marked_block_and_copies_plots(tmp_path):
    text, docs = _update(tmp_path, "intro\n<!-- demo-report:begin -->\nold table\n"
                         "<!-- demo-report:end -->\noutro\n")
    assert text.startswith("intro\n<!-- demo-report:begin -->\nGenerated from")
    assert text.endswith("<!-- demo-report:end -->\noutro\n")
    assert "old table" not in text
    assert "| student int8_qat | 14.4M | 14.41 | 0.9731 | 0.996 | 15.50 | 17.00 | 2.5x |" in text
    assert "1.5 minutes" in text and "sequence_length=64, teacher_epochs=1" in text
    assert (docs / "demo_pareto.png").read_bytes() == b"png"


def test_readme_without_markers_is_refused(tmp_path):
    run_dir = str(tmp_path / "run")
    _fake_run(run_dir)
    readme = tmp_path / "README.md"
    readme.write_text("no block\n")
    with pytest.raises(SystemExit, match="no <!-- demo-report:begin -->"):
        _module().main([run_dir, "--readme", str(readme), "--docs", str(tmp_path)])


def test_named_block_and_its_plots(tmp_path):
    readme = ("<!-- demo-report:begin -->\ndemo\n<!-- demo-report:end -->\n"
              "<!-- ner-report:begin -->\nold\n<!-- ner-report:end -->\n")
    text, docs = _update(tmp_path, readme, "--block", "ner")
    assert text.startswith("<!-- demo-report:begin -->\ndemo\n<!-- demo-report:end -->\n")
    assert "old" not in text and "| student int8_qat |" in text
    assert sorted(os.listdir(docs)) == ["ner_pareto.png"]


@pytest.mark.parametrize("block", ["demo", "ner"])
def test_the_readme_has_the_block(block):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    assert text.count(f"<!-- {block}-report:begin -->") == 1
    assert f"<!-- {block}-report:end -->" in text
