"""`make bench`: our int8 TFLite student against the alternatives, in one interleaved run.

    python -m benchmarks.compare                        # random tinybert_4l_312d, sequence 128
    python -m benchmarks.compare --run runs/demo        # a pipeline run's student and models
    python -m benchmarks.compare --runs 200 --markdown benchmarks/results.md

At batch 1, for each sequence length (128, plus the task's own with --task-length or a
run) and each thread count (1 and 2), every model is timed round-robin in one process:

    int8 TFLite student, fp32 TFLite student, ONNX Runtime dynamic int8 of the same
    student, the float teacher as TFLite, and the int8 matmul-only floor.

Prints the median latencies and the speed-ups, and writes a JSON file whose top level
holds fp32_over_int8, onnxruntime_over_int8, int8_over_floor and teacher_over_int8
(ratios of medians at sequence 128, one thread) beside every raw median.
"""
import argparse
import os
import platform
import sys

from benchmarks.report import HEADLINE

DEFAULT_OUT = os.path.join("benchmarks", "results.json")
DEFAULT_WORK_DIR = os.path.join("benchmarks", "build")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="tinybert-tf bench-compare",
        description="Compare our int8 TFLite student with fp32, ONNX Runtime int8, the float "
                    "teacher and an int8 matmul-only floor, interleaved, batch 1.")
    parser.add_argument("--run", help="a pipeline run folder (distill/student.keras, models/); "
                        "default: a randomly initialised student")
    parser.add_argument("--preset", default="tinybert_4l_312d",
                        help="student architecture without --run (default: %(default)s)")
    parser.add_argument("--sequence-length", type=int, default=HEADLINE["sequence_length"],
                        help="the length the four ratios are taken at (default: %(default)s)")
    parser.add_argument("--task-length", type=int, default=None,
                        help="also measure at the task's own length (default: the run's)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts (default: 1 2); the ratios use the first")
    parser.add_argument("--runs", type=int, default=100, help="timed runs per model (default: 100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed runs first (default: 10)")
    parser.add_argument("--floor-attention", action="store_true",
                        help="also time the floor with the two int8 attention batch matmuls")
    parser.add_argument("--out", default=DEFAULT_OUT, help="results JSON (default: %(default)s)")
    parser.add_argument("--markdown", help="also write the table as Markdown to this file")
    parser.add_argument("--work-dir", default=DEFAULT_WORK_DIR,
                        help="where the compared model files are written (default: %(default)s)")
    return parser


def _lengths(args, source):
    """The sequence lengths to measure: the headline one, then the task's own."""
    from benchmarks.student import BenchInputError

    task = args.task_length or source.task_length
    lengths = [args.sequence_length] + ([task] if task and task != args.sequence_length else [])
    limit = source.model.backbone.max_sequence_length
    for seq in lengths:
        if not 3 <= seq <= limit:
            raise BenchInputError(f"{source.where}: sequence length {seq} is outside 3..{limit} "
                                  f"(the student's position table)")
    return lengths


def _versions():
    import importlib.metadata as md

    out = {}
    for name in ("tensorflow", "ai-edge-litert", "onnxruntime", "tf2onnx"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def _cpu():
    """CPU model and the SIMD extensions that decide int8 speed (Linux; else the platform)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            info = f.read()
    except OSError:
        return platform.processor() or platform.machine()
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                 if line.startswith("model name")), platform.machine())
    flags = next((line.split(":", 1)[1].split() for line in info.splitlines()
                  if line.startswith("flags")), [])
    simd = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if f in flags]
    return f"{name} ({', '.join(simd) or 'no AVX2'})"


def compare(args, log=print):
    """Build every model, time them, and return the results document."""
    from benchmarks import report, timing
    from benchmarks.candidates import build_candidates
    from benchmarks.student import StudentSource

    source = StudentSource(run_dir=args.run, preset=args.preset)
    lengths = _lengths(args, source)
    log(f"student: {source.description}")
    models, skipped, configurations, cache = {}, {}, [], {}
    for seq in lengths:
        feeds = source.feeds(seq)
        candidates, missing = build_candidates(
            source, seq, os.path.join(args.work_dir, f"seq{seq}"), feeds,
            include_floor_attention=args.floor_attention, cache=cache, log=log)
        skipped.update(missing)
        for candidate in candidates:
            models.setdefault(candidate.key, candidate.describe())
            models[candidate.key].setdefault("paths", {})[str(seq)] = candidate.path
        for threads in args.threads:
            log(f"timing at sequence {seq}, {threads} thread(s): {args.runs} runs x "
                f"{len(candidates)} models, interleaved")
            runners = {c.key: timing.RUNNERS[c.runtime](c.path, threads) for c in candidates}
            stats = timing.interleaved(runners, feeds, args.warmup, args.runs)
            configurations.append({"sequence_length": seq, "threads": threads, "stats": stats})
            del runners
    arch = source.architecture
    settings = {
        "student": source.description, "random_weights": source.random_weights,
        "architecture": arch, "sequence_lengths": lengths, "threads": args.threads,
        "runs": args.runs, "warmup": args.warmup, "batch": 1, "skipped": skipped,
        "inputs": "real BBC News articles tokenized with the teacher's vocabulary",
        "machine": {"platform": platform.platform(), "cpu": _cpu(), "cpu_count": os.cpu_count()},
        "versions": _versions(),
        "summary": (f"Student: {source.description}. Batch 1, {args.runs} timed runs per model "
                    f"after {args.warmup} warm-up runs, models interleaved round-robin; "
                    f"LiteRT with XNNPACK, ONNX Runtime CPU provider. CPU: {_cpu()}, "
                    f"{os.cpu_count()} cores."),
    }
    headline = {"sequence_length": args.sequence_length, "threads": args.threads[0]}
    return report.build_results(configurations, models, settings, headline=headline)


def main(argv=None):
    """CLI entry: returns the process exit code (0 on success, 2 on bad input)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    if args.runs < 1 or args.warmup < 0 or any(t < 1 for t in args.threads):
        print("error: --runs and --threads must be >= 1, --warmup >= 0", file=sys.stderr)
        return 2
    from benchmarks import report
    from benchmarks.onnx_twin import OnnxTwinError
    from benchmarks.student import BenchInputError
    from tinybert_tf.data import DataError
    from tinybert_tf.teacher import TeacherError

    try:
        results = compare(args)
    except (BenchInputError, OnnxTwinError, DataError, TeacherError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report.write_results(results, args.out)
    print()
    print(report.text_table(results))
    print(f"\nwrote {args.out}")
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(report.markdown_table(results))
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
