"""`load_task`: a built-in data set or a user's file, as a `Task` with fixed splits."""
from pathlib import Path

from tinybert_tf.data.bbc_news import read_bbc_news
from tinybert_tf.data.conll import CONLL_SUFFIXES, bio_label_names, entity_type, read_conll
from tinybert_tf.data.errors import DataError
from tinybert_tf.data.examples import TOKEN_CLASSIFICATION, Example, Task
from tinybert_tf.data.files import JSONL_SUFFIXES, TABLE_SUFFIXES, read_jsonl, read_table
from tinybert_tf.data.splits import split_examples, stratified_subset
from tinybert_tf.data.wnut_ner import read_wnut_ner

_BUILTIN = {"bbc_news": read_bbc_news, "wnut_ner": read_wnut_ner}
KNOWN_TASKS = tuple(_BUILTIN)
FILE_SUFFIXES = (*TABLE_SUFFIXES, *JSONL_SUFFIXES, *CONLL_SUFFIXES)
HELD_OUT = ("validation", "test")


def read_file(path):
    """(records, kind) of a user's file, chosen by its suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return read_table(path)
    if suffix in JSONL_SUFFIXES:
        return read_jsonl(path)
    if suffix in CONLL_SUFFIXES:
        return read_conll(path), TOKEN_CLASSIFICATION
    raise DataError(path, f"unknown file type {suffix!r}: use one of {', '.join(FILE_SUFFIXES)}")


def _natural_order(labels):
    """Numeric order when every label is an integer ("2" before "10"), else string order."""
    labels = set(labels)
    try:
        return sorted(labels, key=int)
    except ValueError:
        return sorted(labels)


def _label_names(records, kind):
    if kind == TOKEN_CLASSIFICATION:
        return bio_label_names({entity_type(t) for r in records for t in r.tags} - {None})
    return _natural_order(r.label for r in records)


def _to_examples(records, kind, label_names, train_source):
    """`Example`s with label indices; DataError for a label the training data lacks."""
    index = {name: i for i, name in enumerate(label_names)}

    def lookup(record, label):
        if label not in index:
            message = f"label {label!r} does not occur in the training data ({train_source})"
            raise DataError(record.source, message, record.line)
        return index[label]

    if kind == TOKEN_CLASSIFICATION:
        return [Example(words=r.words, tags=tuple(lookup(r, t) for t in r.tags), uid=r.uid) for r in records]
    return [Example(text=r.text, text_pair=r.text_pair, label=lookup(r, r.label), uid=r.uid) for r in records]


def _check_kind(path, kind, train_path, train_kind):
    if kind != train_kind:
        raise DataError(path, f"holds {kind} data but the training file {train_path} holds {train_kind} data")


def load_task(
    name_or_path,
    *,
    seed=0,
    validation_fraction=0.1,
    test_fraction=0.1,
    validation_path=None,
    test_path=None,
    limit=None,
):
    """Load a built-in task ("bbc_news", "wnut_ner") or a user's file as a `Task`.

    Files: .csv / .tsv (header row) and .jsonl with `text` and `label` columns
    (plus `text_pair` for pair classification); .conll / .txt / .bio CoNLL-style
    `token tag` lines for token classification (BIO tags).

    Splits: the validation / test files when given, otherwise `validation_fraction`
    / `test_fraction` of the (training) pool, chosen by a stable hash of each
    example's uid and `seed`, stratified by label for sequence classification.
    Label names come from the training data (every label is kept in train);
    a validation / test file with a label the training data lacks is an error.

    Args:
        name_or_path: a name in `KNOWN_TASKS` or a file path.
        seed: picks the split (same seed, same split, on any machine).
        validation_fraction, test_fraction: shares held out when no file is given.
        validation_path, test_path: explicit held-out files (file tasks only).
        limit: keep at most this many examples in each split, a stratified,
            deterministic subset of the full split (for quick runs).

    Returns:
        `Task`.

    Raises:
        DataError: unreadable or malformed data, unknown task name.
    """
    name = str(name_or_path)
    explicit = {"validation": validation_path, "test": test_path}
    if name in _BUILTIN:
        if validation_path is not None or test_path is not None:
            raise ValueError(f"validation_path / test_path apply to file tasks, not to {name!r}")
        records, kind, label_names = _BUILTIN[name]()
        train_source = name
    else:
        path = Path(name)
        if not path.exists() and path.suffix.lower() not in FILE_SUFFIXES:
            message = f"unknown task: known tasks are {', '.join(KNOWN_TASKS)}"
            raise DataError(name, f"{message}, or give a path to a {'/'.join(FILE_SUFFIXES)} file")
        records, kind = read_file(path)
        label_names = _label_names(records, kind)
        train_source = str(path)
        name = path.stem
    if kind != TOKEN_CLASSIFICATION and len(label_names) < 2:
        raise DataError(train_source, f"needs at least 2 labels, found {label_names}")

    train_pool = _to_examples(records, kind, label_names, train_source)
    held_out = {}
    for split, split_path in explicit.items():
        if split_path is not None:
            split_records, split_kind = read_file(split_path)
            _check_kind(split_path, split_kind, train_source, kind)
            held_out[split] = _to_examples(split_records, kind, label_names, train_source)

    stratum = None if kind == TOKEN_CLASSIFICATION else (lambda example: example.label)
    fractions = {"validation": validation_fraction, "test": test_fraction}
    splits = split_examples(train_pool, {s: f for s, f in fractions.items() if s not in held_out}, seed, stratum)
    splits.update(held_out)
    if limit is not None:
        splits = {s: stratified_subset(examples, limit, seed, stratum) for s, examples in splits.items()}
    return Task(
        name=name,
        kind=kind,
        label_names=list(label_names),
        train=splits["train"],
        validation=splits["validation"],
        test=splits["test"],
    )
