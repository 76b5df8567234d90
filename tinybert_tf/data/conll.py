"""CoNLL-style token classification files and BIO tag checks.

One token per line: `token<TAB>tag` (or token and tag split by spaces; with more
columns, the first is the token and the last the tag). Blank (or whitespace-only)
lines end a sentence; `-DOCSTART-` lines are skipped.
"""
import re
from pathlib import Path

from tinybert_tf.data.errors import DataError, preview
from tinybert_tf.data.examples import Record
from tinybert_tf.data.files import read_utf8

OUTSIDE = "O"
CONLL_SUFFIXES = (".conll", ".txt", ".bio")
_BIO = re.compile(r"[BI]-(\S+)")


def entity_type(tag):
    """"PER" for "B-PER" / "I-PER", None for "O", or None if `tag` is not BIO."""
    match = _BIO.fullmatch(tag)
    return match.group(1) if match else None


def is_bio(tag):
    return tag == OUTSIDE or entity_type(tag) is not None


def bio_label_names(entity_types):
    """["O", "B-a", "I-a", "B-b", ...]: "O" first, then each entity type (sorted) as B-, I-."""
    names = [OUTSIDE]
    for name in sorted(set(entity_types)):
        names += [f"B-{name}", f"I-{name}"]
    return names


def _parse_line(path, line_no, line):
    """(token, tag) of one non-blank line."""
    if "\t" in line:
        fields = [field.strip() for field in line.split("\t")]
    else:
        fields = line.split()
    if len(fields) < 2 or not fields[-1]:
        raise DataError(path, f"line has a token but no tag: {preview(line.strip())}", line_no)
    token, tag = fields[0], fields[-1]
    if not token:
        raise DataError(path, f"line has a tag but no token: {preview(line.strip())}", line_no)
    if not is_bio(tag):
        raise DataError(path, f"tag {tag!r} is not BIO (expected O, B-<type> or I-<type>)", line_no)
    return token, tag


def read_conll(path, uid_prefix=None):
    """Sentence `Record`s (words, string tags) of a CoNLL-style file.

    `uid` is `"<uid_prefix or file name>:<line of the sentence's first token>"`.
    """
    path = Path(path)
    prefix = uid_prefix or path.name
    records, words, tags, start = [], [], [], None

    def flush():
        if words:
            records.append(
                Record(source=str(path), line=start, uid=f"{prefix}:{start}", words=tuple(words), tags=tuple(tags))
            )
        words.clear()
        tags.clear()

    for line_no, line in enumerate(read_utf8(path).splitlines(), start=1):
        if not line.strip() or line.startswith("-DOCSTART-"):
            flush()
            continue
        token, tag = _parse_line(path, line_no, line)
        if not words:
            start = line_no
        words.append(token)
        tags.append(tag)
    flush()
    if not records:
        raise DataError(path, "file is empty (no sentences)")
    return records
