"""How much the Distiller adds on top of its parts: a teacher forward pass plus a student step.

    python -m tinybert_tf.distill.benchmark                       # tiny models, seconds
    python -m tinybert_tf.distill.benchmark --student tinybert_4l_312d --teacher minilm \\
        --batch 32 --seq 128

Three step functions are timed in one process, one step of each in turn, so that
load from other processes hits them alike (medians of the per-step times):

    distiller   `Distiller.train_step` (teacher forward + student forward/backward +
                distillation losses + optimizer update)
    teacher     the teacher forward pass alone (`TeacherFeatures(model)(inputs)`),
                returning what the stage reads: all features for the intermediate
                stage (pre-softmax scores included), the logits for the prediction stage
    student     the student's own `train_step` on hard labels (cross-entropy, same
                optimizer)

and the overhead ratio is ``distiller / (teacher + student)`` (goal: < 1.15), for
each stage and with `tf.function(jit_compile=...)` off and on.
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np
import tensorflow as tf
import tf_keras

from tinybert_tf.constants import PADDING_MASK, SEGMENT_IDS, TOKEN_IDS
from tinybert_tf.distill.distiller import Distiller

TINY_TEACHER = dict(num_layers=4, hidden_dim=128, num_heads=4, intermediate_dim=512)
TINY_STUDENT = "tinybert_2l_128d"
NUM_CLASSES = 5


def build_teacher(name, vocabulary_size, max_sequence_length):
    """(TeacherFeatures, vocabulary size): "tiny" (random 4 x 128) or "minilm" (bundled)."""
    import keras
    import keras_hub

    from tinybert_tf.teacher import TeacherFeatures, build_teacher_model, load_teacher

    if name == "minilm":
        backbone = load_teacher().backbone
        vocabulary_size = backbone.vocabulary_size
    elif name == "tiny":
        keras.utils.set_random_seed(0)
        backbone = keras_hub.models.BertBackbone(
            vocabulary_size=vocabulary_size, max_sequence_length=max_sequence_length,
            dropout=0.0, **TINY_TEACHER)
    else:
        raise SystemExit(f"benchmark: unknown teacher {name!r}; use 'tiny' or 'minilm'")
    model = build_teacher_model(backbone, "classification", NUM_CLASSES, dropout=0.0)
    return TeacherFeatures(model), vocabulary_size


def build_student(preset, vocabulary_size):
    from tinybert_tf.models.backbone import TinyBertBackbone
    from tinybert_tf.models.classifier import TinyBertClassifier

    tf_keras.utils.set_random_seed(0)
    backbone = TinyBertBackbone.from_preset(preset, vocabulary_size=vocabulary_size)
    return TinyBertClassifier(backbone, num_classes=NUM_CLASSES)


def make_batch(batch, seq, vocabulary_size, seed=0):
    """Random in-vocabulary inputs (a quarter of each row padded) and labels."""
    rng = np.random.default_rng(seed)
    mask = np.ones((batch, seq), "int32")
    mask[:, seq - seq // 4:] = 0
    ids = rng.integers(1000 if vocabulary_size > 2000 else 1, vocabulary_size, (batch, seq))
    features = {TOKEN_IDS: tf.constant(ids.astype("int32") * mask),
                SEGMENT_IDS: tf.constant(np.zeros_like(mask)),
                PADDING_MASK: tf.constant(mask)}
    return features, tf.constant(rng.integers(0, NUM_CLASSES, batch).astype("int32"))


def _step_functions(student, teacher, stage, jit_compile):
    """{"distiller", "teacher", "student"}: zero-argument callables running one step."""
    distiller = Distiller(student, teacher)
    distiller.compile(tf_keras.optimizers.AdamW(1e-5), stage=stage)
    # The same student object, compiled for plain supervised training.
    student.compile(tf_keras.optimizers.AdamW(1e-5),
                 loss={"logits": tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True)})
    return {
        "distiller": tf.function(distiller.train_step, jit_compile=jit_compile),
        "teacher": tf.function(lambda x: _teacher_outputs(teacher, x, stage),
                               jit_compile=jit_compile),
        "student": tf.function(student.train_step, jit_compile=jit_compile),
    }


def _teacher_outputs(teacher, x, stage):
    """What the stage reads from the teacher (tf.function prunes the rest, as it does
    inside the distiller): every feature for the intermediate stages, logits otherwise."""
    out = teacher(x)
    if stage in ("prediction", "qat"):
        return out["logits"]
    return {k: out[k] for k in ("hidden_states", "attention_scores", "logits")}


def _time(fn, arg, steps=1):
    start = time.perf_counter()
    for _ in range(steps):
        out = fn(arg)
    tf.nest.map_structure(lambda t: t.numpy(), out)  # wait for the last step
    return (time.perf_counter() - start) / steps


def measure(student, teacher, features, labels, stage="intermediate", jit_compile=False,
            steps=10):
    """Median seconds per step of each function, timed one step at a time in turn
    (distiller, teacher, student, distiller, ...), and the overhead ratio."""
    fns = _step_functions(student, teacher, stage, jit_compile)
    args = {"distiller": (features, labels), "teacher": features,
            "student": (features, {"logits": labels})}
    for name, fn in fns.items():  # trace, compile and warm up
        _time(fn, args[name], 2)
    samples = {name: [] for name in fns}
    for _ in range(steps):
        for name, fn in fns.items():
            samples[name].append(_time(fn, args[name]))
    per_step = {name: statistics.median(v) for name, v in samples.items()}
    batch = int(labels.shape[0])
    return {
        "stage": stage, "jit_compile": jit_compile,
        "seconds_per_step": per_step,
        "examples_per_second": {name: batch / t for name, t in per_step.items()},
        "overhead_ratio": per_step["distiller"] / (per_step["teacher"] + per_step["student"]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tinybert_tf.distill.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--student", default=TINY_STUDENT, help="student preset name")
    parser.add_argument("--teacher", default="tiny", choices=("tiny", "minilm"))
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seq", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20,
                        help="timed steps of each function, interleaved one by one")
    parser.add_argument("--stages", default="intermediate,prediction")
    parser.add_argument("--jit", default="off,on", help="jit_compile settings to try")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    teacher, vocab = build_teacher(args.teacher, 30522, max(args.seq, 128))
    student = build_student(args.student, vocab)
    features, labels = make_batch(args.batch, args.seq, vocab)
    print(f"teacher {args.teacher} ({teacher.num_layers} x {teacher.hidden_dim}), student "
          f"{args.student}, batch {args.batch} x seq {args.seq}, device "
          f"{'GPU' if tf.config.list_physical_devices('GPU') else 'CPU'}")
    print(f"{'stage':<13}{'jit':<5}{'distiller ex/s':>15}{'teacher ex/s':>14}"
          f"{'student ex/s':>14}{'ratio':>8}")
    results = []
    for stage in args.stages.split(","):
        for jit in args.jit.split(","):
            try:
                r = measure(student, teacher, features, labels, stage, jit == "on", args.steps)
            except Exception as err:  # noqa: BLE001 - XLA may refuse an op; report and go on
                print(f"{stage:<13}{jit:<5}failed: {type(err).__name__}: "
                      f"{str(err).splitlines()[0][:120]}")
                results.append(
                    {"stage": stage, "jit_compile": jit == "on", "error": str(err)[:500]})
                continue
            results.append(r)
            eps = r["examples_per_second"]
            print(f"{stage:<13}{jit:<5}{eps['distiller']:>15.1f}{eps['teacher']:>14.1f}"
                  f"{eps['student']:>14.1f}{r['overhead_ratio']:>8.3f}")
    for stage in args.stages.split(","):
        timed = [r for r in results if r["stage"] == stage and "error" not in r]
        if len(timed) > 1:
            best = min(timed, key=lambda r: r["seconds_per_step"]["distiller"])
            print(f"{stage}: faster with jit_compile={'on' if best['jit_compile'] else 'off'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
