"""report.json, report.md and plots of a pipeline run, from the steps' own results."""
import csv
import dataclasses
import glob
import os

from tinybert_tf.atomic import write_text
from tinybert_tf.pipeline.run import read_json, write_json


def _latency_by_path(bench):
    """model path -> {"p50_ms", "p90_ms"} from export/bench.py's JSON (XNNPACK on)."""
    out = {}
    for entry in bench.get("results", []):
        if entry.get("status") != "ok" or not entry.get("xnnpack", True):
            continue
        stats = entry["latency_ms"]
        out[os.path.realpath(entry["path"])] = {"p50_ms": stats.get("p50"),
                                                "p90_ms": stats.get("p90")}
    return out


def collect(run):
    """The machine-readable report: every model with its metric, size, params and latency."""
    teacher = read_json(run.path("teacher", "DONE.json"))
    distill = read_json(run.path("distill", "DONE.json"))
    evaluated = read_json(run.path("evaluate", "DONE.json"))["models"]
    latency = _latency_by_path(read_json(run.path("bench", "bench.json")))
    rows = []
    for name, model in evaluated.items():
        is_teacher = name == "teacher_fp32"
        rows.append({
            "name": "teacher (TFLite fp32)" if is_teacher else f"student {name}",
            "variant": name, "kind": "teacher" if is_teacher else "student",
            "params": teacher["params"] if is_teacher else distill["params"],
            "size_bytes": model["size_bytes"], "metric": model["metric"],
            "argmax_agreement": model.get("argmax_agreement"), "path": model["path"],
            **latency.get(os.path.realpath(model["path"]), {"p50_ms": None, "p90_ms": None}),
        })
    teacher_p50 = next((r["p50_ms"] for r in rows if r["kind"] == "teacher"), None)
    for row in rows:
        row["speedup_vs_teacher"] = (teacher_p50 / row["p50_ms"]
                                     if teacher_p50 and row["p50_ms"] else None)
    return {
        "task": run.task.name, "kind": run.task.kind, "metric_name": teacher["metric_name"],
        "dataset": teacher["dataset"],
        "teacher": {"source": teacher["source"], "params": teacher["params"],
                    "metric": teacher["metric"], "learning_rate": teacher.get("learning_rate")},
        "student_keras": {"params": distill["params"], "metric": distill["metric"],
                          "train_examples": distill["train_examples"]},
        "models": rows, "settings": dataclasses.asdict(run.requested),
        "resolved_settings": dataclasses.asdict(run.config),
    }


def _curves(run):
    """(title, csv path) of every training log of the run."""
    logs = [("teacher fine-tuning", run.path("teacher", "teacher_history.csv"))]
    for stage in ("general", "intermediate", "prediction"):
        logs.append((f"distillation: {stage}", run.path("distill", stage, "log.csv")))
    logs += [(f"QAT: {os.path.basename(os.path.dirname(p))}", p)
             for p in sorted(glob.glob(run.path("quantize", "*", "log.csv")))]
    return [(title, path) for title, path in logs if os.path.isfile(path)]


