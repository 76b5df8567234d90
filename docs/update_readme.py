"""Put a pipeline run's report into README.md: `python docs/update_readme.py runs/demo`.

Replaces the block between the README's `<!-- demo-report:begin -->` and
`<!-- demo-report:end -->` markers with the run's results table (copied from its
`report.md`, so the README shows numbers that run produced) and the run's wall time,
and copies the run's plots to `docs/demo_pareto.png` and `docs/demo_curves.png`.
`--block ner` fills `<!-- ner-report:begin -->` ... and writes `docs/ner_*.png` instead.
"""
import argparse
import glob
import json
import os
import shutil
import sys

from tinybert_tf.atomic import write_text

PLOTS = ("pareto.png", "curves.png")


def markers(block):
    return f"<!-- {block}-report:begin -->", f"<!-- {block}-report:end -->"


def report_block(run_dir):
    """The markdown that goes between the markers, from the run's own files."""
    with open(os.path.join(run_dir, "report.md"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Keras float student"))
    stop = next(i for i, line in enumerate(lines) if line.startswith("Latency:"))
    seconds = 0.0
    for marker in glob.glob(os.path.join(run_dir, "*", "DONE.json")):
        with open(marker, encoding="utf-8") as f:
            seconds += float(json.load(f).get("seconds", 0.0))
    with open(os.path.join(run_dir, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    settings = ", ".join(f"{k}={config[k]}" for k in (
        "sequence_length", "teacher_epochs", "intermediate_epochs", "prediction_epochs",
        "qat_epochs", "student_init", "alpha") if config.get(k) is not None)
    return "\n".join([
        f"Generated from `{os.path.join(run_dir, 'report.md')}` ({settings}; the steps took "
        f"{seconds / 60:.1f} minutes in all on this machine):", "", *lines[start:stop + 1]])


def update(readme_path, run_dir, docs_dir, block="demo"):
    begin, end = markers(block)
    with open(readme_path, encoding="utf-8") as f:
        text = f.read()
    if begin not in text or end not in text:
        raise SystemExit(f"{readme_path}: no {begin} ... {end} block to replace")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = f"{head}{begin}\n{report_block(run_dir)}\n{end}{tail}"
    write_text(readme_path, text)
    for source in PLOTS:
        if os.path.isfile(os.path.join(run_dir, source)):
            shutil.copyfile(os.path.join(run_dir, source),
                            os.path.join(docs_dir, f"{block}_{source}"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", default="runs/demo")
    parser.add_argument("--readme", default="README.md")
    parser.add_argument("--docs", default="docs")
    parser.add_argument("--block", default="demo", help="the README block: demo or ner")
    args = parser.parse_args(argv)
    update(args.readme, args.run_dir, args.docs, args.block)
    print(f"{args.readme}: report of {args.run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
