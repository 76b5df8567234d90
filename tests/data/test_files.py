"""User files: CSV / TSV / JSONL / CoNLL fixtures load; each bad input names the file and line."""
import pytest

from tinybert_tf.data import DataError, load_task


def all_examples(task):
    return task.train + task.validation + task.test


def test_csv_fixture(fixtures_dir):
    task = load_task(fixtures_dir / "reviews.csv", validation_fraction=0.25, test_fraction=0.25)
    assert (task.name, task.kind, task.label_names) == ("reviews", "classification", ["neg", "pos"])
    assert [len(task.train), len(task.validation), len(task.test)] == [4, 4, 4]  # per label: 6 * 0.25 = 1.5 -> 2 each
    by_uid = {e.uid: e for e in all_examples(task)}
    # A quoted field spanning two lines is one example, with the line where it starts.
    assert by_uid["reviews.csv:5"].text == "Two hours I will never get back.\nAvoid."
    assert by_uid["reviews.csv:5"].label == 0
    assert by_uid["reviews.csv:7"].text == "The soundtrack alone is worth the ticket."
    assert by_uid["reviews.csv:13"].text == 'Café scenes in Paris, lovely "little" details.'
    for split in (task.train, task.validation, task.test):
        assert sorted(e.label for e in split) == [0, 0, 1, 1]


def test_tsv_fixture(fixtures_dir):
    task = load_task(fixtures_dir / "headlines.tsv", validation_fraction=0.0, test_fraction=0.34)
    assert task.label_names == ["business", "sport"]
    assert [len(task.train), len(task.validation), len(task.test)] == [4, 0, 2]
    assert {e.label for e in task.test} == {0, 1}
    assert "the striker scored twice" in {e.text for e in all_examples(task)}


def test_jsonl_pair_fixture(fixtures_dir):
    task = load_task(fixtures_dir / "pairs.jsonl", validation_fraction=0.0, test_fraction=0.0)
    assert task.kind == "pair_classification"
    assert task.label_names == ["contradiction", "entailment"]
    first = task.train[0]
    assert (first.text, first.text_pair, first.label, first.uid) == (
        "A man is playing a guitar.", "Someone plays music.", 1, "pairs.jsonl:1",
    )
    assert [e.uid for e in task.train][3] == "pairs.jsonl:5"  # the blank line 4 is skipped


def test_conll_fixture(fixtures_dir):
    task = load_task(fixtures_dir / "entities.conll", validation_fraction=0.0, test_fraction=0.0)
    assert task.kind == "token_classification"
    assert task.label_names == ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    assert [e.words for e in task.train] == [
        ("John", "Smith", "visited", "New", "York", "."), ("Acme", "hired", "Mary"), ("Paris", "is", "nice"),
    ]
    assert [task.label_names[t] for t in task.train[0].tags] == ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"]
    assert [e.uid for e in task.train] == ["entities.conll:3", "entities.conll:10", "entities.conll:15"]


def test_multi_column_conll_takes_first_and_last_column(fixtures_dir):
    task = load_task(fixtures_dir / "conll2003.bio", validation_fraction=0.0, test_fraction=0.0)
    assert task.train[0].words == ("EU", "rejects", "German", "call")
    assert [task.label_names[t] for t in task.train[0].tags] == ["B-ORG", "O", "B-MISC", "O"]


def test_explicit_validation_and_test_files(fixtures_dir):
    task = load_task(
        fixtures_dir / "reviews.csv",
        validation_path=fixtures_dir / "reviews_validation.csv",
        test_path=fixtures_dir / "reviews_test.csv",
    )
    assert [len(task.train), len(task.validation), len(task.test)] == [12, 2, 3]
    assert [e.text for e in task.test] == ["Loved it.", "Hated it.", "Meh."]
    assert [e.label for e in task.test] == [1, 0, 0]
    only_test = load_task(fixtures_dir / "reviews.csv", test_path=fixtures_dir / "reviews_test.csv", validation_fraction=0.5)
    assert len(only_test.test) == 3 and len(only_test.validation) == 6 and len(only_test.train) == 6


