"""`tinybert-tf`: the whole pipeline, or any one of its steps.

    tinybert-tf pipeline --task bbc_news --out runs/demo
    tinybert-tf pipeline --config runs/demo/config.json     # re-run a saved run
    tinybert-tf distill --out runs/demo --force distill      # one step of a run
"""
import argparse
import dataclasses
import os
import sys

STEP_HELP = {
    "pipeline": "run every step: teacher, distill, quantize, export, evaluate, bench, report",
    "teacher": "fine-tune the teacher on the task (reuses a saved one), evaluate, export fp32",
    "distill": "two-stage TinyBERT distillation of the student from the fine-tuned teacher",
    "quantize": "teacher-guided quantization-aware training of the distilled student",
    "export": "write every TFLite variant with its model.json",
    "evaluate": "evaluate every TFLite model on the test split",
    "bench": "benchmark every TFLite model with export/bench.py, interleaved",
    "report": "write report.json, report.md and plots",
}


def _add_config_options(parser):
    from tinybert_tf.pipeline.config import PipelineConfig

    helps = PipelineConfig.help_texts()
    defaults = PipelineConfig()
    for field in dataclasses.fields(PipelineConfig):
        flag = "--" + field.name.replace("_", "-")
        default = getattr(defaults, field.name)
        kwargs = {"dest": field.name, "default": None,
                  "help": f"{helps.get(field.name, '')} (default: {default})"}
        if isinstance(default, bool):
            parser.add_argument(flag, action="store_true", **kwargs)
        elif isinstance(default, tuple):
            parser.add_argument(flag, nargs="+", **kwargs)
        else:
            # The annotation's first type: "float | None" -> float.
            name = getattr(field.type, "__name__", str(field.type).split(" |")[0])
            parser.add_argument(flag, type={"int": int, "float": float}.get(name, str), **kwargs)
    parser.add_argument("--config", help="a run's config.json: start from its settings")
    parser.add_argument("--force", nargs="*", default=None, metavar="STEP",
                        help="re-run these steps even when finished (no STEP: all of them)")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="tinybert-tf", description="Distil a BERT teacher into a TinyBERT student and "
        "export int8 TFLite models for phones and edge boards.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("bench-compare", add_help=False,
                   help="int8 student vs fp32, ONNX Runtime, teacher and a matmul floor "
                   "(see bench-compare --help)")
    for name, text in STEP_HELP.items():
        _add_config_options(sub.add_parser(name, help=text, description=text))
    return parser


def config_from_args(args):
    from tinybert_tf.pipeline.config import PipelineConfig

    base = PipelineConfig.load(args.config) if args.config else PipelineConfig()
    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(PipelineConfig)
                 if getattr(args, f.name) is not None}  # 0 and 0.0 are values too
    return dataclasses.replace(base, **overrides)


def bench_compare(argv):
    """`tinybert-tf bench-compare ...`: benchmarks/compare.py, which lives beside the package."""
    import pathlib

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    from benchmarks.compare import main as compare_main

    return compare_main(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench-compare"]:
        return bench_compare(argv[1:])
    args = build_parser().parse_args(argv)
    # TensorFlow's C++ start-up lines (a CUDA probe on CPU-only hosts) would bury the
    # one-line error; --debug keeps its errors and shows the import's own output.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2" if args.debug else "3")
    try:
        if not args.debug:
            _import_tensorflow_quietly()
        from tinybert_tf.pipeline.run import STEPS, run_pipeline

        config = config_from_args(args)
        check_config(config, args.command)
        force = STEPS if args.force == [] else (args.force or ())
        only = None if args.command == "pipeline" else [args.command]
        results = run_pipeline(config, force=force, only=only)
        if "report" in results:
            print(f"report: {results['report']['report_md']}")
        return 0
    except KeyboardInterrupt:
        print("tinybert-tf: interrupted; re-run the same command to continue", file=sys.stderr)
        return 130
    except Exception as err:  # one line for the user, the traceback with --debug
        if args.debug:
            raise
        print(f"tinybert-tf: error: {_one_line(err)}", file=sys.stderr)
        return 2


def check_config(config, command="pipeline"):
    """Settings that would only fail after the teacher trained, refused up front."""
    from tinybert_tf.models.presets import get_preset
    from tinybert_tf.teacher.loading import check_sequence_length, check_student_fits

    student = get_preset(config.student)
    check_sequence_length(config.teacher, config.resolved().sequence_length)
    if config.student_init == "teacher" and command in ("pipeline", "distill"):
        check_student_fits(config.teacher, student)


def _import_tensorflow_quietly():
    """Import TensorFlow with the process's stderr (fd 2) sent to /dev/null.

    Its native libraries log before absl logging is set up ("All log messages before
    absl::InitializeLog() ...", a CUDA probe), which TF_CPP_MIN_LOG_LEVEL cannot silence.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                import tensorflow  # noqa: F401
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _one_line(err):
    text = " ".join(str(err).split()) or type(err).__name__
    return text if isinstance(err, (ValueError, OSError)) else f"{type(err).__name__}: {text}"


if __name__ == "__main__":
    sys.exit(main())
