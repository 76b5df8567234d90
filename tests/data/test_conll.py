from tinybert_tf.data.conll import bio_label_names, entity_type, is_bio


def test_bio_tags():
    assert entity_type("B-PER") == "PER" and entity_type("I-geo-loc") == "geo-loc"
    assert entity_type("O") is None and entity_type("X-PER") is None
    assert is_bio("O") and is_bio("I-PER") and is_bio("B-x")
    for bad in ("X-PER", "B-", "B_PER", "S-PER", "E-PER", "o", "B-PER X", ""):
        assert not is_bio(bad), bad


def test_bio_label_names():
    assert bio_label_names({"PER", "LOC", "PER"}) == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    assert bio_label_names([]) == ["O"]
