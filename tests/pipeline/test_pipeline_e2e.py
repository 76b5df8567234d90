"""`tinybert-tf pipeline --quick` end to end, with the bundled teacher and real data."""
import json
import subprocess
import sys

import pytest

from tinybert_tf.pipeline import VARIANTS


@pytest.mark.slow
@pytest.mark.parametrize("task, metric", [("bbc_news", "accuracy"), ("wnut_ner", "f1")])
def test_quick_pipeline_reports_every_variant(tmp_path, task, metric):
    out = tmp_path / task
    result = subprocess.run(
        [sys.executable, "-m", "tinybert_tf.cli", "pipeline", "--quick", "--task", task,
         "--out", str(out), "--limit", "24", "--sequence-length", "32"],
        capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == task and report["metric_name"] == metric
    variants = {row["variant"]: row for row in report["models"]}
    assert set(variants) == set(VARIANTS) | {"teacher_fp32"}
    for name, row in variants.items():
        assert 0.0 <= row["metric"] <= 1.0, name
        assert row["size_bytes"] > 0 and row["p50_ms"] > 0 and row["p90_ms"] >= row["p50_ms"]
        assert (out / "models" / row["path"].split("/")[-1]).is_file()
    # int8 files are about a quarter of fp32 (the embedding table too is int8).
    assert variants["int8_qat"]["size_bytes"] < 0.3 * variants["fp32"]["size_bytes"]
    assert (out / "report.md").read_text().count("| student ") == len(VARIANTS)
    assert (out / "pareto.png").is_file()
    # A second run reuses every finished step.
    again = subprocess.run(
        [sys.executable, "-m", "tinybert_tf.cli", "pipeline", "--config",
         str(out / "config.json")], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("reusing finished step") == 7
