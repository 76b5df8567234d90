"""StudentCheckpoint: a save that dies half-way leaves the previous best file whole."""
import os

import numpy as np
import pytest

from tests.distill.conftest import build_pair
from tinybert_tf.distill import Distiller, StudentCheckpoint


def test_interrupted_save_keeps_the_previous_best_file(tmp_path):
    student, teacher = build_pair()
    distiller = Distiller(student, teacher)
    path = str(tmp_path / "best.weights.h5")
    callback = StudentCheckpoint(path, save_weights_only=True)
    callback.set_model(distiller)
    callback._save_handler(path)
    want = [w.copy() for w in student.get_weights()]
    # Leftover of a killed writer: a pid above Linux's largest (2**22) names no live process.
    stale = tmp_path / f".best.weights.h5.{2**22 + 12345}.tmp.weights.h5"
    stale.write_bytes(b"half")

    def dies_half_way(filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"half a file")
        raise KeyboardInterrupt

    student.set_weights([w + 1.0 for w in want])
    original = student.save_weights
    student.save_weights = dies_half_way
    with pytest.raises(KeyboardInterrupt):
        callback._save_handler(path)
    student.save_weights = original
    student.load_weights(path)  # the previous best, complete
    for got, expected in zip(student.get_weights(), want):
        np.testing.assert_array_equal(got, expected)
    callback.on_train_begin()
    assert sorted(os.listdir(tmp_path)) == ["best.weights.h5"]
