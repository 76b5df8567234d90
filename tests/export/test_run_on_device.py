"""export/run_on_device.py: the exact commands it plans, dry run and no-device fallback,
and a real run against a fake `adb` that records what it was asked to do."""

import json
import os
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.path.join(ROOT, "export", "run_on_device.py")
BENCH = os.path.join(ROOT, "export", "bench.py")
REMOTE = "/data/local/tmp/tinybert_bench"

FAKE_ADB = """#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_ADB_LOG"], "a") as f:
    f.write(json.dumps(["adb"] + args) + "\\n")
if args[:1] == ["devices"]:
    print("List of devices attached")
    print("FAKE123\\tdevice")
elif "pull" in args:
    dest = args[-1]
    with open(dest, "w") as f:
        json.dump({"results": []} if dest.endswith(".json") else "", f)
"""


@pytest.fixture()
def model_dir(tmp_path):
    """A model folder as the exporter leaves it, plus a file that must not be copied."""
    folder = tmp_path / "int8"
    folder.mkdir()
    (folder / "model.tflite").write_bytes(b"TFL3")
    (folder / "model.json").write_text(
        json.dumps({"vocab_file": "vocab.txt", "labels": ["a", "b"]})
    )
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\n")
    (folder / "checkpoint.weights.h5").write_bytes(b"big")
    return folder


def run(args, cwd, env=None):
    return subprocess.run(
        [sys.executable, RUNNER, *args],
        capture_output=True,
        text=True,
        cwd=str(cwd),
        env=env or dict(os.environ),
        timeout=120,
        check=False,
    )


def expected_adb(serial="FAKE123", python="/data/local/tmp/py/bin/python3"):
    adb = ["adb", "-s", serial]
    return [
        adb + ["shell", f"mkdir -p {REMOTE}/models/int8"],
        adb + ["push", BENCH, f"{REMOTE}/bench.py"],
        adb
        + [
            "push",
            "int8/model.tflite",
            "int8/model.json",
            "int8/vocab.txt",
            f"{REMOTE}/models/int8/",
        ],
        adb
        + [
            "shell",
            (
                f"cd {REMOTE} && {python} bench.py models/int8 --json result.json "
                "--markdown result.md --threads 1 2 --runs 100"
            ),
        ],
        adb + ["pull", f"{REMOTE}/result.json", "out.json"],
        adb + ["pull", f"{REMOTE}/result.md", "out.md"],
    ]


def test_adb_dry_run_prints_the_exact_commands(model_dir):
    done = run(
        [
            "adb",
            "int8",
            "--serial",
            "FAKE123",
            "--python",
            "/data/local/tmp/py/bin/python3",
            "--out",
            "out.json",
            "--dry-run",
            "--",
            "--threads",
            "1",
            "2",
            "--runs",
            "100",
        ],
        model_dir.parent,
    )
    assert done.returncode == 0, done.stderr
    assert [shlex.split(line) for line in done.stdout.splitlines()] == expected_adb()
    assert "checkpoint" not in done.stdout


def test_ssh_and_termux_dry_runs(model_dir):
    done = run(["ssh", "--host", "pi@board", "int8/model.tflite", "--dry-run"], model_dir.parent)
    assert done.returncode == 0, done.stderr
    assert [shlex.split(line) for line in done.stdout.splitlines()] == [
        ["ssh", "-p", "22", "pi@board", "mkdir -p tinybert_bench/models/int8"],
        ["scp", "-P", "22", BENCH, "pi@board:tinybert_bench/bench.py"],
        [
            "scp",
            "-P",
            "22",
            "int8/model.tflite",
            "int8/model.json",
            "int8/vocab.txt",
            "pi@board:tinybert_bench/models/int8/",
        ],
        [
            "ssh",
            "-p",
            "22",
            "pi@board",
            (
                "cd tinybert_bench && python3 bench.py models/int8/model.tflite "
                "--json result.json --markdown result.md"
            ),
        ],
        ["scp", "-P", "22", "pi@board:tinybert_bench/result.json", "bench_device.json"],
        ["scp", "-P", "22", "pi@board:tinybert_bench/result.md", "bench_device.md"],
    ]
    done = run(["termux", "int8", "--python", "~/venv/bin/python", "--dry-run"], model_dir.parent)
    lines = [shlex.split(line) for line in done.stdout.splitlines()]
    assert lines[0] == ["adb", "forward", "tcp:8022", "tcp:8022"]
    assert lines[1] == ["ssh", "-p", "8022", "localhost", "mkdir -p tinybert_bench/models/int8"]
    assert all(cmd[0] in ("ssh", "scp") for cmd in lines[1:])
    # The guest's venv Python, with ~ left for the remote shell to expand.
    assert lines[4][-1].startswith("cd tinybert_bench && ~/venv/bin/python bench.py models/int8 ")


def test_no_device_prints_the_commands_and_exits_3(model_dir, tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()  # a PATH with no adb on it
    env = dict(os.environ, PATH=str(empty_bin))
    done = run(
        [
            "adb",
            "int8",
            "--serial",
            "FAKE123",
            "--python",
            "/data/local/tmp/py/bin/python3",
            "--out",
            "out.json",
            "--",
            "--threads",
            "1",
            "2",
            "--runs",
            "100",
        ],
        model_dir.parent,
        env,
    )
    assert done.returncode == 3
    assert "adb is not installed" in done.stderr
    assert [shlex.split(line) for line in done.stdout.splitlines()] == expected_adb()


def test_with_a_device_it_runs_what_the_dry_run_printed(model_dir, tmp_path):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "adb").write_text(FAKE_ADB.replace("/usr/bin/env python3", sys.executable))
    (fake_bin / "adb").chmod(0o755)
    log = tmp_path / "adb.log"
    env = dict(
        os.environ, PATH=f"{fake_bin}{os.pathsep}{os.environ['PATH']}", FAKE_ADB_LOG=str(log)
    )
    done = run(
        [
            "adb",
            "int8",
            "--serial",
            "FAKE123",
            "--python",
            "/data/local/tmp/py/bin/python3",
            "--out",
            "out.json",
            "--",
            "--threads",
            "1",
            "2",
            "--runs",
            "100",
        ],
        model_dir.parent,
        env,
    )
    assert done.returncode == 0, done.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls[0] == ["adb", "devices"]
    assert calls[1:] == expected_adb()
    assert json.loads((model_dir.parent / "out.json").read_text()) == {"results": []}


def test_bad_model_argument(tmp_path):
    done = run(["ssh", "--host", "h", "nothing_here", "--dry-run"], tmp_path)
    assert done.returncode == 2 and "nothing_here: not a .tflite file" in done.stderr
