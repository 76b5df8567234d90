"""report.summary: the sentences under the results table, against hand computations."""
from tinybert_tf.pipeline.report import markdown, summary


def _row(variant, metric, size_bytes, speedup):
    return dict(name=variant, variant=variant, kind="student", params=14_400_000,
                size_bytes=size_bytes, metric=metric, argmax_agreement=1.0, p50_ms=8.0,
                p90_ms=9.0, speedup_vs_teacher=speedup, path="x")


def _report(teacher_metric=0.97):
    rows = [_row("fp32", 0.95, 57_000_000, 2.0), _row("int8_qat", 0.96, 14_400_000, 2.5),
            _row("int8_full", 0.9, 14_000_000, None),
            dict(_row("teacher_fp32", teacher_metric, 90_000_000, 1.0), kind="teacher")]
    return {"task": "t", "kind": "classification", "metric_name": "accuracy",
            "dataset": {"train": 1}, "teacher": {"params": 22_500_000, "metric": teacher_metric},
            "student_keras": {"params": 14_400_000, "metric": 0.95, "train_examples": 1},
            "models": rows, "settings": {}, "resolved_settings": {"sequence_length": 8,
                                                                  "bench_threads": 1}}


def test_summary_numbers():
    lines = summary(_report())
    # 0.95 / 0.97 = 97.9%; 14.4M / 22.5M = 64%
    assert lines[0].startswith("The float student keeps 97.9% of the teacher's test accuracy "
                               "with 64% of its parameters.")
    # (0.96 - 0.95) * 100 = +1.00 points; 90 MB / 14.4 MB = 6.25 -> 1/6.2
    assert "- int8_qat: test accuracy 0.9600 (+1.00 points), 1/6.2 of the size, 2.5x the speed" \
        in lines
    # (0.9 - 0.95) * 100 = -5.00; 90 / 14 = 6.43; no latency measured -> no speed part
    assert "- int8_full: test accuracy 0.9000 (-5.00 points), 1/6.4 of the size" in lines
    assert not any(line.startswith("- fp32") or "teacher_fp32:" in line for line in lines)
    assert "\n".join(lines) in markdown(_report(), {})


def test_summary_of_a_teacher_that_scored_zero():
    assert summary(_report(teacher_metric=0.0))[0].startswith(
        "The float student keeps test accuracy 0.9500 with 64% of its parameters.")
