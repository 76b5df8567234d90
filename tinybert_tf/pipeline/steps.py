"""The pipeline's steps. Each `run_<step>(run)` returns a JSON-able dict of what it made."""
import os

import numpy as np

from tinybert_tf.atomic import write_bytes
from tinybert_tf.pipeline.run import bench_models, read_json

TEACHER_TFLITE = "teacher_fp32.tflite"
QAT_VARIANTS = ("int8_qat", "int8_full")  # exported from a QAT-trained student


def _predict_logits(model, features, batch_size=64):
    out = model.predict(features, batch_size=batch_size, verbose=0)
    return np.asarray(out["logits"] if isinstance(out, dict) else out)


def _metrics(run, logits, labels):
    from tinybert_tf.data import compute_metrics, task_metric_name

    metrics = compute_metrics(run.task.kind, labels, logits, run.task.label_names)
    return {"metric_name": task_metric_name(run.task.kind),
            "metric": metrics[task_metric_name(run.task.kind)], "metrics": metrics}


def _teacher_model(run):
    from tinybert_tf.teacher import load_fine_tuned_teacher

    return load_fine_tuned_teacher(run.path("teacher"))


def _student(run, path=None):
    from tinybert_tf.saving import load_keras_model

    return load_keras_model(path or run.path("distill", "student.keras"))


def run_teacher(run):
    """Fine-tune the teacher on the task (reusing a saved one), evaluate it, export fp32 TFLite."""
    from tinybert_tf.lite import float_tflite
    from tinybert_tf.teacher import build_teacher_model, fine_tune_teacher

    cfg, task = run.config, run.task
    learning_rate = cfg.for_kind("teacher_lr", task.kind)
    run.log(f"  task {task.name}: {task.kind}, {task.num_labels} labels, "
            f"train/validation/test {len(task.train)}/{len(task.validation)}/{len(task.test)}")
    model = build_teacher_model(run.teacher.backbone, task.kind, task.num_labels)
    model = fine_tune_teacher(
        model, run.dataset("train", shuffle=True), run.dataset("validation"), task.kind,
        run.path("teacher"), epochs=cfg.teacher_epochs, learning_rate=learning_rate,
        seed=cfg.seed)
    features, labels = run.encoded("test")
    result = _metrics(run, _predict_logits(model, features), labels)
    tflite = run.path("models", TEACHER_TFLITE)
    write_bytes(tflite, float_tflite(model, cfg.sequence_length))
    return dict(result, params=int(model.count_params()), tflite=tflite, learning_rate=learning_rate,
                size_bytes=os.path.getsize(tflite), source=run.teacher.source,
                dataset={s: len(task.split(s)) for s in ("train", "validation", "test")})


def _distill_dataset(run, teacher_model, examples=None):
    """Shuffled training batches carrying the teacher's logits, computed once here.

    The prediction and QAT stages then train without running the teacher (see
    `tinybert_tf.constants.TEACHER_LOGITS`); the intermediate stage still runs it.
    """
    from tinybert_tf.constants import TEACHER_LOGITS
    from tinybert_tf.data import encode_examples

    examples = run.task.train if examples is None else examples
    features, _ = encode_examples(examples, run.tokenizer, run.task.kind)
    logits = _predict_logits(teacher_model, features).astype("float32")
    return run.dataset("train", shuffle=True, examples=examples,
                       extra_features={TEACHER_LOGITS: logits})


def _train_examples(run):
    """The training split, plus TinyBERT-style augmented copies when asked for."""
    examples = run.task.train
    if not run.config.augment:
        return examples
    from tinybert_tf.distill.augment import Augmenter

    augmenter = Augmenter.from_teacher(run.teacher, samples_per_example=run.config.augment,
                                       seed=run.config.seed,
                                       max_words=run.config.sequence_length)
    return augmenter.augment_examples(examples, label_names=run.task.label_names)


def _new_distiller(run, teacher_model):
    """A fresh student (from the teacher's weights unless student_init="random") + Distiller."""
    import tinybert_tf as tb
    from tinybert_tf.distill import Distiller, attention_layer_map, make_layer_map
    from tinybert_tf.teacher import TeacherFeatures, init_student_from_teacher, teacher_basis

    backbone = tb.TinyBertBackbone.from_preset(
        run.config.student, vocabulary_size=run.teacher.vocabulary_size)
    features = TeacherFeatures(teacher_model)
    from_teacher = run.config.student_init == "teacher"
    if from_teacher:
        basis = teacher_basis(features.backbone, backbone.hidden_dim)  # [Ht, Hs]
        # Each student layer starts as the teacher layer whose attention it will learn.
        layers = attention_layer_map(make_layer_map(backbone.num_layers, features.num_layers))
        init_student_from_teacher(backbone, features.backbone, layer_map=layers, basis=basis)
    if run.task.kind == "token_classification":
        student = tb.TinyBertTokenClassifier(backbone, run.task.num_labels)
    else:
        student = tb.TinyBertClassifier(backbone, run.task.num_labels)
    distiller = Distiller(student, features)
    if from_teacher:
        distiller.init_projections(basis)
    return distiller


