"""Data records: `Record` (as read from a file) and `Example` / `Task` (ready to encode)."""
from dataclasses import dataclass

CLASSIFICATION = "classification"
PAIR_CLASSIFICATION = "pair_classification"
TOKEN_CLASSIFICATION = "token_classification"
KINDS = (CLASSIFICATION, PAIR_CLASSIFICATION, TOKEN_CLASSIFICATION)


@dataclass(frozen=True, kw_only=True)
class Record:
    """One example as a reader found it: labels are still strings.

    `source` and `line` say where it came from (for error messages); `uid` is a
    stable id (file name and line) that the splits hash.
    """

    source: str
    line: int
    uid: str
    text: str | None = None
    text_pair: str | None = None
    label: str | None = None
    words: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class Example:
    """One example of a task, labels as indices into `Task.label_names`.

    Sequence classification fills `text` (and `text_pair` for pairs) and `label`;
    token classification fills `words` and `tags` (one tag index per word).
    `uid` is a stable id (file path and line) that the splits hash.
    """

    text: str | None = None
    text_pair: str | None = None
    label: int | None = None
    words: tuple[str, ...] | None = None
    tags: tuple[int, ...] | None = None
    uid: str


@dataclass
class Task:
    """A labelled data set with fixed train / validation / test splits."""

    name: str
    kind: str
    label_names: list[str]
    train: list[Example]
    validation: list[Example]
    test: list[Example]

    @property
    def num_labels(self):
        return len(self.label_names)

    def split(self, name):
        """The examples of split `name` ("train", "validation" or "test")."""
        if name not in ("train", "validation", "test"):
            raise ValueError(f"unknown split {name!r}: use train, validation or test")
        return getattr(self, name)

    def __repr__(self):
        # The default dataclass repr would print every example.
        return (
            f"Task(name={self.name!r}, kind={self.kind!r}, num_labels={self.num_labels}, "
            f"train={len(self.train)}, validation={len(self.validation)}, test={len(self.test)})"
        )
