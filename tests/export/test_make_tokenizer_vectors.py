"""export/make_tokenizer_vectors.py: the committed vectors are what keras-hub produces today,
and the file format round-trips the awkward characters."""

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "export", "make_tokenizer_vectors.py")
spec = importlib.util.spec_from_file_location("make_tokenizer_vectors", SCRIPT)
vectors = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vectors)


def test_escape_keeps_fields_on_one_line():
    assert vectors.escape("a\tb\nc\\d\r") == "a\\tb\\nc\\\\d\\r"
    assert vectors.escape("x\u200by\u00a0z\u0007") == "x\\u{200b}y\\u{a0}z\\u{7}"
    # Printable text stays readable.
    assert vectors.escape("Café 中文 😀 ") == "Café 中文 😀 "


def test_cases_cover_the_required_kinds():
    cases = vectors.cases()
    assert len(cases) >= 200
    groups = {c[0] for c in cases}
    assert {
        "bbc",
        "bbc_pair",
        "edge",
        "edge_pair",
        "edge_truncation",
        "strip_accents",
        "cased",
    } <= groups
    texts = [c[4] for c in cases]
    assert "" in texts and any(len(t) > 300 for t in texts)
    assert all(c[5] is not None for c in cases if c[0].endswith("pair"))


def test_committed_file_has_a_row_per_case():
    path = os.path.join(vectors.RESOURCES, vectors.VECTORS_FILE)
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0].split("\t") == list(vectors.COLUMNS)
    assert len(lines) - 1 == len(vectors.cases())
    assert all(len(line.split("\t")) == len(vectors.COLUMNS) for line in lines)


@pytest.mark.slow
def test_committed_vectors_match_keras_hub():
    """Regenerates every vector with keras-hub (eager and graph paths) and compares."""
    done = subprocess.run(
        [sys.executable, SCRIPT, "--check"],
        capture_output=True,
        text=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
