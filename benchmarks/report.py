"""Speed-up ratios, results.json, and the printed / Markdown tables of a comparison run."""
import json
import os

# Top-level ratio key -> (numerator model, denominator model, goal). Each is a ratio of
# medians from the same interleaved run; > 1 means the denominator is faster.
RATIOS = {
    "fp32_over_int8": ("fp32_student", "int8_student", 3.0),
    "onnxruntime_over_int8": ("onnxruntime_int8", "int8_student", 1.5),
    "int8_over_floor": ("int8_student", "floor_int8", None),
    "teacher_over_int8": ("teacher_fp32", "int8_student", 8.0),
}
# Context for the goals, not goals: fp32 floor / int8 floor is what int8 gains over float on
# the bare matmuls of this CPU (without VNNI, int8 GEMMs are not much faster than float),
# roughly the most fp32_over_int8 can reach there.
REFERENCE_RATIOS = {"floor_fp32_over_floor_int8": ("floor_fp32", "floor_int8")}
# int8_over_floor is a "within" goal: lower is better.
INT8_OVER_FLOOR_GOAL = 1.5
HEADLINE = {"sequence_length": 128, "threads": 1}


def config_key(sequence_length, threads):
    return f"seq{sequence_length}_threads{threads}"


def ratios(medians, table=None):
    """{ratio key: median[num] / median[den]} for the models present (None otherwise)."""
    table = RATIOS if table is None else table
    out = {}
    for key, (num, den, *_) in table.items():
        if medians.get(num) and medians.get(den):
            out[key] = round(medians[num] / medians[den], 3)
        else:
            out[key] = None
    return out


def goals_met(values):
    """{ratio key: bool or None} against the issue's goals."""
    met = {}
    for key, (_, _, goal) in RATIOS.items():
        value = values.get(key)
        if value is None:
            met[key] = None
        elif key == "int8_over_floor":
            met[key] = value <= INT8_OVER_FLOOR_GOAL
        else:
            met[key] = value >= goal
    return met


def build_results(configurations, models, settings, headline=HEADLINE):
    """The results.json document.

    Args:
        configurations: list of {"sequence_length", "threads", "stats": {model: summarize()}}.
        models: {model: description dict (label, runtime, path, notes, ...)}.
        settings: how the run was made (runs, warmup, student source, versions, ...).
        headline: the configuration whose ratios go to the top level.
    """
    medians, per_config = {}, []
    for config in configurations:
        key = config_key(config["sequence_length"], config["threads"])
        medians[key] = {m: round(s["median_ms"], 4) for m, s in config["stats"].items()}
        per_config.append({
            "key": key, "sequence_length": config["sequence_length"], "threads": config["threads"],
            "ratios": ratios(medians[key]),
            "reference_ratios": ratios(medians[key], REFERENCE_RATIOS), "stats": config["stats"]})
    top_key = config_key(headline["sequence_length"], headline["threads"])
    if top_key not in medians:
        raise ValueError(f"no measurement at sequence {headline['sequence_length']}, "
                         f"{headline['threads']} thread(s): the ratios need it")
    top = ratios(medians[top_key])
    return {
        **top,
        "ratios_from": dict(headline, key=top_key),
        "goals": {"fp32_over_int8": ">= 3", "onnxruntime_over_int8": ">= 1.5",
                  "int8_over_floor": "<= 1.5", "teacher_over_int8": ">= 8"},
        "goals_met": goals_met(top),
        "reference_ratios": ratios(medians[top_key], REFERENCE_RATIOS),
        "medians_ms": medians,
        "configurations": per_config,
        "models": models,
        "settings": settings,
    }


def write_results(results, path):
    """Atomic JSON write."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def _rows(results):
    """(header, rows) of the latency table: one row per model, one column per configuration."""
    keys = [c["key"] for c in results["configurations"]]
    header = ["model"] + [f"S={c['sequence_length']}, {c['threads']} thr (ms)"
                          for c in results["configurations"]]
    rows = []
    for name, info in results["models"].items():
        cells = [results["medians_ms"][k].get(name) for k in keys]
        rows.append([info["label"]] + ["-" if v is None else f"{v:.2f}" for v in cells])
    return header, rows


def _ratio_lines(results):
    lines = []
    for key in RATIOS:
        value, met = results[key], results["goals_met"][key]
        mark = "n/a" if value is None else f"{value:.2f}x"
        verdict = "" if met is None else (" (goal met)" if met else " (goal not met)")
        lines.append(f"{key} = {mark}, goal {results['goals'][key]}{verdict}")
    for key, value in results.get("reference_ratios", {}).items():
        if value is not None:
            lines.append(f"{key} = {value:.2f}x (reference: int8 speed-up of the bare matmuls "
                         f"on this CPU)")
    return lines


def text_table(results):
    """The table and the four ratios as plain text for the terminal."""
    header, rows = _rows(results)
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*header), "  ".join("-" * w for w in widths)]
    lines += [fmt.format(*r) for r in rows]
    where = results["ratios_from"]
    lines += ["", (f"Ratios of medians at sequence {where['sequence_length']}, "
                   f"{where['threads']} thread(s):")]
    lines += ["  " + line for line in _ratio_lines(results)]
    return "\n".join(lines)


def markdown_table(results):
    """The same as Markdown, with each model's notes, for the README."""
    header, rows = _rows(results)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    where = results["ratios_from"]
    lines += ["", (f"Median latency at batch 1, one interleaved run. Ratios at sequence "
                   f"{where['sequence_length']}, {where['threads']} thread(s):"), ""]
    lines += [f"- {line}" for line in _ratio_lines(results)]
    notes = [(info["label"], info.get("notes")) for info in results["models"].values()]
    lines += ["", "Models:", ""] + [f"- **{label}**: {note}" for label, note in notes if note]
    settings = results["settings"]
    if settings.get("summary"):
        lines += ["", settings["summary"]]
    return "\n".join(lines) + "\n"
