"""android_demo/run_jvm_tests.sh: the app's plain-Kotlin core (tokenizer, packer, latency
statistics) passes its JUnit tests, including agreement with keras-hub on every shared
tokenizer vector. Skipped, with the reason, where no JDK / kotlinc / JUnit is installed."""

import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "android_demo", "run_jvm_tests.sh")
SKIPPED = 3


@pytest.mark.slow
def test_kotlin_core_tests_pass(tmp_path):
    env = dict(os.environ, JVM_TEST_BUILD_DIR=str(tmp_path / "build"))
    done = subprocess.run(
        ["bash", SCRIPT], capture_output=True, text=True, env=env, timeout=1200, check=False
    )
    if done.returncode == SKIPPED:
        pytest.skip(done.stderr.strip().splitlines()[-1])
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert "OK (" in done.stdout


def test_script_skips_clearly_without_tools(tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()  # no java, kotlinc or npm on PATH
    done = subprocess.run(
        ["/bin/bash", SCRIPT],
        capture_output=True,
        text=True,
        env={"PATH": str(empty_bin), "HOME": str(tmp_path)},
        timeout=60,
        check=False,
    )
    assert done.returncode == SKIPPED
    assert done.stderr.startswith("SKIPPED: no kotlinc/JDK")
