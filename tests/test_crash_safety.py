"""Crash safety: a pipeline killed with SIGKILL, then re-run with the same command.

One tiny pipeline (a 2-layer, 128-wide keras-hub teacher preset, the `tinybert_2l_128d`
student, a small CSV task, sequence 32, every TFLite variant) is killed at six points:
during teacher fine-tuning, while the fine-tuned teacher is exported, as the first epoch
of each distillation stage and of quantization-aware training ends (its log row is out,
its checkpoints are being written), and in the middle of the TFLite export. After each
kill, every file under a final name must be complete (models load, JSON parses, archives
are whole); after the last re-run the pipeline has finished, the report lists every
variant, every `.tflite` runs, nothing temporary is left, and the finished work was
reused rather than redone. The kill points are moments the run folder shows, not
timers, so each lands in the same phase on a fast or a slow machine.
"""
import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import save_teacher_preset

pytestmark = pytest.mark.slow

SEQ = 32
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "film", "is", "was",
         "very", "good", "bad", "not", "it", "plot", "actors", "and", "dull", "great", "."]
VARIANTS = ("fp32", "fp16", "int8_dynamic", "int8_ptq", "int8_qat", "int8_full")
ROOT = Path(__file__).resolve().parents[1]


def _rows(path):
    if not path.is_file():
        return 0
    with open(path, newline="") as f:
        return max(len(list(csv.reader(f))) - 1, 0)


