"""One config object for a pipeline run: saved with the run, and a run can be re-run from it."""
import dataclasses
import json

VARIANTS = ("fp32", "fp16", "int8_dynamic", "int8_ptq", "int8_qat", "int8_full")
CONFIG_FILE = "config.json"
STUDENT_INITS = ("teacher", "random")
# Teacher learning rate when teacher_lr is None. Measured on wnut_ner (6 epochs, S=64):
# 1e-4 left every token "O" (entity F1 0.0), 3e-4 reached F1 0.47.
TEACHER_LR = {"classification": 1e-4, "pair_classification": 1e-4, "token_classification": 3e-4}
# alpha when alpha is None: TinyBERT's soft labels only, except for taggers, whose teacher
# is weaker. Measured on wnut_ner (teacher F1 0.50): the float student reached F1 0.294 at
# alpha 1.0 and 0.372 at 0.5 (int8_qat 0.339 and 0.361).
ALPHA = {"classification": 1.0, "pair_classification": 1.0, "token_classification": 0.5}
KIND_DEFAULTS = {"teacher_lr": TEACHER_LR, "alpha": ALPHA}  # settings whose None means these


@dataclasses.dataclass
class PipelineConfig:
    """Every setting of a run. Field comments are the CLI's --help texts."""

    task: str = "bbc_news"  # a built-in task (bbc_news, wnut_ner) or a .csv/.tsv/.jsonl/.conll file
    out: str = "runs/demo"  # folder of the run: models, logs, report
    teacher: str | None = None  # teacher source: keras-hub preset, preset folder or HF folder (default: bundled MiniLM-L6)
    student: str = "tinybert_4l_312d"  # student architecture preset
    student_init: str = "teacher"  # "teacher": start from the fine-tuned teacher's weights, seen through a PCA basis of its width; "random"
    sequence_length: int = 128  # tokens per example (static shape of the exported models)
    batch_size: int = 32  # training batch size
    seed: int = 0  # seeds the split, shuffling, augmentation and initialisation
    limit: int | None = None  # keep at most this many examples per split (quick runs)
    teacher_epochs: int = 1  # teacher fine-tuning epochs (early stopping may end sooner)
    teacher_lr: float | None = None  # teacher peak learning rate (default: 1e-4; 3e-4 for token classification)
    intermediate_epochs: int = 3  # stage 1: embedding, hidden-state and attention distillation
    intermediate_lr: float = 5e-4  # stage 1 peak learning rate
    prediction_epochs: int = 3  # stage 2: prediction-layer distillation
    prediction_lr: float = 5e-4  # stage 2 peak learning rate
    temperature: float = 1.0  # soft cross-entropy temperature
    alpha: float | None = None  # prediction and QAT stages: weight of the teacher's soft labels, 1 - alpha goes to the gold labels (default: 1.0; 0.5 for token classification)
    augment: int = 0  # augmented copies per training example (TinyBERT uses 20; 0 = off)
    qat_epochs: int = 1  # quantization-aware training epochs (teacher-guided)
    qat_lr: float = 5e-5  # QAT learning rate
    variants: tuple = VARIANTS  # TFLite variants to export
    bench_runs: int = 50  # timed runs per model in the benchmark
    bench_threads: int = 1  # interpreter threads in the benchmark
    quick: bool = False  # a small slice of the data and few steps, every variant: for tests

    def __post_init__(self):
        self.variants = tuple(self.variants)
        if self.student_init not in STUDENT_INITS:
            raise ValueError(f"student_init must be one of {', '.join(STUDENT_INITS)}, "
                             f"got {self.student_init!r}")
        unknown = set(self.variants) - set(VARIANTS)
        if unknown:
            raise ValueError(f"unknown variants {sorted(unknown)}; known: {', '.join(VARIANTS)}")
        if self.alpha is not None and not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")
        for name in ("sequence_length", "batch_size", "bench_runs", "bench_threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    def resolved(self):
        """The settings actually used: `quick` shrinks data and training, not the model."""
        if not self.quick:
            return self
        return dataclasses.replace(
            self, limit=min(self.limit or 48, 48), sequence_length=min(self.sequence_length, 64),
            batch_size=16, teacher_epochs=1, intermediate_epochs=1, prediction_epochs=1,
            qat_epochs=1, augment=min(self.augment, 1), bench_runs=min(self.bench_runs, 10),
            quick=False)

    def for_kind(self, name, kind):
        """Setting `name` for a task of `kind`: its value, or the kind's default when None."""
        value = getattr(self, name)
        return KIND_DEFAULTS[name][kind] if value is None else value

    def save(self, path):
        from tinybert_tf.atomic import write_json

        write_json(path, dataclasses.asdict(self))

    @classmethod
    def load(cls, path):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"{path}: cannot read a run config ({err})") from err
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{path}: unknown config keys {sorted(unknown)}")
        return cls(**data)

    @staticmethod
    def help_texts():
        """Field name -> the comment after it in this file (used by the CLI)."""
        import inspect
        import re

        texts = {}
        for line in inspect.getsource(PipelineConfig).splitlines():
            m = re.match(r"\s+(\w+): .*?#\s*(.+)$", line)
            if m:
                texts[m.group(1)] = m.group(2)
        return texts
