"""What the comparison is about: the student, its teacher, and real inputs for both.

Either a pipeline run folder (`--run runs/demo`: the distilled student in
`distill/student.keras`, the exported models in `models/`, the run's teacher) or a
freshly built, randomly initialised student from a preset (random weights: latency
does not depend on the values) with the bundled MiniLM-L6 teacher.
"""
import json
import os

from tinybert_tf.constants import INPUT_NAMES

DEFAULT_PRESET = "tinybert_4l_312d"
DEFAULT_NUM_CLASSES = 5  # BBC News topics
SAMPLE_ARTICLES = 8
RUN_STEM = "student"  # the pipeline's export writes models/student_<variant>.tflite


class BenchInputError(ValueError):
    """A run folder that lacks what the comparison needs."""


def static_sequence_length(tflite_path):
    """S of a model's fixed [1, S] inputs (None when the input shape is not static)."""
    from ai_edge_litert.interpreter import Interpreter

    shape = Interpreter(model_path=tflite_path).get_input_details()[0]["shape"]
    return int(shape[-1]) if len(shape) == 2 and shape[-1] > 0 else None


class StudentSource:
    """The student under test and everything the other models derive from it.

    Attributes:
        model: the float tf_keras student (a classifier or token classifier).
        description: one line saying where it came from.
        random_weights: True for a freshly built student.
        run_dir: the run folder or None.
        task_length: the run's sequence length (None without a run).
    """

    def __init__(self, run_dir=None, preset=DEFAULT_PRESET, num_classes=DEFAULT_NUM_CLASSES,
                 seed=0):
        import tf_keras

        import tinybert_tf as tb

        self.run_dir = run_dir
        self.config = {}
        if run_dir is not None:
            self.config = self._read_config(run_dir)
            path = os.path.join(run_dir, "distill", "student.keras")
            if not os.path.isfile(path):
                raise BenchInputError(f"{path}: no distilled student in the run folder "
                                      f"(run `tinybert-tf distill --out {run_dir}` first)")
            from tinybert_tf.saving import load_keras_model

            self.model = load_keras_model(path)
            self.where = path
            self.description = f"distilled student from {path}"
            self.random_weights = False
        else:
            tf_keras.utils.set_random_seed(seed)
            backbone = tb.TinyBertBackbone.from_preset(preset, vocabulary_size=self.teacher.vocabulary_size)
            self.model = tb.TinyBertClassifier(backbone, num_classes)
            self.where = f"preset {preset}"
            self.description = f"{preset}, randomly initialised (random weights: latency only)"
            self.random_weights = True
        self.task_length = self.config.get("sequence_length")
        self._tokenizers = {}

    @staticmethod
    def _read_config(run_dir):
        path = os.path.join(run_dir, "config.json")
        if not os.path.isfile(path):
            raise BenchInputError(f"{path}: not a pipeline run folder (no config.json)")
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except json.JSONDecodeError as err:
            raise BenchInputError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from err

    @property
    def teacher(self):
        """The run's teacher source (or the bundled MiniLM-L6), loaded once."""
        if getattr(self, "_teacher", None) is None:
            from tinybert_tf.teacher import load_teacher

            self._teacher = load_teacher(self.config.get("teacher"))
        return self._teacher

    @property
    def architecture(self):
        """The backbone's shape numbers (for the floor and the report)."""
        backbone = self.model.backbone
        return {name: getattr(backbone, name) for name in
                ("num_layers", "hidden_dim", "num_heads", "intermediate_dim", "activation",
                 "normalization", "vocabulary_size")}

    @property
    def num_labels(self):
        return int(self.model.output["logits"].shape[-1])

    def run_model(self, variant, sequence_length):
        """Path of the run's exported `student_<variant>.tflite` when it has this length, else None."""
        if self.run_dir is None:
            return None
        path = os.path.join(self.run_dir, "models", f"{RUN_STEM}_{variant}.tflite")
        if os.path.isfile(path) and static_sequence_length(path) == sequence_length:
            return path
        return None

    def qat_model(self):
        """The run's QAT-trained model (quantize/DONE.json), or None (also when this
        version of the package cannot load one)."""
        marker = os.path.join(self.run_dir or "", "quantize", "DONE.json")
        if self.run_dir is None or not os.path.isfile(marker):
            return None
        try:
            from tinybert_tf.quantization import load_qat_model
        except ImportError:
            return None

        with open(marker, encoding="utf-8") as f:
            return load_qat_model(json.load(f)["qat_model"])

    def feeds(self, sequence_length, count=SAMPLE_ARTICLES):
        """`count` single-example input dicts ([1, S] int32) from real BBC News articles,
        tokenized with the teacher's vocabulary (real in-vocabulary ids, S tokens long)."""
        if sequence_length not in self._tokenizers:
            from tinybert_tf.data import Tokenizer

            self._tokenizers[sequence_length] = Tokenizer(
                self.teacher.vocab_file, lowercase=self.teacher.lowercase,
                sequence_length=sequence_length)
        encoded = self._tokenizers[sequence_length].encode(sample_articles(count))
        return [{name: encoded[name][i:i + 1] for name in INPUT_NAMES} for i in range(count)]

    def metadata(self, sequence_length):
        """The model.json sidecar fields the exporter expects."""
        return {"task": self.config.get("task", "benchmark"), "kind": "classification",
                "labels": [f"label_{i}" for i in range(self.num_labels)],
                "vocab_file": self.teacher.vocab_file, "lowercase": self.teacher.lowercase,
                "sequence_length": sequence_length}


def sample_articles(count):
    """The first `count` BBC News articles, one per topic in turn (long texts: S is full)."""
    from tinybert_tf.data.bbc_news import data_dir, decode_article

    root = data_dir()
    topics = sorted(entry for entry in root.iterdir() if entry.is_dir())
    files = [sorted((e for e in t.iterdir() if e.name.endswith(".txt")), key=lambda e: e.name)
             for t in topics]
    texts = []
    for i in range(count):
        topic = files[i % len(files)]
        texts.append(decode_article(topic[i // len(files)].read_bytes()).strip())
    return texts
