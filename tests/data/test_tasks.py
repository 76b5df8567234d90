from collections import Counter

import numpy as np
import pytest

from tinybert_tf.data import KNOWN_TASKS, DataError, load_task

SPLITS = ("train", "validation", "test")


def uids(task):
    return {s: [e.uid for e in task.split(s)] for s in SPLITS}


def assert_disjoint(task):
    sets = [set(u) for u in uids(task).values()]
    assert sum(len(s) for s in sets) == len(set().union(*sets))


def test_known_tasks():
    assert KNOWN_TASKS == ("bbc_news", "wnut_ner")


def test_bbc_news_sizes_and_labels(bbc_task):
    task = bbc_task
    assert task.kind == "classification"
    assert task.label_names == ["business", "entertainment", "politics", "sports", "tech"]
    assert len(task.train) + len(task.validation) + len(task.test) == 2225
    assert_disjoint(task)
    all_examples = task.train + task.validation + task.test
    assert Counter(task.label_names[e.label] for e in all_examples) == {
        "business": 510, "entertainment": 386, "politics": 417, "sports": 511, "tech": 401,
    }
    assert all(e.text and e.text.strip() == e.text for e in all_examples)


def test_bbc_news_split_is_stratified(bbc_task):
    all_labels = np.array([e.label for s in SPLITS for e in bbc_task.split(s)])
    overall = np.bincount(all_labels, minlength=5) / len(all_labels)
    for split in SPLITS:
        labels = np.array([e.label for e in bbc_task.split(split)])
        share = np.bincount(labels, minlength=5) / len(labels)
        np.testing.assert_allclose(share, overall, atol=0.01)
    assert 0.09 < len(bbc_task.validation) / 2225 < 0.11
    assert 0.09 < len(bbc_task.test) / 2225 < 0.11


def test_wnut_ner_sizes_and_labels(wnut_task):
    task = wnut_task
    assert task.kind == "token_classification"
    assert len(task.train) + len(task.validation) + len(task.test) == 2394
    assert task.label_names[0] == "O"
    assert len(task.label_names) == 21
    types = {name[2:] for name in task.label_names[1:]}
    assert types == {"company", "facility", "geo-loc", "movie", "musicartist", "other", "person", "product", "sportsteam", "tvshow"}
    assert_disjoint(task)
    # The file's first sentence, with its tags read back through label_names.
    first = next(e for s in SPLITS for e in task.split(s) if e.uid == "ner.txt:1")
    assert first.words[:3] == ("@paulwalk", "It", "'s")
    assert [task.label_names[t] for t in first.tags[14:17]] == ["B-facility", "I-facility", "I-facility"]
    assert sum(len(e.words) for s in SPLITS for e in task.split(s)) == 46469  # lines with a tag


def test_splits_identical_across_calls_and_change_with_seed(bbc_task):
    again = load_task("bbc_news")
    assert uids(again) == uids(bbc_task)
    other = load_task("bbc_news", seed=1)
    assert set(uids(other)["test"]) != set(uids(bbc_task)["test"])
    assert len(other.test) == len(bbc_task.test)


def test_fractions_and_limit():
    task = load_task("bbc_news", validation_fraction=0.2, test_fraction=0.0)
    assert len(task.test) == 0
    assert abs(len(task.validation) - 445) <= 3
    small = load_task("bbc_news", limit=50)
    full = load_task("bbc_news")
    for split in SPLITS:
        assert len(small.split(split)) == 50
        # A subset of the full split: a quick run never tests on training data.
        assert set(uids(small)[split]) <= set(uids(full)[split])
        counts = Counter(e.label for e in small.split(split))
        assert set(counts) == set(range(5)) and max(counts.values()) - min(counts.values()) <= 3
    assert uids(load_task("bbc_news", limit=50)) == uids(small)


def test_ner_limit():
    task = load_task("wnut_ner", limit=20)
    assert [len(task.split(s)) for s in SPLITS] == [20, 20, 20]


def test_unknown_task_lists_known_names():
    with pytest.raises(DataError, match=r"unknown task.*bbc_news, wnut_ner") as err:
        load_task("imdb")
    assert str(err.value).startswith("imdb:") and "\n" not in str(err.value)


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(DataError, match="nope.csv: file not found"):
        load_task(path)


def test_builtin_task_rejects_split_files(fixtures_dir):
    with pytest.raises(ValueError, match="file tasks"):
        load_task("bbc_news", test_path=fixtures_dir / "reviews_test.csv")