def run_distill(run):
    """Two-stage TinyBERT task distillation (intermediate layers, then predictions)."""
    import tf_keras

    from tinybert_tf.distill import distill_task

    cfg = run.config
    tf_keras.utils.set_random_seed(cfg.seed)
    train = _train_examples(run)
    teacher_model = _teacher_model(run)
    distiller = _new_distiller(run, teacher_model)
    alpha = cfg.for_kind("alpha", run.task.kind)
    head_init = None
    if run.task.kind == "token_classification":
        head = distiller.teacher.head_weights
        head_init = lambda d: d.init_head_from_teacher(*head)  # noqa: E731
    result = distill_task(
        distiller,
        _distill_dataset(run, teacher_model, train), run.dataset("validation"),
        run.path("distill"), intermediate_epochs=cfg.intermediate_epochs,
        prediction_epochs=cfg.prediction_epochs, intermediate_lr=cfg.intermediate_lr,
        prediction_lr=cfg.prediction_lr, temperature=cfg.temperature, alpha=alpha, verbose=1,
        before_prediction=head_init)
    student = _student(run, result["student_path"])
    features, labels = run.encoded("test")
    return dict(_metrics(run, _predict_logits(student, features), labels),
                params=int(student.count_params()), student=result["student_path"],
                train_examples=len(train), alpha=alpha)


def run_quantize(run):
    """Teacher-guided quantization-aware training of the distilled student, per int8 scheme."""
    from tinybert_tf.quantization import qat_distill

    cfg = run.config
    paths = {}
    schemes = [v for v in cfg.variants if v in QAT_VARIANTS]
    teacher_model = _teacher_model(run) if schemes else None
    train = _distill_dataset(run, teacher_model) if schemes else None
    for scheme in schemes:
        run.log(f"  QAT ({scheme})")
        paths[scheme] = qat_distill(
            _student(run), teacher_model, train, run.dataset("validation"),
            run.path("quantize", scheme), epochs=cfg.qat_epochs, learning_rate=cfg.qat_lr,
            scheme=scheme, temperature=cfg.temperature,
            alpha=cfg.for_kind("alpha", run.task.kind))
    return {"qat_models": paths}


def _representative_data(run, count=100):
    features, _ = run.encoded("train")
    rows = min(count, len(features["token_ids"]))

    def gen():
        for i in range(rows):
            yield {k: v[i:i + 1] for k, v in features.items()}

    return gen


def _metadata(run):
    return {"task": run.task.name, "kind": run.task.kind, "labels": run.task.label_names,
            "vocab_file": run.teacher.vocab_file, "lowercase": run.tokenizer.lowercase,
            "strip_accents": run.tokenizer.strip_accents,
            "sequence_length": run.config.sequence_length}


def run_export(run):
    """Every TFLite variant, each with its model.json sidecar."""
    from tinybert_tf.lite import export_tflite
    from tinybert_tf.quantization import load_qat_model

    student = _student(run)
    qat = read_json(run.path("quantize", "DONE.json"))["qat_models"]
    paths = {}
    for variant in run.config.variants:
        model = load_qat_model(qat[variant]) if variant in QAT_VARIANTS else student
        paths[variant] = export_tflite(
            model, run.path("models"), variant, run.config.sequence_length, _metadata(run),
            representative_data=_representative_data(run), stem="student")
        run.log(f"  {variant}: {paths[variant]} ({os.path.getsize(paths[variant]) / 1e6:.1f} MB)")
    return {"models": paths}


def run_evaluate(run):
    """Each TFLite model on the test split: task metric and agreement with the Keras student."""
    from tinybert_tf.lite import tflite_logits

    features, labels = run.encoded("test")
    keras_logits = _predict_logits(_student(run), features)
    models = dict(read_json(run.path("export", "DONE.json"))["models"])
    models["teacher_fp32"] = read_json(run.path("teacher", "DONE.json"))["tflite"]
    results = {}
    for name, path in models.items():
        logits = tflite_logits(path, features)
        results[name] = dict(_metrics(run, logits, labels), size_bytes=os.path.getsize(path),
                             path=path)
        if name != "teacher_fp32":
            results[name]["argmax_agreement"] = float(
                (logits.argmax(-1) == keras_logits.argmax(-1)).mean())
        run.log(f"  {name}: {results[name]['metric_name']} {results[name]['metric']:.4f}")
    return {"models": results}


def run_bench(run):
    """export/bench.py on every model, interleaved, batch 1."""
    models = read_json(run.path("evaluate", "DONE.json"))["models"]
    paths = [m["path"] for m in models.values()]
    out = run.path("bench", "bench.json")
    bench_models(paths, out, run.config.bench_runs, run.config.bench_threads, log=run.log)
    return {"bench_json": out}


def run_report(run):
    from tinybert_tf.pipeline.report import write_report

    return write_report(run)