def _read_csv(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {k: [float(r[k]) for r in rows if r.get(k) not in (None, "")] for k in
            (rows[0] if rows else {})}


def plot(report, run):
    """pareto.png (metric vs latency and vs size) and curves.png; None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}
    paths = {}
    rows = [r for r in report["models"] if r["p50_ms"]]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, label in ((axes[0], "p50_ms", "latency p50, batch 1 (ms)"),
                           (axes[1], "size_bytes", "file size (MB)")):
        for r in rows:
            x = r[key] / 1e6 if key == "size_bytes" else r[key]
            ax.scatter(x, r["metric"], s=40, marker="*" if r["kind"] == "teacher" else "o")
            ax.annotate(r["variant"], (x, r["metric"]), fontsize=8, xytext=(4, 3),
                        textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel(f"test {report['metric_name']}")
        ax.grid(alpha=0.3)
    fig.suptitle(f"{report['task']}: accuracy against latency and size")
    fig.tight_layout()
    paths["pareto"] = run.path("pareto.png")
    fig.savefig(paths["pareto"], dpi=110)
    plt.close(fig)

    curves = _curves(run)
    if curves:
        fig, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 3.4), squeeze=False)
        for ax, (title, path) in zip(axes[0], curves):
            data = _read_csv(path)
            for key, values in data.items():
                if key != "epoch" and "loss" in key and values:
                    ax.plot(range(1, len(values) + 1), values, marker=".", label=key)
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("epoch")
            ax.legend(fontsize=7)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        paths["curves"] = run.path("curves.png")
        fig.savefig(paths["curves"], dpi=110)
        plt.close(fig)
    return paths


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def summary(report):
    """What the students kept of the teacher, in sentences computed from the report."""
    metric = report["metric_name"]
    teacher, student = report["teacher"], report["student_keras"]
    rows = {r["variant"]: r for r in report["models"]}
    teacher_row = rows.get("teacher_fp32")
    kept = (f"{100 * student['metric'] / teacher['metric']:.1f}% of the teacher's test {metric}"
            if teacher["metric"] > 0 else f"test {metric} {student['metric']:.4f}")
    lines = [f"The float student keeps {kept} with "
             f"{100 * student['params'] / teacher['params']:.0f}% of its parameters. The int8 "
             "files, against the Keras float student and the teacher's fp32 file:", ""]
    for variant, row in rows.items():
        if not variant.startswith("int8"):
            continue
        parts = [f"test {metric} {row['metric']:.4f} "
                 f"({100 * (row['metric'] - student['metric']):+.2f} points)"]
        if teacher_row:
            parts.append(f"1/{teacher_row['size_bytes'] / row['size_bytes']:.1f} of the size")
        if row["speedup_vs_teacher"]:
            parts.append(f"{row['speedup_vs_teacher']:.1f}x the speed")
        lines.append(f"- {variant}: " + ", ".join(parts))
    return lines + [""]


def markdown(report, plots):
    metric = report["metric_name"]
    lines = [f"# {report['task']} ({report['kind']})", "",
             "Dataset: " + ", ".join(f"{k} {v}" for k, v in report["dataset"].items())
             + f"; the student trained on {report['student_keras']['train_examples']} examples.",
             "", f"Keras float student: test {metric} {report['student_keras']['metric']:.4f} "
             f"({report['student_keras']['params'] / 1e6:.1f}M parameters); teacher "
             f"{report['teacher']['metric']:.4f} ({report['teacher']['params'] / 1e6:.1f}M).", "",
             *summary(report),
             f"| model | params | file (MB) | test {metric} | agreement with Keras | p50 (ms) "
             "| p90 (ms) | speed-up vs teacher |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report["models"]:
        lines.append(
            f"| {r['name']} | {r['params'] / 1e6:.1f}M | {r['size_bytes'] / 1e6:.2f} "
            f"| {r['metric']:.4f} | {_fmt(r['argmax_agreement'], '.3f')} "
            f"| {_fmt(r['p50_ms'], '.2f')} | {_fmt(r['p90_ms'], '.2f')} "
            f"| {_fmt(r['speedup_vs_teacher'], '.1f')}x |")
    lines += ["", "Latency: batch 1, sequence length "
              f"{report['resolved_settings']['sequence_length']}, "
              f"{report['resolved_settings']['bench_threads']} thread(s), export/bench.py on "
              "this machine, models interleaved.", ""]
    for name, path in plots.items():
        lines += [f"![{name}]({os.path.basename(path)})", ""]
    lines += ["## Settings", "", "```json"]
    import json

    lines += [json.dumps(report["settings"], indent=2), "```", ""]
    return "\n".join(lines)


def write_report(run):
    report = collect(run)
    plots = plot(report, run)
    write_json(run.path("report.json"), report)
    write_text(run.path("report.md"), markdown(report, plots))
    run.log(f"  report: {run.path('report.md')}")
    return {"report_md": run.path("report.md"), "report_json": run.path("report.json"),
            "plots": plots}
