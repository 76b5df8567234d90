import json

import pytest

from benchmarks import report


def _stats(median):
    return {"median_ms": median, "p90_ms": median * 1.1, "min_ms": median * 0.9,
            "mean_ms": median, "runs": 5}


MEDIANS = {"int8_student": 4.0, "fp32_student": 13.0, "onnxruntime_int8": 7.0,
           "teacher_fp32": 36.0, "floor_int8": 3.2, "floor_fp32": 6.4}
MODELS = {key: {"label": key.replace("_", " "), "notes": f"about {key}"} for key in MEDIANS}


def _results(medians=MEDIANS, second=None):
    configs = [{"sequence_length": 128, "threads": 1,
                "stats": {k: _stats(v) for k, v in medians.items()}}]
    configs.append({"sequence_length": 128, "threads": 2,
                    "stats": {k: _stats(v / 2) for k, v in (second or medians).items()}})
    return report.build_results(configs, MODELS, {"summary": "tiny"})


def test_ratios_are_medians_divided():
    assert report.ratios(MEDIANS) == {"fp32_over_int8": 3.25, "onnxruntime_over_int8": 1.75,
                                      "int8_over_floor": 1.25, "teacher_over_int8": 9.0}


def test_missing_model_gives_none_not_an_error():
    medians = {k: v for k, v in MEDIANS.items() if k != "onnxruntime_int8"}
    got = report.ratios(medians)
    assert got["onnxruntime_over_int8"] is None and got["fp32_over_int8"] == 3.25
    assert report.goals_met(got)["onnxruntime_over_int8"] is None


def test_goals_direction():
    met = report.goals_met({"fp32_over_int8": 2.99, "onnxruntime_over_int8": 1.5,
                            "int8_over_floor": 1.51, "teacher_over_int8": 8.0})
    assert met == {"fp32_over_int8": False, "onnxruntime_over_int8": True,
                   "int8_over_floor": False, "teacher_over_int8": True}


def test_results_top_level_uses_the_headline_configuration(tmp_path):
    # Two threads halves every median: ratios there are the same; the top level must come
    # from the one-thread run, which we make different by changing one median.
    results = _results(second={**MEDIANS, "fp32_student": 20.0})
    assert results["fp32_over_int8"] == 3.25
    assert results["configurations"][1]["ratios"]["fp32_over_int8"] == 5.0
    assert results["medians_ms"]["seq128_threads1"]["int8_student"] == 4.0
    assert results["medians_ms"]["seq128_threads2"]["fp32_student"] == 10.0
    assert results["reference_ratios"] == {"floor_fp32_over_floor_int8": 2.0}
    path = tmp_path / "out" / "results.json"
    report.write_results(results, str(path))
    assert json.loads(path.read_text())["teacher_over_int8"] == 9.0


def test_headline_configuration_must_be_measured():
    configs = [{"sequence_length": 64, "threads": 1, "stats": {"int8_student": _stats(1.0)}}]
    with pytest.raises(ValueError, match="sequence 128"):
        report.build_results(configs, MODELS, {})


def test_tables_show_every_model_and_ratio():
    results = _results()
    text, md = report.text_table(results), report.markdown_table(results)
    for key in MEDIANS:
        assert MODELS[key]["label"] in text and MODELS[key]["label"] in md
    assert "fp32_over_int8 = 3.25x, goal >= 3 (goal met)" in text
    assert "int8_over_floor = 1.25x, goal <= 1.5 (goal met)" in md
    assert "| int8 student | 4.00 | 2.00 |" in md
    assert md.count("\n|") == len(MEDIANS) + 1  # header rule + one row per model