def test_numeric_labels_sort_as_numbers(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("text,label\na,10\nb,2\nc,1\nd,2\n", encoding="utf-8")
    assert load_task(path, validation_fraction=0, test_fraction=0).label_names == ["1", "2", "10"]


BAD_FILES = [
    # (file name, content, expected message part, line)
    ("no_label.csv", "text,category\nhello,a\n", "missing column 'label'", 1),
    ("no_text.tsv", "sentence\tlabel\nhello\ta\n", "missing column 'text'", 1),
    ("empty.csv", "", "file is empty", None),
    ("header_only.csv", "text,label\n", "file is empty", None),
    ("blank.jsonl", "\n\n", "file is empty", None),
    ("empty_text.csv", "text,label\nfine,a\n  ,b\n", "empty text", 3),
    ("empty_label.csv", "text,label\nfine,a\nalso fine,\n", "empty label", 3),
    ("short_row.csv", "text,label\nfine,a\nnolabel\n", "row has 1 fields", 3),
    ("pair_missing.jsonl", '{"text": "a", "text_pair": "b", "label": "x"}\n{"text": "c", "label": "y"}\n', "missing column 'text_pair'", 2),
    ("bad_json.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", label}\n', "not valid JSON", 2),
    ("empty_pair.jsonl", '{"text": "a", "text_pair": "", "label": "x"}\n', "empty text_pair", 1),
    ("not_bio.conll", "John\tB-PER\nlives\tO\nhere\tX-LOC\n", "tag 'X-LOC' is not BIO", 3),
    ("bioes.conll", "John\tS-PER\n", "tag 'S-PER' is not BIO", 1),
    ("no_tag.conll", "John\tB-PER\n\nlives\n", "line has a token but no tag", 3),
    ("empty_tag.txt", "John\tB-PER\nlives\t\n", "line has a token but no tag", 2),
    ("stray_quote.csv", 'text,label\nfine,a\n"bad" x,b\n', "not a valid CSV file", 3),
    ("unclosed_quote.csv", 'text,label\nfine,a\n"unclosed,b\n', "not a valid CSV file", 3),
    ("one_label.csv", "text,label\na,x\nb,x\n", "needs at least 2 labels", None),
    ("notes.xlsx", "x", "unknown file type '.xlsx'", None),
]


@pytest.mark.parametrize("name,content,message,line", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_raises_data_error_naming_file_and_line(tmp_path, name, content, message, line):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message) as err:
        load_task(path)
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(err.value).startswith(where)
    assert "\n" not in str(err.value)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("suffix", [".csv", ".conll"])
def test_text_not_utf8(tmp_path, suffix):
    path = tmp_path / f"latin1{suffix}"
    content = "text,label\nfine,a\nprice \xa315,b\n" if suffix == ".csv" else "fine\tO\n\n\xa315\tO\n"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8 \(byte 0xa3\)") as err:
        load_task(path)
    assert str(err.value).startswith(f"{path}:3: ")


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("text,label\na,x\nb,y\n".encode("utf-8-sig"))
    assert load_task(path, validation_fraction=0, test_fraction=0).label_names == ["x", "y"]


def test_label_only_in_validation_file(tmp_path, fixtures_dir):
    validation = tmp_path / "val.csv"
    validation.write_text("text,label\nok,pos\nsomething,neutral\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"label 'neutral' does not occur in the training data") as err:
        load_task(fixtures_dir / "reviews.csv", validation_path=validation)
    assert str(err.value).startswith(f"{validation}:3: ")


def test_entity_type_only_in_test_file(tmp_path, fixtures_dir):
    test = tmp_path / "test.conll"
    test.write_text("Rome\tB-LOC\nin\tO\nMay\tB-DATE\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"label 'B-DATE' does not occur in the training data") as err:
        load_task(fixtures_dir / "entities.conll", test_path=test)
    assert str(err.value).startswith(f"{test}:1: ")


def test_held_out_file_of_another_kind(fixtures_dir):
    with pytest.raises(DataError, match="holds token_classification data"):
        load_task(fixtures_dir / "reviews.csv", test_path=fixtures_dir / "entities.conll")
