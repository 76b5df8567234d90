"""Interleaved latency timing of several models in one process.

Every model gets the same inputs at the same step; the timed runs go round-robin
(model A, B, C, A, B, C, ... with the starting model rotating each round), so drift on
a noisy machine (other load, frequency changes) hits every model alike and the ratios
of medians hold even when absolute times move.
"""
import statistics
import time

import numpy as np

from tinybert_tf.constants import INPUT_NAMES


def _role(name):
    """The student input an interpreter / session input name stands for, or None."""
    base = name.split(":")[0].rsplit("/", 1)[-1].lower()
    matches = [role for role in INPUT_NAMES if role in base]
    return matches[0] if len(matches) == 1 else None


class TfliteRunner:
    """One LiteRT interpreter (XNNPACK on, `threads` threads); `run(feed)` sets inputs and invokes.

    `feed` maps student input names to [1, S] arrays; a model whose single input is not a
    student input (the floor) gets a fixed random tensor of its own type and shape.
    """

    runtime = "litert"

    def __init__(self, path, threads, seed=0):
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=path, num_threads=threads)
        self.interpreter.allocate_tensors()
        self.inputs = {d["index"]: d for d in self.interpreter.get_input_details()}
        self.roles = {i: _role(d["name"]) for i, d in self.inputs.items()}
        rng = np.random.default_rng(seed)
        self.fixed = {}
        for i, d in self.inputs.items():
            if self.roles[i] is None:
                info = np.iinfo(d["dtype"]) if np.issubdtype(d["dtype"], np.integer) else None
                values = (rng.integers(info.min, info.max, d["shape"], endpoint=True) if info
                          else rng.standard_normal(d["shape"]))
                self.fixed[i] = values.astype(d["dtype"])

    def run(self, feed):
        for i, d in self.inputs.items():
            role = self.roles[i]
            value = self.fixed[i] if role is None else feed[role].astype(d["dtype"], copy=False)
            self.interpreter.set_tensor(i, value)
        self.interpreter.invoke()


class OnnxRunner:
    """One ONNX Runtime CPU session with `threads` intra-op threads."""

    runtime = "onnxruntime"

    def __init__(self, path, threads, seed=0):
        from benchmarks.onnx_twin import make_session

        self.session = make_session(path, threads)
        self.names = {i.name: _role(i.name) for i in self.session.get_inputs()}
        unknown = [name for name, role in self.names.items() if role is None]
        if unknown:
            raise ValueError(f"{path}: inputs {unknown} are not student inputs")

    def run(self, feed):
        self.session.run(None, {name: feed[role] for name, role in self.names.items()})


RUNNERS = {"litert": TfliteRunner, "onnxruntime": OnnxRunner}


def summarize(times_s):
    """Latency statistics in milliseconds of a list of seconds."""
    ms = np.asarray(times_s) * 1e3
    return {
        "median_ms": float(statistics.median(ms)),
        "p90_ms": float(np.percentile(ms, 90)),
        "min_ms": float(ms.min()),
        "mean_ms": float(ms.mean()),
        "runs": int(ms.size),
    }


def interleaved(runners, feeds, warmup, runs, clock=time.perf_counter):
    """{name: summarize(...)} for `runners` ({name: runner with .run(feed)}).

    Each runner first does `warmup` untimed runs; then `runs` rounds, each timing every
    runner once, in an order that rotates by one every round. Round r feeds
    `feeds[r % len(feeds)]` to every runner.
    """
    if runs < 1 or warmup < 0:
        raise ValueError(f"runs must be >= 1 and warmup >= 0, got runs={runs}, warmup={warmup}")
    if not feeds:
        raise ValueError("feeds must hold at least one input row")
    names = list(runners)
    for name in names:
        for r in range(warmup):
            runners[name].run(feeds[r % len(feeds)])
    times = {name: [] for name in names}
    for r in range(runs):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            start = clock()
            runners[name].run(feeds[r % len(feeds)])
            times[name].append(clock() - start)
    return {name: summarize(t) for name, t in times.items()}
