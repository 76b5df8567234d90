import os

import pytest

from tinybert_tf.atomic import atomic_path, atomic_write, copy_file, write_bytes, write_json


def _half_then_fail(f):
    f.write(b"half a model")
    raise RuntimeError("writer died midway")


def test_failing_writer_leaves_no_file_and_no_temporary(tmp_path):
    path = tmp_path / "m.tflite"
    with pytest.raises(RuntimeError, match="midway"):
        atomic_write(path, _half_then_fail)
    assert os.listdir(tmp_path) == []


def test_failing_writer_keeps_the_previous_file(tmp_path):
    path = tmp_path / "m.tflite"
    write_bytes(path, b"old model")
    with pytest.raises(RuntimeError):
        atomic_write(path, _half_then_fail)
    assert path.read_bytes() == b"old model"
    assert os.listdir(tmp_path) == ["m.tflite"]


def test_writes_and_copies(tmp_path):
    assert write_bytes(tmp_path / "sub" / "a.bin", b"\x00\x01") == str(tmp_path / "sub" / "a.bin")
    copy_file(tmp_path / "sub" / "a.bin", tmp_path / "b.bin")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(os.listdir(tmp_path)) == ["b.bin", "sub"]


def test_atomic_path_keeps_the_ending_and_renames_on_success(tmp_path):
    path = tmp_path / "best.weights.h5"
    with atomic_path(path, suffix=".tmp.weights.h5") as tmp:
        assert os.path.dirname(tmp) == str(tmp_path) and tmp.endswith(".tmp.weights.h5")
        with open(tmp, "wb") as f:  # a writer that wants a file name (Keras, HDF5)
            f.write(b"weights")
        assert not path.exists()  # nothing under the final name before the block ends
    assert path.read_bytes() == b"weights" and os.listdir(tmp_path) == ["best.weights.h5"]


def test_atomic_path_failure_and_dead_writers_leave_no_litter(tmp_path):
    path = tmp_path / "student.keras"
    # Leftover of a killed writer: a pid above Linux's largest (2**22) names no live process.
    stale = tmp_path / f".student.keras.{2**22 + 7}.abc.tmp.keras"
    stale.write_bytes(b"half")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(path, suffix=".tmp.keras") as tmp:
            with open(tmp, "wb") as f:
                f.write(b"half a model")
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_write_json_round_trips_utf8(tmp_path):
    import json

    data = {"labels": ["café", "東京"], "n": 3}
    write_json(tmp_path / "m.json", data)
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8")) == data
