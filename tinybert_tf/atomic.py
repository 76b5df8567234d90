"""Atomic file writes: a crash or a failing writer never leaves a half-written file, and
the temporary file of a writer that was killed is removed by the next write."""

import contextlib
import json
import os
import shutil
import tempfile


@contextlib.contextmanager
def atomic_path(path, suffix=".tmp"):
    """A fresh temporary path beside `path`, renamed onto `path` when the block succeeds.

        with atomic_path("run/teacher/teacher.keras", suffix=".tmp.keras") as tmp:
            model.save(tmp)  # writers that need a file name (Keras, HDF5)

    `os.replace` within one folder is atomic: readers see the old file or the complete
    new one. If the block raises, the temporary file is removed and nothing appears (or
    changes) under `path`. `suffix` keeps the ending a writer picks its format from.
    Temporaries of killed writers of the same `path` are removed first.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    prefix = f".{os.path.basename(path)}."
    remove_stale_temporaries(folder, prefix, suffix)
    handle, tmp = tempfile.mkstemp(prefix=f"{prefix}{os.getpid()}.", suffix=suffix, dir=folder)
    os.close(handle)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as err:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(err, OSError) and err.filename is None:
            # A full disk's ENOSPC names no file: name the one that could not be written.
            raise OSError(err.errno, err.strerror or str(err), path) from err
        raise


def atomic_write(path, write, mode="wb"):
    """Calls `write(file)` on a temporary file beside `path` (see `atomic_path`), flushes
    it to disk, then renames it to `path`. Returns `path`."""
    with atomic_path(path) as tmp:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_TRUNC), mode, encoding=encoding) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    return os.fspath(path)


def remove_stale_temporaries(folder, prefix, suffix=".tmp"):
    """Removes `<prefix><pid>.*<suffix>` files whose writer process is gone (killed
    mid-write: SIGKILL or a power cut runs no clean-up), so a re-run leaves no litter."""
    for name in os.listdir(folder):
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        pid = name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            try:
                os.remove(os.path.join(folder, name))
            except FileNotFoundError:  # another writer removed it first
                pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def write_bytes(path, data):
    """`data` to `path`, atomically."""
    return atomic_write(path, lambda f: f.write(data))


def write_text(path, text):
    """`text` (UTF-8) to `path`, atomically."""
    return atomic_write(path, lambda f: f.write(text), mode="w")


def write_json(path, data, default=None):
    """`data` as indented JSON to `path`, atomically."""
    return write_text(path, json.dumps(data, indent=2, default=default))


def copy_file(source, path):
    """A copy of `source` at `path`, atomically."""
    with open(source, "rb") as src:
        return atomic_write(path, lambda f: shutil.copyfileobj(src, f))
