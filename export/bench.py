#!/usr/bin/env python3
"""Latency benchmark for LiteRT (.tflite) text models, for the device they ship to.

Needs only Python 3.8+, numpy and ai-edge-litert (a phone under Termux, a Raspberry Pi,
a Linux board): no TensorFlow. Copy this file and the model folders; run

    python bench.py runs/demo/*.tflite --threads 1 2 4 --json bench.json --markdown bench.md

Each (model, threads, XNNPACK on/off) runs in its own fresh process, so load time and
peak resident memory (VmHWM) belong to that model alone. Timed runs are interleaved
round-robin across those processes, a few runs per turn, so that drift on a noisy
machine (thermal throttling, other load) hits every model alike and ratios hold.
Reported per model: load/init time, first inference, mean/std/min/p50/p90/p99 of
`interpreter.invoke()` over --runs runs after --warmup runs, peak memory, op counts by
type and which ops the XNNPACK delegate took, and the predicted label of a sample text.

Inputs are real token ids: sample texts (or --texts FILE) tokenized with the vocabulary
named in the model's JSON sidecar (`<model>.json` or `model.json` beside the model:
{"labels", "vocab_file", "sequence_length", "lowercase", "strip_accents"}); without a
vocabulary, ids are drawn inside the vocabulary size read from the embedding table.
Models with tensorflow-text custom ops (tokenizer in the graph) are fed raw text when
`tensorflow_text` is importable, and reported as skipped otherwise.
"""

import argparse
import collections
import json
import os
import platform
import subprocess
import sys
import time
import unicodedata

import numpy as np

SAMPLE_TEXTS = [
    "The central bank kept interest rates on hold as inflation eased for a third month.",
    "Shares in the carmaker fell sharply after it warned that profits would miss forecasts.",
    "The striker scored twice in the second half to send his side top of the league.",
    "Ministers will publish plans for a new rail line linking the northern cities next week.",
    "A new smartphone with a folding screen went on sale in Europe and Asia on Friday.",
    "The film won best picture at the awards ceremony, beating two much bigger productions.",
    "Researchers said the software flaw could let attackers take control of home routers.",
    "Opposition leaders called for an inquiry into the cost of the delayed hospital project.",
]
ROLES = {  # input name -> role, for the names BERT exporters use
    "tokens": ("token_ids", "input_ids", "input_word_ids"),
    "segments": ("segment_ids", "token_type_ids", "input_type_ids"),
    "mask": ("padding_mask", "attention_mask", "input_mask"),
}
SPECIAL_OK = ("[CLS]", "[SEP]", "[PAD]", "[UNK]")


class BenchError(ValueError):
    """Bad input to the benchmark (missing model, unreadable sidecar)."""


# --------------------------------------------------------------------------- models
def find_models(paths):
    """Expand folders to the .tflite files they hold; keep the order given."""
    models = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".tflite"))
            if not found:
                raise BenchError(f"{path}: folder has no .tflite model")
            models += found
        elif os.path.isfile(path):
            models.append(path)
        else:
            raise BenchError(f"{path}: no such model file or folder")
    return models


