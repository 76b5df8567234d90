import os

import pytest

from tinybert_tf.lite.atomic import atomic_write, copy_file, write_bytes


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
