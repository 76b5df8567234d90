"""Loading tf_keras `.keras` files without tf_keras' quadratic read of the weights.

tf_keras reads `model.weights.h5` through h5py straight from inside the `.keras` zip.
h5py seeks backwards often, and Python's zip member reader (3.11) answers every
backward seek by reading the member again from its start: loading the 57 MB
TinyBERT4 student took 11.6 s, 10 s of it in those re-reads (cProfile: 670 seeks).
Reading the member into memory once makes the seeks free. Keras 3 no longer has the
problem (the teacher loads in 2 s); tf_keras offers no option for it, hence this.
"""
import contextlib
import io

import tf_keras
from tf_keras.src.saving import saving_lib


class _BufferedMembers:
    """A zip archive whose members open as in-memory files (read once, seek freely)."""

    def __init__(self, archive):
        self._archive = archive

    def open(self, name, mode="r"):
        return io.BytesIO(self._archive.read(name))


@contextlib.contextmanager
def _weights_read_from_memory():
    original = saving_lib.H5IOStore.__init__

    def init(store, root_path, archive=None, mode="r"):
        if archive is not None and mode == "r":
            archive = _BufferedMembers(archive)
        original(store, root_path, archive=archive, mode=mode)

    saving_lib.H5IOStore.__init__ = init
    try:
        yield
    finally:
        saving_lib.H5IOStore.__init__ = original


def load_keras_model(path, compile=False, **kwargs):
    """`tf_keras.models.load_model(path, compile=compile, **kwargs)`, weights read from memory."""
    import tinybert_tf  # noqa: F401 - registers the package's layers and models

    with _weights_read_from_memory():
        return tf_keras.models.load_model(path, compile=compile, **kwargs)
