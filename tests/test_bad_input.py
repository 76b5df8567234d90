"""Bad input through the real CLI: every case exits with status 2 and prints one line on
stderr that names the problem and the file, with no Python traceback (unless --debug).

The cases run `tinybert_tf.cli.main` in this process (the entry point calls the same
function; `test_entry_point_...` checks that it prints the same single line), on steps
that fail before any training: `teacher` for data and teacher problems, and `evaluate`
/ `export` on a small finished run (a tiny keras-hub teacher preset, a 2-layer student,
its fp32 TFLite) for model files. Input that is valid however odd (a 1 MB text) must
run through instead.
"""
import errno
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.helpers import save_teacher_preset
from tinybert_tf.cli import main

SEQ = 16
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "film", "is", "was",
         "very", "good", "bad", "not", "it", "."]


def _task_csv(path, rows=20):
    lines = ["text,label"] + [f"the film is {'very ' * (i % 3)}{'good' if i % 2 else 'bad'},"
                              f"{'pos' if i % 2 else 'neg'}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A teacher preset folder, a task file and the files of a run finished up to export."""
    import tensorflow as tf
    import tf_keras

    import tinybert_tf as tb
    from tinybert_tf.lite import export_tflite

    root = tmp_path_factory.mktemp("bad_input")
    os.environ["TINYBERT_TF_CACHE"] = str(root / "cache")  # teacher vocabularies go here
    teacher = save_teacher_preset(root / "teacher", VOCAB, num_layers=1, num_heads=2,
                                  hidden_dim=8, intermediate_dim=16, max_sequence_length=32)
    (root / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    tf_keras.utils.set_random_seed(0)
    student = tb.TinyBertClassifier(tb.TinyBertBackbone(
        vocabulary_size=len(VOCAB), num_layers=1, hidden_dim=8, num_heads=2,
        intermediate_dim=16, max_sequence_length=32), 2)
    student.save(str(root / "student.keras"))
    metadata = {"task": "task", "kind": "classification", "labels": ["neg", "pos"],
                "vocab_file": str(root / "vocab.txt"), "lowercase": True,
                "sequence_length": SEQ}
    export_tflite(student, str(root / "models"), "fp32", SEQ, metadata, stem="student")
    tf.constant(0.0) + 1.0  # device set-up logs once per process: not inside a case
    yield {"root": root, "teacher": teacher, "task": _task_csv(root / "task.csv"),
           "student": root / "student.keras", "models": root / "models"}
    os.environ.pop("TINYBERT_TF_CACHE", None)


def _finished_run(source, out, student=None):
    """A run folder whose teacher, distill and quantize steps are done and whose export
    step wrote the fp32 student (`student` replaces the distilled student file)."""
    for step, result in [("teacher", {}), ("distill", {}), ("quantize", {"qat_models": {}})]:
        (out / step).mkdir(parents=True)
        (out / step / "DONE.json").write_text(json.dumps(result))
    shutil.copy(student or source["student"], out / "distill" / "student.keras")
    shutil.copytree(source["models"], out / "models")
    tflite = out / "models" / "student_fp32.tflite"
    shutil.copy(tflite, out / "models" / "teacher_fp32.tflite")
    (out / "teacher" / "DONE.json").write_text(
        json.dumps({"tflite": str(out / "models" / "teacher_fp32.tflite")}))
    (out / "export").mkdir()
    (out / "export" / "DONE.json").write_text(json.dumps({"models": {"fp32": str(tflite)}}))
    return out


def _args(source, out, step="teacher", task=None, *extra):
    return [step, "--task", str(task or source["task"]), "--teacher", str(source["teacher"]),
            "--out", str(out), "--sequence-length", str(SEQ), "--variants", "fp32", *extra]


# Each case: (source, tmp_path) -> (argv, words the error line must hold).
def empty_file(source, tmp):
    (tmp / "empty.csv").write_text("")
    return _args(source, tmp / "run", task=tmp / "empty.csv"), ["empty.csv", "file is empty"]


def missing_column(source, tmp):
    (tmp / "cols.csv").write_text("sentence,label\nthe film,pos\nbad,neg\n")
    return (_args(source, tmp / "run", task=tmp / "cols.csv"),
            ["cols.csv:1", "missing column 'text'"])


def unknown_label_in_test(source, tmp):
    # The CLI takes one data file and splits it, stratified so that every label is in
    # train: a test-only label reaches only `load_task(test_path=...)`. Its error goes
    # through the CLI's own formatter here.
    return None, ["test.csv:3", "label 'meh' does not occur in the training data"]


def non_utf8_bytes(source, tmp):
    (tmp / "latin1.csv").write_bytes(b"text,label\ngood film,pos\ncaf\xe9 \xa35,neg\n")
    return (_args(source, tmp / "run", task=tmp / "latin1.csv"),
            ["latin1.csv:3", "not UTF-8 (byte 0xe9)"])


def empty_string(source, tmp):
    # An empty text in a labelled file is a mistake in the data, not an example.
    (tmp / "blank.jsonl").write_text('{"text": "good", "label": "pos"}\n'
                                     '{"text": "", "label": "neg"}\n')
    return (_args(source, tmp / "run", task=tmp / "blank.jsonl"),
            ["blank.jsonl:2", "empty text"])


def conll_line_without_tag(source, tmp):
    (tmp / "ner.conll").write_text("John\tB-PER\nlives\tO\n\nin\n")
    return (_args(source, tmp / "run", task=tmp / "ner.conll"),
            ["ner.conll:4", "token but no tag"])


def teacher_config_not_bert(source, tmp):
    (tmp / "gpt2").mkdir()
    (tmp / "gpt2" / "config.json").write_text('{"model_type": "gpt2", "n_layer": 2}')
    args = _args(source, tmp / "run")
    args[args.index("--teacher") + 1] = str(tmp / "gpt2")
    return args, ["gpt2", "model_type='gpt2', expected 'bert'"]


def teacher_vocabulary_larger_than_its_model(source, tmp):
    # A preset folder whose tokenizer is not the one its embedding table was built for:
    # the student takes the table's size, so it would not fit the tokenizer either.
    shutil.copytree(source["teacher"], tmp / "mixed")
    vocab = tmp / "mixed" / "assets" / "tokenizer" / "vocabulary.txt"
    vocab.write_text("\n".join(VOCAB + [f"word{i}" for i in range(10)]) + "\n")
    args = _args(source, tmp / "run")
    args[args.index("--teacher") + 1] = str(tmp / "mixed")
    return args, ["mixed", f"{len(VOCAB) + 10} tokens", f"{len(VOCAB)} rows"]


def student_vocabulary_not_the_teachers(source, tmp):
    import tinybert_tf as tb

    small = tb.TinyBertClassifier(tb.TinyBertBackbone(
        vocabulary_size=len(VOCAB) - 4, num_layers=1, hidden_dim=8, num_heads=2,
        intermediate_dim=16, max_sequence_length=32), 2)
    small.save(str(tmp / "small.keras"))
    run = _finished_run(source, tmp / "run", student=tmp / "small.keras")
    shutil.rmtree(run / "export")
    return (_args(source, run, "export"),
            ["vocab.txt", f"{len(VOCAB)} tokens", f"{len(VOCAB) - 4} rows"])


def tflite_truncated(source, tmp):
    run = _finished_run(source, tmp / "run")
    model = run / "models" / "student_fp32.tflite"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    return _args(source, run, "evaluate"), ["student_fp32.tflite", "not a valid TFLite model"]


def tflite_not_a_model(source, tmp):
    run = _finished_run(source, tmp / "run")
    (run / "models" / "student_fp32.tflite").write_text("<html>404 Not Found</html>\n")
    return _args(source, run, "evaluate"), ["student_fp32.tflite", "not a valid TFLite model"]


def model_json_not_its_model(source, tmp):
    run = _finished_run(source, tmp / "run")
    sidecar = run / "models" / "student_fp32.json"
    data = json.loads(sidecar.read_text())
    data["labels"].append("neutral")
    data["sequence_length"] = 128
    sidecar.write_text(json.dumps(data))
    return (_args(source, run, "evaluate"),
            ["student_fp32.json", "3 labels but the model has 2 logits", "sequence_length 128"])


def sequence_above_position_table(source, tmp):
    args = _args(source, tmp / "run")
    args[args.index("--sequence-length") + 1] = "64"
    return args, ["teacher/config.json", "sequence length 64", "position table (32 positions)"]


def teacher_preset_unknown(source, tmp):
    args = _args(source, tmp / "run")
    args[args.index("--teacher") + 1] = "bert_tiny_en_uncassed"
    return args, ["bert_tiny_en_uncassed", "not a folder nor a keras-hub BERT preset"]


def student_preset_unknown(source, tmp):
    return _args(source, tmp / "run", "pipeline", None, "--student", "tinybert_3l"), [
        "unknown student preset 'tinybert_3l'"]


def disk_full_while_exporting(source, tmp):
    run = _finished_run(source, tmp / "run")
    shutil.rmtree(run / "export")
    for leftover in [*(run / "models").glob("student_fp32.*"), run / "models" / "vocab.txt"]:
        leftover.unlink()
    return _args(source, run, "export"), ["student_fp32.tflite", "No space left on device"]


CASES = [empty_file, missing_column, unknown_label_in_test, non_utf8_bytes, empty_string,
         conll_line_without_tag, teacher_config_not_bert,
         teacher_vocabulary_larger_than_its_model, student_vocabulary_not_the_teachers,
         tflite_truncated, tflite_not_a_model, model_json_not_its_model,
         sequence_above_position_table, teacher_preset_unknown, student_preset_unknown,
         disk_full_while_exporting]


class _FullDisk:
    """`os` as tinybert_tf.atomic sees it, on a disk with 4 KB free: small files (the run's
    JSON) fit; a write past the free space stores what fits, then fails with ENOSPC (as
    write(2) does)."""

    def __init__(self, free=4096):
        self.free = free

    class _File:
        def __init__(self, f, disk):
            self._f, self._disk = f, disk

        def write(self, data):
            if len(data) <= self._disk.free:
                self._disk.free -= len(data)
                return self._f.write(data)
            self._f.write(data[: self._disk.free])
            self._f.flush()
            self._disk.free = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self._f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._f.close()

    def __getattr__(self, name):
        return getattr(os, name)

    def fdopen(self, fd, mode="r", **kwargs):
        return self._File(os.fdopen(fd, mode, **kwargs), self)


def _error_line(err):
    from tinybert_tf.cli import _one_line

    return f"tinybert-tf: error: {_one_line(err)}\n"


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_is_one_line_naming_the_file(case, source, tmp_path, capfd, monkeypatch):
    argv, words = case(source, tmp_path)
    capfd.readouterr()
    if case is unknown_label_in_test:
        from tinybert_tf.data import DataError, load_task

        (tmp_path / "test.csv").write_text("text,label\ngood,pos\nso so,meh\n")
        with pytest.raises(DataError) as info:
            load_task(source["task"], test_path=tmp_path / "test.csv")
        code, err = 2, _error_line(info.value)
    else:
        if case is disk_full_while_exporting:
            import tinybert_tf.atomic

            monkeypatch.setattr(tinybert_tf.atomic, "os", _FullDisk())
        code = main(argv)
        err = capfd.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    # TensorFlow's own C++ log lines ("E0000 00:00:...") pass when the environment lowers
    # TF_CPP_MIN_LOG_LEVEL below 3 (CI sets 2); everything else on stderr is ours.
    lines = [line for line in err.splitlines() if not re.match(r"[IWEF]\d{4} ", line)]
    assert len(lines) == 1 and lines[0].startswith("tinybert-tf: error: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])
    if case is disk_full_while_exporting:  # nothing half-written under any name
        run = tmp_path / "run"
        assert sorted(p.name for p in (run / "models").iterdir()) == ["teacher_fp32.tflite"]
        assert not (run / "export" / "DONE.json").exists()


def test_a_1mb_text_is_truncated_and_evaluated(source, tmp_path, capfd):
    """Valid input, not an error: a 1 MB text in the test split is cut to the sequence
    length and the models still run on it; an empty string (at inference) encodes as
    [CLS] [SEP]."""
    from tinybert_tf.data import Tokenizer, load_task

    test_uid = load_task(source["task"]).test[0].uid  # "task.csv:<line>"
    line = int(test_uid.split(":")[1])
    (tmp_path / "data").mkdir()
    lines = source["task"].read_text().splitlines()
    huge = " ".join(["the very good film"] * 60_000)  # ~1.1 MB, one CSV field
    assert len(huge) > 1_000_000
    lines[line - 1] = f"{huge},{lines[line - 1].rsplit(',', 1)[1]}"
    task = tmp_path / "data" / "task.csv"  # same name and lines: the same split
    task.write_text("\n".join(lines) + "\n")
    assert load_task(task).test[0].text == huge
    tokenizer = Tokenizer(source["root"] / "vocab.txt", sequence_length=SEQ)
    ids = tokenizer.encode([huge, ""])["token_ids"]
    assert ids[0].tolist() == [2] + [5, 10, 11, 7] * 3 + [5, 10, 3]  # [CLS] ... [SEP]
    assert ids[1].tolist() == [2, 3] + [0] * (SEQ - 2)
    run = _finished_run(source, tmp_path / "run")
    code = main(_args(source, run, "evaluate", task))
    err = capfd.readouterr().err
    assert code == 0, err
    result = json.loads((run / "evaluate" / "DONE.json").read_text())["models"]["fp32"]
    assert 0.0 <= result["metric"] <= 1.0 and result["argmax_agreement"] == 1.0


def _cli(*args):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "tinybert_tf.cli", *args], env=env, check=False,
                          capture_output=True, text=True, timeout=300)


def test_entry_point_prints_one_line_and_debug_the_traceback(source, tmp_path):
    """The real entry point: only the error line on stderr (TensorFlow's start-up logs
    are kept out of it); with --debug, the traceback."""
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"text,label\ncaf\xe9,pos\n")
    args = ["teacher", "--task", str(bad), "--out", str(tmp_path / "run")]
    plain = _cli(*args)
    assert plain.returncode == 2
    assert plain.stderr.splitlines() == [
        f"tinybert-tf: error: {bad}:2: text is not UTF-8 (byte 0xe9); save the file as UTF-8"]
    debug = _cli(*args, "--debug")
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr
    assert "DataError" in debug.stderr and "latin1.csv:2" in debug.stderr