# (what is running when the kill lands, condition on the run folder that says it runs)
KILL_POINTS = [
    ("teacher fine-tuning", lambda run: (run / "teacher" / "teacher_history.csv").exists()),
    ("teacher TFLite export", lambda run: (run / "teacher" / "teacher.keras").exists()),
    ("intermediate distillation, epoch 2",
     lambda run: _rows(run / "distill" / "intermediate" / "log.csv") >= 1),
    ("prediction distillation, epoch 2",
     lambda run: _rows(run / "distill" / "prediction" / "log.csv") >= 1),
    ("quantization-aware training, epoch 2",
     lambda run: _rows(run / "quantize" / "int8_qat" / "log.csv") >= 1),
    ("TFLite export after the first variant",
     lambda run: (run / "models" / "student_fp32.tflite").exists()),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A keras-hub teacher preset folder and a 2-label CSV task."""

    root = tmp_path_factory.mktemp("crash")
    # As wide and as long as the student (which may start from the teacher's weights).
    save_teacher_preset(root / "teacher", VOCAB, num_layers=2, num_heads=2,
                        hidden_dim=128, intermediate_dim=512, max_sequence_length=512)
    rng = np.random.default_rng(0)
    lines = ["text,label"]
    for i in range(48):
        good = i % 2 == 0
        words = rng.choice(["the", "film", "plot", "actors", "is", "was", "and", "it"], 6)
        mood = ["very", "good", "great"] if good else ["not", "bad", "dull"]
        lines.append(" ".join([*words[:3], *mood, *words[3:]]) + f",{'pos' if good else 'neg'}")
    (root / "task.csv").write_text("\n".join(lines) + "\n")
    return root


def _command(inputs, run):
    return [sys.executable, "-m", "tinybert_tf.cli", "pipeline", "--task",
            str(inputs / "task.csv"), "--teacher", str(inputs / "teacher"), "--student",
            "tinybert_2l_128d", "--out", str(run), "--sequence-length", str(SEQ),
            "--batch-size", "8", "--teacher-epochs", "2", "--intermediate-epochs", "2",
            "--prediction-epochs", "2", "--qat-epochs", "2", "--bench-runs", "3"]


def _start(inputs, run, log):
    env = dict(os.environ, PYTHONUNBUFFERED="1", TINYBERT_TF_CACHE=str(inputs / "cache"))
    return subprocess.Popen(_command(inputs, run), cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _is_temporary(path):
    return ".tmp" in path.name


def _check_complete(path):
    """Raises (AssertionError or the reader's error) when `path` is not a whole file."""
    suffix = path.suffix
    if suffix == ".tflite":
        from ai_edge_litert.interpreter import Interpreter

        Interpreter(model_path=str(path)).allocate_tensors()
    elif suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    elif suffix == ".keras":
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None, path
    elif suffix == ".h5":
        import h5py

        with h5py.File(path, "r") as f:
            list(f.keys())
    elif path.name == "DONE":
        assert path.read_text().endswith("\n"), path


def _scan(run):
    """(files under a final name that are not complete, with why; temporary files)."""
    broken, temporary = [], []
    for path in sorted(p for p in run.rglob("*") if p.is_file()):
        name = str(path.relative_to(run))
        if _is_temporary(path):
            temporary.append(name)
            continue
        try:
            _check_complete(path)
        except Exception as err:  # noqa: BLE001 - any reader error means a broken file
            broken.append(f"{name}: {type(err).__name__}: {err}")
    return broken, temporary


def _run_until(inputs, run, condition, log_path, timeout=900):
    """Starts the pipeline, kills it (SIGKILL) once `condition(run)` holds."""
    with open(log_path, "ab") as log:
        proc = _start(inputs, run, log)
        deadline = time.monotonic() + timeout
        try:
            while not condition(run):
                assert proc.poll() is None, f"exited ({proc.returncode}) before the kill point:\n" \
                    + log_path.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "kill point not reached in time"
                time.sleep(0.05)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


def _runs_and_gives_logits(path):
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=str(path)).get_signature_runner()
    feeds = {name: np.ones(d["shape"], d["dtype"]) for name, d in
             runner.get_input_details().items()}
    logits = runner(**feeds)["logits"].astype(np.float32)
    assert logits.shape[-1] == 2 and np.all(np.isfinite(logits)), path


def test_killed_pipeline_resumes_and_leaves_no_half_written_file(inputs, tmp_path):
    run = tmp_path / "run"
    log_path = tmp_path / "pipeline.log"
    after_kills = {}
    for point, condition in KILL_POINTS:
        returncode = _run_until(inputs, run, condition, log_path)
        assert returncode == -signal.SIGKILL, point
        after_kills[point] = _scan(run)

    with open(log_path, "ab") as log:
        log.write(b"\n=== final run ===\n")
        log.flush()
        final = _start(inputs, run, log)
        assert final.wait(timeout=1800) == 0, log_path.read_text(errors="replace")[-5000:]
    output = log_path.read_text(errors="replace").split("=== final run ===")[1]

    # The work done before the last kill was reused, not redone.
    for step in ("teacher", "distill", "quantize"):
        assert f"[{step}] reusing finished step" in output, output[-3000:]
    # The intermediate stage resumed from its backup: epoch 0 was not trained twice.
    with open(run / "distill" / "intermediate" / "log.csv", newline="") as f:
        assert [int(row["epoch"]) for row in csv.DictReader(f)] == [0, 1]

    report = json.loads((run / "report.json").read_text())
    assert {row["variant"] for row in report["models"]} == {*VARIANTS, "teacher_fp32"}
    models = sorted((run / "models").glob("*.tflite"))
    assert {p.stem for p in models} == {f"student_{v}" for v in VARIANTS} | {"teacher_fp32"}
    for path in models:
        _runs_and_gives_logits(path)
    # No kill left a half-written file under a final name; nothing temporary is left.
    assert {point: broken for point, (broken, _) in after_kills.items() if broken} == {}
    assert _scan(run) == ([], []), after_kills


_BLOCKED_WRITER = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])  # stdlib only: no TF
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)

def write(f):
    f.write(b"half of a new mod")
    f.flush()
    time.sleep(600)  # killed here, mid-write

atomic.atomic_write(sys.argv[2], write)
"""


def test_writer_killed_mid_write_leaves_the_old_file_and_no_litter(tmp_path):
    from tinybert_tf import atomic

    path = tmp_path / "student_fp32.tflite"
    path.write_bytes(b"the old model")
    child = subprocess.Popen([sys.executable, "-c", _BLOCKED_WRITER, atomic.__file__, str(path)])
    deadline = time.monotonic() + 60
    while not [p for p in tmp_path.iterdir() if _is_temporary(p) and p.stat().st_size]:
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    child.kill()
    child.wait()
    assert path.read_bytes() == b"the old model"  # never half of the new one
    (litter,) = [p.name for p in tmp_path.iterdir() if _is_temporary(p)]
    assert litter.startswith(f".student_fp32.tflite.{child.pid}.")
    atomic.write_bytes(path, b"the new model")  # the re-run's write
    assert path.read_bytes() == b"the new model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["student_fp32.tflite"]
