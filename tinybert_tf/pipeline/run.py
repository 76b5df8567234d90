"""The whole road: teacher -> distilled student -> QAT -> TFLite variants -> evaluation -> bench.

Each step writes its results under the run folder and a `<step>/DONE.json` marker with
what it produced. Re-running the pipeline reuses finished steps (unless `force`), and
the steps that train resume from their own checkpoints, so an interrupted run continues
where it stopped.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

from tinybert_tf import atomic
from tinybert_tf.pipeline.config import CONFIG_FILE, PipelineConfig

BENCH_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "export", "bench.py")
STEPS = ("teacher", "distill", "quantize", "export", "evaluate", "bench", "report")


def write_json(path, data):
    """Atomic JSON write (numpy values as Python ones): a crash never leaves half a file."""
    return atomic.write_json(path, data, default=_to_builtin)


def _to_builtin(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value)}")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Run:
    """A run folder: its config, the task data, the teacher, and per-step results."""

    def __init__(self, config, force=(), log=print):
        self.requested = config
        self.config = config.resolved()
        self.dir = os.path.abspath(config.out)
        self.force = set(force)
        self.log = log
        os.makedirs(self.dir, exist_ok=True)
        config.save(os.path.join(self.dir, CONFIG_FILE))
        self._task = self._teacher = self._tokenizer = None

    # --- shared pieces, built once per process -------------------------------------
    @property
    def task(self):
        if self._task is None:
            from tinybert_tf.data import load_task

            self._task = load_task(self.config.task, seed=self.config.seed, limit=self.config.limit)
        return self._task

    @property
    def teacher(self):
        if self._teacher is None:
            import keras

            from tinybert_tf.teacher import load_teacher

            # Keras 3 layers draw their dropout seeds when built: seed first, so the
            # teacher's fine-tuning repeats run to run.
            keras.utils.set_random_seed(self.config.seed)
            self._teacher = load_teacher(self.config.teacher)
        return self._teacher

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tinybert_tf.data import Tokenizer

            self._tokenizer = Tokenizer(self.teacher.vocab_file, lowercase=self.teacher.lowercase,
                                        sequence_length=self.config.sequence_length)
        return self._tokenizer

    def dataset(self, split, shuffle=False, examples=None, extra_features=None):
        from tinybert_tf.data import make_dataset

        examples = self.task.split(split) if examples is None else examples
        return make_dataset(examples, self.tokenizer, self.task.kind,
                            batch_size=self.config.batch_size, shuffle=shuffle,
                            seed=self.config.seed, extra_features=extra_features)

    def encoded(self, split):
        from tinybert_tf.data import encode_examples

        return encode_examples(self.task.split(split), self.tokenizer, self.task.kind)

    def path(self, *parts):
        path = os.path.join(self.dir, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    # --- step bookkeeping ---------------------------------------------------------
    def done(self, step):
        marker = os.path.join(self.dir, step, "DONE.json")
        if step in self.force or not os.path.isfile(marker):
            return None
        return read_json(marker)

    def finish(self, step, result, started):
        result = dict(result, seconds=round(time.time() - started, 1))
        write_json(self.path(step, "DONE.json"), result)
        summary = ", ".join(f"{k}={v}" for k, v in result.items()
                            if isinstance(v, (int, float, str)) and k != "seconds")
        self.log(f"[{step}] done in {result['seconds']:.0f}s: {summary}")
        return result

    def step(self, name):
        """Run one step (reusing its result when it already finished)."""
        previous = self.done(name)
        if previous is not None:
            self.log(f"[{name}] reusing finished step ({os.path.join(self.dir, name)})")
            return previous
        from tinybert_tf.pipeline import steps

        started = time.time()
        self.log(f"[{name}] running...")
        return self.finish(name, getattr(steps, f"run_{name}")(self), started)


def run_pipeline(config, force=(), only=None, log=print):
    """Run every step (or `only` those named) and return the report dict."""
    run = Run(config, force=force, log=log)
    results = {}
    for name in only or STEPS:
        if name not in STEPS:
            raise ValueError(f"unknown step {name!r}; steps: {', '.join(STEPS)}")
        results[name] = run.step(name)
    return results


def bench_models(model_paths, out_json, runs, threads, log=print):
    """The device-side harness (export/bench.py) on this host, models interleaved."""
    cmd = [sys.executable, os.path.abspath(BENCH_SCRIPT), *model_paths, "--runs", str(runs),
           "--threads", str(threads), "--json", out_json]
    log("  $ " + " ".join(os.path.relpath(c) if os.path.exists(c) else c for c in cmd))
    subprocess.run(cmd, check=True)
    return read_json(out_json)


__all__ = ["PipelineConfig", "Run", "run_pipeline", "STEPS"]
