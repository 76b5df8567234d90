#!/usr/bin/env python3
"""Run export/bench.py on a phone or a board and bring its JSON report back.

Three ways to reach the device:

  adb     `adb shell` runs a Python that the shell user can execute (a rooted phone, an
          Android board image with Python, or a Python unpacked under /data/local/tmp;
          give it with --python). Files go to /data/local/tmp/tinybert_bench.
  termux  a stock phone with Termux. ai-edge-litert ships glibc (manylinux) wheels only,
          and Termux is built on Android's bionic libc, so the benchmark runs in a Debian
          guest: `pkg install proot-distro && proot-distro install debian`, then in
          `proot-distro login debian`: `apt install python3-venv openssh-server`,
          `python3 -m venv ~/venv && ~/venv/bin/pip install numpy ai-edge-litert`,
          `passwd`, `mkdir -p /run/sshd && /usr/sbin/sshd -p 8022`. This script forwards
          that port over USB (`adb forward tcp:8022 tcp:8022`) and uses ssh/scp with
          --python '~/venv/bin/python'.
  ssh     a board (Raspberry Pi, Jetson, any Linux) with python3, numpy, ai-edge-litert.

It copies bench.py and, for each model, the .tflite file(s) with their model.json and
vocabulary (nothing else from the folder), runs the benchmark there, and pulls
result.json / result.md back. With --dry-run, or when no device answers, it prints the
exact commands instead of running them (exit status 3 when no device was found).

    python export/run_on_device.py termux --python '~/venv/bin/python' runs/demo -- --threads 1 2 4
    python export/run_on_device.py ssh --host pi@raspberrypi.local runs/demo --out pi.json
    python export/run_on_device.py adb --python /data/local/tmp/py/bin/python3 runs/demo --dry-run
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "bench.py")
NO_DEVICE = 3
TERMUX_PORT = 8022


class DeviceError(ValueError):
    """Bad arguments for the device runner (missing model, unreadable sidecar)."""


def model_files(path):
    """(folder name, [local files]) to copy for one model argument: the .tflite file(s),
    their JSON sidecars, and the vocabulary files the sidecars name."""
    if os.path.isdir(path):
        folder = path
        tflites = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".tflite"))
        if not tflites:
            raise DeviceError(f"{path}: folder has no .tflite model")
    elif os.path.isfile(path) and path.endswith(".tflite"):
        folder, tflites = os.path.dirname(path) or ".", [path]
    else:
        raise DeviceError(f"{path}: not a .tflite file or a folder holding one")
    files = list(tflites)
    for tflite in tflites:
        for name in (os.path.splitext(os.path.basename(tflite))[0] + ".json", "model.json"):
            sidecar = os.path.join(folder, name)
            if os.path.isfile(sidecar) and sidecar not in files:
                files.append(sidecar)
                try:
                    with open(sidecar, encoding="utf-8") as f:
                        vocab = json.load(f).get("vocab_file")
                except (json.JSONDecodeError, AttributeError) as err:
                    raise DeviceError(f"{sidecar}: not a JSON object ({err})") from err
                if vocab and not os.path.isfile(os.path.join(folder, vocab)):
                    vocab = os.path.basename(vocab)  # bench.py also looks beside the model
                vocab = vocab and os.path.join(folder, vocab)
                if vocab and os.path.isfile(vocab) and vocab not in files:
                    files.append(vocab)
    return os.path.basename(os.path.abspath(folder)), files


def quote_home(word):
    """Shell-quote a word but leave a leading `~/` to the remote shell to expand."""
    return "~/" + shlex.quote(word[2:]) if word.startswith("~/") else shlex.quote(word)


def plan(args):
    """The commands to run, in order, as argument lists."""
    remote = args.remote_dir or (
        "/data/local/tmp/tinybert_bench" if args.mode == "adb" else "tinybert_bench"
    )
    uploads, bench_models, names = [], [], set()
    for path in args.models:
        name, files = model_files(path)
        base, k = name, 1
        while name in names:  # two folders with the same name
            k += 1
            name = f"{base}_{k}"
        names.add(name)
        uploads.append((f"{remote}/models/{name}", files))
        bench_models += (
            [f"models/{name}"]
            if os.path.isdir(path)
            else [f"models/{name}/{os.path.basename(path)}"]
        )
    run = " ".join(
        ["cd", shlex.quote(remote), "&&"]
        + [quote_home(w) for w in shlex.split(args.python)]
        + ["bench.py"]
        + [shlex.quote(m) for m in bench_models]
        + ["--json", "result.json", "--markdown", "result.md"]
        + [shlex.quote(a) for a in args.bench_args]
    )
    out_md = os.path.splitext(args.out)[0] + ".md"
    mkdir = ["mkdir", "-p"] + [folder for folder, _ in uploads]
    if args.mode == "adb":
        adb = ["adb"] + (["-s", args.serial] if args.serial else [])
        return (
            [adb + ["shell", shlex.join(mkdir)], adb + ["push", BENCH, f"{remote}/bench.py"]]
            + [adb + ["push"] + files + [folder + "/"] for folder, files in uploads]
            + [
                adb + ["shell", run],
                adb + ["pull", f"{remote}/result.json", args.out],
                adb + ["pull", f"{remote}/result.md", out_md],
            ]
        )
    port = str(args.port or (TERMUX_PORT if args.mode == "termux" else 22))
    host = args.host or "localhost"
    ssh, scp = ["ssh", "-p", port, host], ["scp", "-P", port]
    cmds = []
    if args.mode == "termux":
        cmds.append(
            ["adb"]
            + (["-s", args.serial] if args.serial else [])
            + ["forward", f"tcp:{port}", f"tcp:{TERMUX_PORT}"]
        )
    return (
        cmds
        + [ssh + [shlex.join(mkdir)], scp + [BENCH, f"{host}:{remote}/bench.py"]]
        + [scp + files + [f"{host}:{folder}/"] for folder, files in uploads]
        + [
            ssh + [run],
            scp + [f"{host}:{remote}/result.json", args.out],
            scp + [f"{host}:{remote}/result.md", out_md],
        ]
    )


def device_ready(args):
    """(True, "") when the device answers, else (False, why)."""
    if args.mode in ("adb", "termux"):
        if not shutil.which("adb"):
            return False, "adb is not installed"
        out = subprocess.run(["adb", "devices"], capture_output=True, text=True, check=False).stdout
        serials = [
            line.split("\t")[0] for line in out.splitlines()[1:] if line.endswith("\tdevice")
        ]
        if not serials:
            return False, "no device attached (adb devices lists none)"
        if args.serial and args.serial not in serials:
            return False, f"no device attached ({args.serial} is not in adb devices)"
        if args.mode == "adb":
            return True, ""
    if not shutil.which("ssh"):
        return False, "ssh is not installed"
    if args.mode == "ssh":
        probe = [
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            "-p",
            str(args.port or 22),
            args.host,
            "true",
        ]
        if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
            return False, f"{args.host} does not answer ssh without a password prompt"
    return True, ""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    bench_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Arguments after -- go to bench.py (e.g. -- --threads 1 2 4 --runs 100).",
    )
    p.add_argument("mode", choices=("adb", "termux", "ssh"))
    p.add_argument("models", nargs="+", help=".tflite files or model folders")
    p.add_argument("--serial", help="adb device serial (adb -s)")
    p.add_argument("--host", help="ssh destination, user@host (ssh mode; termux: localhost)")
    p.add_argument("--port", type=int, help=f"ssh port (default 22; termux {TERMUX_PORT})")
    p.add_argument(
        "--python",
        default="python3",
        help="Python command on the device (default python3; a leading ~/ is expanded there)",
    )
    p.add_argument("--remote-dir", help="working folder on the device")
    p.add_argument("--out", default="bench_device.json", help="where the pulled JSON goes")
    p.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = p.parse_args(argv)
    args.bench_args = bench_args
    if args.mode == "ssh" and not args.host:
        p.error("ssh mode needs --host user@host")
    try:
        commands = plan(args)
    except DeviceError as err:
        print(f"run_on_device.py: {err}", file=sys.stderr)
        return 2
    ready, why = (False, "--dry-run") if args.dry_run else device_ready(args)
    if not ready:
        print(f"# not running ({why}); the commands would be:", file=sys.stderr)
        for cmd in commands:
            print(shlex.join(cmd))
        return 0 if args.dry_run else NO_DEVICE
    for cmd in commands:
        print("+ " + shlex.join(cmd), file=sys.stderr)
        done = subprocess.run(cmd, check=False)
        if done.returncode != 0:
            print(
                f"run_on_device.py: status {done.returncode} from: {shlex.join(cmd)}",
                file=sys.stderr,
            )
            return done.returncode
    with open(args.out, encoding="utf-8") as f:
        report = json.load(f)
    sys.path.insert(0, HERE)
    from bench import terminal_table  # same folder; the host has numpy

    print(terminal_table(report["results"]))
    print(f"report: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
