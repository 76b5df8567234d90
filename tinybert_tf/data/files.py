"""Readers for a user's labelled files: CSV / TSV / JSONL with `text` (optional `text_pair`) and `label`.

Each reader returns `(records, kind)`; `records` are `Record`s with string labels
and `uid = "<file name>:<line>"`. Every problem raises `DataError` naming the file
and line.
"""
import csv
import io
import json
from pathlib import Path

from tinybert_tf.data.errors import DataError, preview
from tinybert_tf.data.examples import CLASSIFICATION, PAIR_CLASSIFICATION, Record

TEXT, TEXT_PAIR, LABEL = "text", "text_pair", "label"
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}
JSONL_SUFFIXES = (".jsonl",)
MAX_FIELD_CHARS = 2**31 - 1  # the file is in memory already


def read_utf8(path):
    """The file's text (UTF-8, a leading BOM dropped); DataError if not UTF-8 or empty."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise DataError(
            path,
            f"text is not UTF-8 (byte 0x{data[err.start]:02x}); save the file as UTF-8",
            line,
        ) from None
    if not text.strip():
        raise DataError(path, "file is empty")
    return text


def _clean_text(path, line, column, value):
    if not isinstance(value, str):
        raise DataError(path, f"column {column!r} must be a string, got {preview(value)}", line)
    if not value.strip():
        raise DataError(path, f"empty {column}", line)
    return value


def _clean_label(path, line, value):
    if value is None or isinstance(value, (dict, list)):
        raise DataError(path, f"label must be a string or number, got {preview(value)}", line)
    label = str(value).strip()
    if not label:
        raise DataError(path, "empty label", line)
    return label


def _record(path, line, row, pair):
    """A `Record` from a row dict that has the needed columns."""
    return Record(
        source=str(path),
        line=line,
        uid=f"{Path(path).name}:{line}",
        text=_clean_text(path, line, TEXT, row[TEXT]),
        text_pair=_clean_text(path, line, TEXT_PAIR, row[TEXT_PAIR]) if pair else None,
        label=_clean_label(path, line, row[LABEL]),
    )


def read_table(path):
    """Records of a CSV (`,`) or TSV (tab) file with a header row."""
    path = Path(path)
    text = read_utf8(path)
    # strict: a stray or unclosed quote is an error, not a silently merged row.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=TABLE_SUFFIXES[path.suffix.lower()], strict=True)
    # A long text is data (the tokenizer truncates it), not an error: lift the csv
    # module's 128 KB field limit, which is global, while this file is read.
    field_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        return _table_records(path, reader)
    except csv.Error as err:
        raise DataError(path, f"not a valid {path.suffix[1:].upper()} file ({err})", reader.line_num) from None
    finally:
        csv.field_size_limit(field_limit)


def _table_records(path, reader):
    header = [name.strip() for name in next(reader)]
    for column in (TEXT, LABEL):
        if column not in header:
            raise DataError(path, f"missing column {column!r} (header has {', '.join(header)})", 1)
    pair = TEXT_PAIR in header
    records = []
    line = reader.line_num + 1  # where the next row starts (quoted fields may span lines)
    for fields in reader:
        if not any(field.strip() for field in fields):  # blank line
            line = reader.line_num + 1
            continue
        if len(fields) != len(header):
            raise DataError(path, f"row has {len(fields)} fields, the header has {len(header)}", line)
        records.append(_record(path, line, dict(zip(header, fields)), pair))
        line = reader.line_num + 1
    if not records:
        raise DataError(path, "file is empty (a header but no rows)")
    return records, PAIR_CLASSIFICATION if pair else CLASSIFICATION


def read_jsonl(path):
    """Records of a JSON Lines file: one object per line with `text`, `label` (and `text_pair`)."""
    path = Path(path)
    rows = []
    for line, raw in enumerate(read_utf8(path).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as err:
            raise DataError(path, f"not valid JSON ({err.msg})", line) from None
        if not isinstance(row, dict):
            raise DataError(path, f"expected a JSON object, got {type(row).__name__}", line)
        rows.append((line, row))
    pair = any(TEXT_PAIR in row for _, row in rows)
    needed = (TEXT, TEXT_PAIR, LABEL) if pair else (TEXT, LABEL)
    records = []
    for line, row in rows:
        for column in needed:
            if column not in row:
                raise DataError(path, f"missing column {column!r} (record has {', '.join(row)})", line)
        records.append(_record(path, line, row, pair))
    return records, PAIR_CLASSIFICATION if pair else CLASSIFICATION
