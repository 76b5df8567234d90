"""`make bench` end to end on a tiny run folder: the same code path, tiny shapes, few runs.

The end-to-end run is marked slow: building the six models (int8_qat goes through tfmot)
takes about a minute even at hidden 16."""
import json
import os

import pytest

from benchmarks import candidates, onnx_twin
from benchmarks.compare import main
from benchmarks.report import RATIOS

SEQ = 16  # the tiny run's sequence length (tests/benchmarks/conftest.py)


@pytest.fixture(scope="module")
def results(tiny_run, tmp_path_factory):
    """One comparison at sequence 16, one thread, 3 runs; the run already holds an fp32
    student export, which must be used as it is."""
    import tf_keras

    from tinybert_tf.lite.signature import float_tflite

    out = tmp_path_factory.mktemp("bench_out")
    student = tf_keras.models.load_model(os.path.join(tiny_run, "distill", "student.keras"),
                                         compile=False)
    os.makedirs(os.path.join(tiny_run, "models"), exist_ok=True)
    exported = os.path.join(tiny_run, "models", "student_fp32.tflite")
    with open(exported, "wb") as f:
        f.write(float_tflite(student, SEQ))
    json_path, md_path = str(out / "results.json"), str(out / "results.md")
    with pytest.MonkeyPatch.context() as patch:  # the preset's vocabulary is written here
        patch.setenv("TINYBERT_TF_CACHE", str(out / "cache"))
        code = main(["--run", tiny_run, "--sequence-length", str(SEQ), "--threads", "1",
                     "--runs", "3", "--warmup", "1", "--out", json_path, "--markdown", md_path,
                     "--work-dir", str(out / "build")])
    assert code == 0
    with open(json_path) as f:
        return {"json": json.load(f), "markdown": open(md_path).read(), "exported": exported}


@pytest.mark.slow
def test_top_level_ratios_are_ratios_of_the_reported_medians(results):
    data = results["json"]
    medians = data["medians_ms"][f"seq{SEQ}_threads1"]
    assert data["ratios_from"] == {"sequence_length": SEQ, "threads": 1,
                                   "key": f"seq{SEQ}_threads1"}
    for key, (num, den, _) in RATIOS.items():
        if key == "onnxruntime_over_int8" and onnx_twin.missing_onnx_packages():
            assert data[key] is None and "onnxruntime_int8" in data["settings"]["skipped"]
            continue
        assert data[key] == pytest.approx(medians[num] / medians[den], rel=1e-2)
    for stats in data["configurations"][0]["stats"].values():
        assert stats["runs"] == 3 and stats["min_ms"] <= stats["median_ms"] <= stats["p90_ms"]


@pytest.mark.slow
def test_models_are_described_and_the_runs_export_is_reused(results):
    models = results["json"]["models"]
    assert models["fp32_student"]["path"] == results["exported"]
    assert {"int8_student", "fp32_student", "teacher_fp32", "floor_int8", "floor_fp32"} <= set(models)
    int8 = models["int8_student"]
    assert "int8_qat" in int8["label"] or "STAND-IN" in int8["label"]
    if "onnxruntime_int8" in models:
        assert "gelu_approximate" in models["onnxruntime_int8"]["label"]
    for info in models.values():
        assert os.path.getsize(info["path"]) == info["size_bytes"] > 0
    assert results["json"]["settings"]["random_weights"] is False


@pytest.mark.slow
def test_markdown_lists_every_model_and_the_four_ratios(results):
    md = results["markdown"]
    for info in results["json"]["models"].values():
        assert f"| {info['label']} |" in md
    for key in RATIOS:
        assert f"- {key} = " in md


def test_bad_run_folder_names_the_file(tmp_path, capsys):
    assert main(["--run", str(tmp_path), "--out", str(tmp_path / "r.json")]) == 2
    assert str(tmp_path / "config.json") in capsys.readouterr().err


@pytest.mark.slow
def test_sequence_beyond_the_position_table_is_refused(tiny_run, tmp_path, capsys):
    assert main(["--run", tiny_run, "--sequence-length", "128", "--out", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert "student.keras" in err and "128" in err


def test_missing_onnx_packages_skip_with_the_reason(monkeypatch, tmp_path):
    """Without tf2onnx the comparison still runs; the ONNX row is skipped and says why."""
    monkeypatch.setattr(onnx_twin, "missing_onnx_packages", lambda: ["tf2onnx"])
    made = []

    def fake(key):
        def build(*args, **kwargs):
            made.append(key)
            return candidates.Candidate(key, key, "litert", "unused")
        return build

    for name, key in [("int8_student", "int8_student"), ("fp32_student", "fp32_student"),
                      ("teacher_fp32", "teacher_fp32"), ("floor", "floor")]:
        monkeypatch.setattr(candidates, name, fake(key))
    monkeypatch.setattr(candidates, "onnx_student", lambda *a, **k: pytest.fail("ONNX built"))
    built, skipped = candidates.build_candidates(None, SEQ, str(tmp_path), [], log=lambda _: None)
    assert "onnxruntime_int8" not in [c.key for c in built]
    assert skipped == {"onnxruntime_int8": "not installed: tf2onnx "
                                           "(pip install -r requirements-bench.txt)"}