def load_sidecar(model_path):
    """The model's JSON sidecar (`<stem>.json`, else `model.json` beside it), or {}."""
    folder = os.path.dirname(os.path.abspath(model_path))
    for name in (os.path.splitext(os.path.basename(model_path))[0] + ".json", "model.json"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
            except json.JSONDecodeError as err:
                raise BenchError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from err
            if not isinstance(data, dict):
                raise BenchError(f"{path}: expected a JSON object")
            data["_path"] = path
            return data
    return {}


# ------------------------------------------------------------------------ tokenizer
class MiniWordPiece:
    """BERT basic tokenization + greedy WordPiece, enough to turn text into the
    in-vocabulary ids a real user would send. Hand-written because no tokenizer library
    exists on the device side (keras-hub and tensorflow-text need TensorFlow); the exact
    rules are tested on the Kotlin side, here the ids only need to be realistic."""

    def __init__(self, vocab_file, lowercase=True, strip_accents=False):
        with open(vocab_file, encoding="utf-8") as f:
            self.vocab = {line.rstrip("\r\n"): i for i, line in enumerate(f)}
        missing = [t for t in SPECIAL_OK if t not in self.vocab]
        if missing:
            raise BenchError(f"{vocab_file}: vocabulary lacks {', '.join(missing)}")
        self.lowercase, self.strip_accents = lowercase, strip_accents

    def words(self, text):
        if self.strip_accents:
            text = "".join(
                c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
            )
        words, word = [], []
        for ch in text:
            cat = unicodedata.category(ch)
            if ch.isspace() or cat in ("Cc", "Cf"):
                words.append("".join(word))
                word = []
            elif (
                cat.startswith("P")
                or (ch.isascii() and not ch.isalnum())
                or 0x4E00 <= ord(ch) <= 0x9FFF
            ):
                words += ["".join(word), ch]
                word = []
            else:
                word.append(ch)
        words = [w for w in words + ["".join(word)] if w]
        return (
            [unicodedata.normalize("NFKC", w).casefold() for w in words]
            if self.lowercase
            else words
        )

    def encode_word(self, word):
        if len(word.encode("utf-8")) > 100:
            return [self.vocab["[UNK]"]]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start and (("##" if start else "") + word[start:end]) not in self.vocab:
                end -= 1
            if end == start:  # no piece fits: the whole word is unknown
                return [self.vocab["[UNK]"]]
            ids.append(self.vocab[("##" if start else "") + word[start:end]])
            start = end
        return ids

    def encode(self, text):
        return [i for word in self.words(text) for i in self.encode_word(word)]

    def pack(self, ids, seq_len):
        """[CLS] ids [SEP] + [PAD] to seq_len: (token ids, segment ids, padding mask)."""
        ids = [self.vocab["[CLS]"]] + ids[: max(seq_len - 2, 0)] + [self.vocab["[SEP]"]]
        n = len(ids)
        return (
            ids + [self.vocab["[PAD]"]] * (seq_len - n),
            [0] * seq_len,
            [1] * n + [0] * (seq_len - n),
        )


# -------------------------------------------------------------------------- inputs
def input_role(name):
    base = name.split(":")[0].rsplit("/", 1)[-1].lower().replace("serving_default_", "")
    for role, names in ROLES.items():
        if base in names:
            return role
    return None


def to_dtype(values, detail):
    """Cast to the input tensor's type, quantizing with its scale / zero point when int8."""
    dtype = detail["dtype"]
    scale, zero = detail.get("quantization", (0.0, 0))
    values = np.asarray(values, dtype=np.float64 if scale else np.int64)
    if scale and np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        values = np.clip(np.round(values / scale) + zero, info.min, info.max)
    return values.astype(dtype).reshape(detail["shape"])


# Ops an id tensor passes through on its way to the embedding lookup (casts, reshapes, and
# the `where(ids < 0, ids + V, ids)` wrap-around keras-hub exports).
ID_OPS = {"CAST", "RESHAPE", "EXPAND_DIMS", "SQUEEZE", "LESS", "ADD", "SELECT", "SELECT_V2"}


def embedding_rows(interp, tensor_index):
    """Vocabulary size: rows of the GATHER table that the token input indexes."""
    ops, seen, frontier = interp._get_ops_details(), set(), {int(tensor_index)}
    for _ in range(6):
        nxt = set()
        for op in ops:
            ins = [int(i) for i in op["inputs"]]
            if op["op_name"] == "GATHER" and len(ins) > 1 and ins[1] in frontier:
                return int(interp._get_tensor_details(ins[0], 0)["shape"][0])
            if op["op_name"] in ID_OPS and frontier.intersection(ins):
                nxt.update(int(o) for o in op["outputs"])
        seen |= frontier
        frontier = nxt - seen
    return None


def make_feeds(interp, details, sidecar, texts, random_ids, rng):
    """One feed dict (input name -> array) per text, plus a description of the ids."""
    roles = {name: input_role(name) for name in details}
    info = {"roles": roles, "dtypes": {n: np.dtype(d["dtype"]).name for n, d in details.items()}}
    if any(np.dtype(d["dtype"]).kind in "OS" for d in details.values()):  # tokenizer in the graph
        info["source"] = "raw_text"
        return [
            {
                n: np.array([t.encode()] * int(np.prod(d["shape"])), dtype=object).reshape(
                    d["shape"]
                )
                for n, d in details.items()
            }
            for t in texts
        ], info
    tokens = [n for n, r in roles.items() if r == "tokens"] or list(details)[:1]
    seq_len = int(details[tokens[0]]["shape"][-1])
    vocab_file = sidecar.get("vocab_file")
    if vocab_file:
        folder = os.path.dirname(sidecar["_path"])
        beside = os.path.join(folder, os.path.basename(vocab_file))
        vocab_file = os.path.join(folder, vocab_file)  # relative to the sidecar; absolute kept
        if not os.path.isfile(vocab_file) and os.path.isfile(beside):
            vocab_file = beside  # a host path, copied beside the model on the device
    if vocab_file and not random_ids:
        if not os.path.isfile(vocab_file):
            raise BenchError(f"{sidecar['_path']}: vocab_file {vocab_file} not found")
        tok = MiniWordPiece(
            vocab_file, sidecar.get("lowercase", True), sidecar.get("strip_accents", False)
        )
        rows = embedding_rows(interp, details[tokens[0]]["index"])
        if rows and len(tok.vocab) > rows:
            raise BenchError(
                f"{vocab_file}: {len(tok.vocab)} tokens but the model embeds only {rows}"
            )
        packed = [tok.pack(tok.encode(t), seq_len) for t in texts]
        vocab_size, unk = len(tok.vocab), tok.vocab["[UNK]"]
        info["source"] = "texts"
    else:
        vocab_size = sidecar.get("vocab_size") or embedding_rows(
            interp, details[tokens[0]]["index"]
        )
        if not vocab_size:
            raise BenchError(
                "cannot tell the vocabulary size: give the model a model.json with vocab_file"
            )
        # BERT vocabularies keep [PAD] 0, [unused] rows, [CLS] 101, [SEP] 102 below id 1000.
        low, cls, sep = (1000, 101, 102) if vocab_size > 2000 else (1, 1, 2)
        packed = []
        for t in texts:  # as many ids as the text has words, drawn inside the vocabulary
            n = min(len(t.split()) + 2, seq_len)
            ids = [cls] + [int(i) for i in rng.integers(low, vocab_size, n - 2)] + [sep]
            packed.append((ids + [0] * (seq_len - n), [0] * seq_len, [1] * n + [0] * (seq_len - n)))
        unk = None
        info["source"] = "random_ids"
    real = [i for ids, _, mask in packed for i, m in zip(ids, mask) if m]
    info.update(
        vocab_size=int(vocab_size),
        sequence_length=seq_len,
        num_sequences=len(packed),
        token_id_min=int(min(real)),
        token_id_max=int(max(real)),
        unk_fraction=round(sum(i == unk for i in real) / len(real), 4),
        first_token_ids=[int(i) for i in packed[0][0]],
    )
    feeds = []
    for ids, seg, mask in packed:
        by_role = {"tokens": ids, "segments": seg, "mask": mask, None: [0] * seq_len}
        feeds.append(
            {
                n: to_dtype(by_role[roles[n]] if n not in tokens else ids, d)
                for n, d in details.items()
            }
        )
    return feeds, info


# ---------------------------------------------------------------- ops and delegation
def custom_ops(model_bytes):
    """Custom op codes in the flatbuffer (needs the flatbuffers package ai-edge-litert uses)."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.Model.GetRootAs(model_bytes, 0)
    codes = [model.OperatorCodes(i) for i in range(model.OperatorCodesLength())]
    return sorted({c.CustomCode().decode() for c in codes if c.CustomCode()})


def delegation(interp):
    """Op counts by type, and which the delegate took. A delegate replaces the nodes it
    takes with one DELEGATE node whose inputs/outputs are the partition's boundary:
    walking back from its outputs to its inputs recovers the nodes it replaced."""
    ops = interp._get_ops_details()
    original = [op for op in ops if op["op_name"] != "DELEGATE"]
    producer = {int(t): op for op in original for t in op["outputs"]}
    taken, partitions = set(), 0
    for node in (op for op in ops if op["op_name"] == "DELEGATE"):
        partitions += 1
        boundary, stack = {int(t) for t in node["inputs"]}, [int(t) for t in node["outputs"]]
        while stack:
            op = producer.get(stack.pop())
            if op is not None and op["index"] not in taken:
                taken.add(op["index"])
                stack += [int(t) for t in op["inputs"] if int(t) >= 0 and int(t) not in boundary]

    def count(nodes):
        return dict(sorted(collections.Counter(op["op_name"] for op in nodes).items()))

    return {
        "total": len(original),
        "by_type": count(original),
        "delegated": len(taken),
        "partitions": partitions,
        "delegated_by_type": count(op for op in original if op["index"] in taken),
        "not_delegated_by_type": count(op for op in original if op["index"] not in taken),
    }


def memory_mb():
    """(current RSS, peak RSS) in MiB from /proc (Linux, Android), else getrusage peak."""
    try:
        with open("/proc/self/status") as f:
            kb = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
        return int(kb["VmRSS"].split()[0]) / 1024, int(kb["VmHWM"].split()[0]) / 1024, "VmHWM"
    except (OSError, KeyError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS
        return None, peak, "ru_maxrss"


# -------------------------------------------------------------------------- worker
def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def worker_main(spec):
    """In a fresh process: load one model, first run, warm-up, then answer `run N`
    lines on stdin with N timings, and `done` with the memory high-water mark."""
    try:
        serve(spec)
    except (ValueError, RuntimeError, OSError) as err:  # the parent reports it, others go on
        emit({"status": "error", "reason": f"{type(err).__name__}: {' '.join(str(err).split())}"})


def serve(spec):
    import mmap

    from ai_edge_litert import interpreter as litert

    with open(spec["path"], "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        custom = custom_ops(m)
    resolver = litert.OpResolverType
    kwargs = {
        "model_path": spec["path"],
        "num_threads": spec["threads"],
        "experimental_op_resolver_type": resolver.AUTO
        if spec["xnnpack"]
        else resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    }
    factory = litert.Interpreter
    if custom:
        try:
            import tensorflow_text  # registrar for tokenizer ops; pulls in TensorFlow
        except ImportError as err:
            return emit(
                {
                    "status": "skipped",
                    "reason": f"custom ops {', '.join(custom)} need "
                    f"tensorflow_text's TFLite registrar, not importable here ({err})",
                }
            )
        factory = litert.InterpreterWithCustomOps
        kwargs["custom_op_registerers"] = tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS
    rss_before, _, _ = memory_mb()
    start = time.perf_counter()
    interp = factory(**kwargs)
    interp.allocate_tensors()
    init_ms = (time.perf_counter() - start) * 1e3
    signatures = interp.get_signature_list()
    if signatures:
        runner = interp.get_signature_runner(next(iter(signatures)))
        inputs, outputs = runner.get_input_details(), runner.get_output_details()
        del runner  # it holds the interpreter's internals, which blocks invoke()
    else:
        inputs = {d["name"]: d for d in interp.get_input_details()}
        outputs = {d["name"]: d for d in interp.get_output_details()}
    sidecar = load_sidecar(spec["path"])
    rng = np.random.default_rng(spec["seed"])
    feeds, info = make_feeds(interp, inputs, sidecar, spec["texts"], spec["random_ids"], rng)

    def run(i):
        for name, value in feeds[i % len(feeds)].items():
            interp.set_tensor(inputs[name]["index"], value)
        start = time.perf_counter()
        interp.invoke()
        return (time.perf_counter() - start) * 1e3

    first_ms = run(0)
    out_name = "logits" if "logits" in outputs else next(iter(outputs))
    out = interp.get_tensor(outputs[out_name]["index"]).astype(np.float64).ravel()
    scale, zero = outputs[out_name].get("quantization", (0.0, 0))
    out = (out - zero) * scale if scale else out
    labels, prediction = sidecar.get("labels"), None
    if labels and len(labels) == out.size:
        probs = np.exp(out - out.max())
        probs /= probs.sum()
        prediction = {
            "text": spec["texts"][0],
            "label": labels[int(probs.argmax())],
            "probability": round(float(probs.max()), 4),
        }
    for i in range(spec["warmup"]):
        run(i + 1)
    emit(
        {
            "status": "ok",
            "custom_ops": custom,
            "init_ms": init_ms,
            "first_inference_ms": first_ms,
            "inputs": info,
            "ops": delegation(interp),
            "prediction": prediction,
            "rss_before_load_mb": rss_before,
        }
    )
    done = spec["warmup"] + 1
    for line in sys.stdin:
        if line.startswith("run "):  # one untimed run first: another process ran in between
            n = int(line.split()[1])
            run(done)
            emit({"times_ms": [run(done + 1 + i) for i in range(n)]})
            done += n + 1
        else:
            _, peak, source = memory_mb()
            return emit({"peak_rss_mb": peak, "memory_source": source})


# -------------------------------------------------------------------------- parent
class Worker:
    """One benchmark process; talks JSON lines over its stdin/stdout."""

    def __init__(self, spec):
        self.spec, self.result, self.times = spec, {}, []
        self.log = open(spec["log"], "w")  # noqa: SIM115 - the worker's stderr while it lives
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )

    def ask(self, line=None):
        try:
            if line is not None:
                self.proc.stdin.write(line + "\n")
                self.proc.stdin.flush()
            reply = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            reply = ""
        if reply and json.loads(reply).get("status") == "error":
            raise RuntimeError(json.loads(reply)["reason"])
        if not reply:
            self.proc.wait()
            self.log.close()
            with open(self.spec["log"]) as f:
                tail = " ".join(" ".join(f.read().split()).split()[-40:])
            raise RuntimeError(f"worker exited with status {self.proc.returncode}: {tail}")
        return json.loads(reply)


def summarize(times):
    t = np.asarray(times)
    p50, p90, p99 = np.percentile(t, [50, 90, 99])
    return {
        "runs": int(t.size),
        "mean": float(t.mean()),
        "std": float(t.std(ddof=1)) if t.size > 1 else 0.0,
        "min": float(t.min()),
        "max": float(t.max()),
        "p50": float(p50),
        "p90": float(p90),
        "p99": float(p99),
    }


def benchmark(models, args, texts, log_dir, schedule):
    """Measure every (model, threads, xnnpack) config; returns result dicts in order and
    appends to `schedule` the config index of each round-robin turn."""
    specs = [
        {
            "path": os.path.abspath(m),
            "threads": t,
            "xnnpack": x,
            "warmup": args.warmup,
            "texts": texts,
            "random_ids": args.random_ids,
            "seed": args.seed,
            "log": os.path.join(log_dir, f"worker_{i}_{t}_{int(x)}.log"),
        }
        for i, m in enumerate(models)
        for t in args.threads
        for x in args.xnnpack
    ]
    workers = []
    for spec in specs:  # load one at a time, so load times are not contended
        print(
            f"loading {spec['path']} threads={spec['threads']} xnnpack={spec['xnnpack']}",
            file=sys.stderr,
        )
        w = Worker(spec)
        try:
            w.result = w.ask()
        except RuntimeError as err:
            w.result = {"status": "error", "reason": str(err)}
        workers.append(w)
    live = [w for w in workers if w.result.get("status") == "ok"]
    while any(len(w.times) < args.runs for w in live):  # interleaved, round-robin
        for w in [w for w in live if len(w.times) < args.runs]:
            schedule.append(workers.index(w))
            try:
                w.times += w.ask(f"run {min(args.chunk, args.runs - len(w.times))}")["times_ms"]
            except RuntimeError as err:
                w.result, w.times = {"status": "error", "reason": str(err)}, []
                live.remove(w)
    paths = [w.spec["path"] for w in workers]
    unique = len({os.path.basename(p) for p in paths}) == len(set(paths))
    root = os.path.commonpath(paths)
    results = []
    for w in workers:
        path = w.spec["path"]
        res = {
            "model": os.path.basename(path) if unique else os.path.relpath(path, root),
            "path": path,
            "size_bytes": os.path.getsize(path),
            "threads": w.spec["threads"],
            "xnnpack": w.spec["xnnpack"],
            "reason": None,
            **w.result,
        }
        if w in live:
            memory = w.ask("done")
            res["latency_ms"], res["times_ms"] = summarize(w.times), w.times
            res["memory_mb"] = {
                "rss_before_load": res.pop("rss_before_load_mb"),
                "peak_rss": memory["peak_rss_mb"],
                "source": memory["memory_source"],
            }
        w.proc.wait()
        results.append(res)
    return results


# -------------------------------------------------------------------------- output
COLUMNS = (
    "model",
    "threads",
    "XNNPACK",
    "init ms",
    "1st ms",
    "mean",
    "std",
    "min",
    "p50",
    "p90",
    "p99",
    "peak MiB",
    "ops on XNNPACK",
    "p50 vs 1st",
)


def rows(results):
    ok = [r for r in results if r["status"] == "ok"]
    base = ok[0]["latency_ms"]["p50"] if ok else None
    for r in results:
        head = [r["model"], str(r["threads"]), "on" if r["xnnpack"] else "off"]
        if r["status"] != "ok":
            yield head + [f"{r['status'].upper()}: {r['reason']}"]
            continue
        lat, ops = r["latency_ms"], r["ops"]
        yield (
            head
            + [f"{r['init_ms']:.1f}", f"{r['first_inference_ms']:.2f}"]
            + [f"{lat[k]:.3f}" for k in ("mean", "std", "min", "p50", "p90", "p99")]
            + [
                f"{r['memory_mb']['peak_rss']:.1f}",
                f"{ops['delegated']}/{ops['total']} ({ops['partitions']} part.)",
                f"{lat['p50'] / base:.2f}x",
            ]
        )


def terminal_table(results):
    table = [list(COLUMNS)] + list(rows(results))
    widths = [
        max(len(r[i]) for r in table if i < len(r) and len(r) == len(COLUMNS))
        for i in range(len(COLUMNS))
    ]
    lines = []
    for r in table:
        lines.append(
            "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
            if len(r) == len(COLUMNS)
            else "  ".join(r)
        )
    return "\n".join(lines)


def markdown(report):
    env, s = report["environment"], report["settings"]
    out = [
        (
            f"Device: {env['machine']} ({env['platform']}, {env['cpu_count']} CPUs), "
            f"Python {env['python']}, ai-edge-litert {env['ai_edge_litert']}. {s['runs']} timed "
            f"runs of `Interpreter.invoke()` after {s['warmup']} warm-up runs per model, batch 1, "
            f"interleaved round-robin ({s['chunk']} runs per turn); times in ms; peak MiB is the "
            "process's peak resident memory."
        ),
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for r in rows(report["results"]):
        out.append("| " + " | ".join(r + [""] * (len(COLUMNS) - len(r))) + " |")
    out += [
        "",
        "| model | threads | XNNPACK | ops | not on XNNPACK | inputs |",
        "|---|---|---|---|---|---|",
    ]
    for r in report["results"]:
        if r["status"] == "ok":
            ops, i = r["ops"], r["inputs"]
            left = ", ".join(f"{k} {v}" for k, v in ops["not_delegated_by_type"].items()) or "none"
            ids = (
                f"{i['source']}: ids {i.get('token_id_min')}..{i.get('token_id_max')}"
                f" < {i.get('vocab_size')}"
            )
            out.append(
                f"| {r['model']} | {r['threads']} | {'on' if r['xnnpack'] else 'off'} | "
                f"{ops['total']} | {left} | {ids} |"
            )
    return "\n".join(out) + "\n"


def plot(results, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not importable: no plot"
    ok = [r for r in results if r["status"] == "ok"]
    if not ok:
        return "no model ran: no plot"
    fig, ax = plt.subplots(figsize=(1.5 + 1.4 * len(ok), 4.5))
    ax.boxplot([r["times_ms"] for r in ok])
    ax.set_xticks(range(1, len(ok) + 1))
    ax.set_xticklabels(
        [
            r["model"].replace("/", "/\n")
            + f"\n{r['threads']} thr, XNNPACK {'on' if r['xnnpack'] else 'off'}"
            for r in ok
        ],
        fontsize=7,
    )
    ax.set_ylabel("latency of one invoke (ms)")
    ax.set_title("Latency distribution per model")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def environment():
    try:
        from importlib.metadata import version

        litert = version("ai-edge-litert")
    except Exception:  # noqa: BLE001 - metadata missing on some installs
        litert = "unknown"
    return {
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "ai_edge_litert": litert,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("models", nargs="+", help=".tflite files or folders holding them")
    p.add_argument("--runs", type=int, default=50, help="timed runs per model (default 50)")
    p.add_argument(
        "--warmup", type=int, default=10, help="untimed runs after the first (default 10)"
    )
    p.add_argument("--threads", type=int, nargs="+", default=[1], help="thread counts, e.g. 1 2 4")
    p.add_argument(
        "--xnnpack", choices=("on", "off", "both"), default="on", help="XNNPACK delegate"
    )
    p.add_argument("--no-xnnpack", action="store_true", help="same as --xnnpack off")
    p.add_argument(
        "--chunk", type=int, default=5, help="runs per turn in the round-robin (default 5)"
    )
    p.add_argument(
        "--texts", help="file with one sample text per line (default: built-in sentences)"
    )
    p.add_argument(
        "--random-ids", action="store_true", help="ids drawn inside the vocabulary, not texts"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="write the full report (with every timing) here")
    p.add_argument("--markdown", help="write the tables as markdown here")
    p.add_argument("--plot", help="write a latency box plot (PNG) here; needs matplotlib")
    args = p.parse_args(argv)
    if min(args.runs, args.chunk, *args.threads) < 1 or args.warmup < 0:
        p.error("--runs, --chunk and --threads must be >= 1, --warmup >= 0")
    args.xnnpack = {"on": [True], "off": [False], "both": [True, False]}[
        "off" if args.no_xnnpack else args.xnnpack
    ]
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        worker_main(json.loads(argv[1]))
        return 0
    args = parse_args(argv)
    try:
        models = find_models(args.models)
        for model in models:
            load_sidecar(model)  # a broken sidecar stops here with its file and line
        texts = SAMPLE_TEXTS
        if args.texts:
            with open(args.texts, encoding="utf-8") as f:
                texts = [line.strip() for line in f if line.strip()]
            if not texts:
                raise BenchError(f"{args.texts}: no texts")
    except (BenchError, OSError) as err:
        print(f"bench.py: {err}", file=sys.stderr)
        return 2
    import tempfile

    schedule = []
    with tempfile.TemporaryDirectory(prefix="bench_") as log_dir:
        results = benchmark(models, args, texts, log_dir, schedule)
    report = {
        "environment": environment(),
        "results": results,
        "schedule": schedule,
        "settings": {
            "runs": args.runs,
            "warmup": args.warmup,
            "threads": args.threads,
            "xnnpack": args.xnnpack,
            "chunk": args.chunk,
            "interleaved": True,
            "inputs": "random_ids" if args.random_ids else "texts",
        },
    }
    print(terminal_table(results))
    if args.plot:
        report["plot"] = plot(results, args.plot)
        print(report["plot"], file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(markdown(report))
    return 0 if any(r["status"] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
