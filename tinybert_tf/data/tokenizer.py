"""BERT WordPiece tokenizer with packing, built on keras-hub (the same code the teacher uses).

`keras_hub.models.BertTokenizer` splits text into word pieces and
`keras_hub.layers.MultiSegmentPacker` adds [CLS] / [SEP], truncates and pads.
Both run inside a `tf.function` over batches of strings, so a corpus is
tokenized by TensorFlow ops, not per example in Python (keras-hub layers called
eagerly also convert ragged outputs to Python lists, which is slow).
keras-hub and TensorFlow are imported when the first `Tokenizer` is built.
"""
import json
from pathlib import Path

import numpy as np

from tinybert_tf.constants import IGNORE_LABEL, PADDING_MASK, SEGMENT_IDS, TOKEN_IDS
from tinybert_tf.data.errors import DataError

WORD_IDS = "word_ids"  # [N, S] index of the word a piece came from, -1 for special tokens / padding
VOCAB_FILENAME = "vocab.txt"
_TEXT_BATCH = 512  # strings per tf.function call
_WORD_BATCH = 8192  # single words per tf.function call


def _as_strings(texts, what):
    """A list of `str` from a list / tuple / array of strings (a lone `str` is a batch of one)."""
    if isinstance(texts, str):
        return [texts]
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{what}[{i}] must be a str, got {type(text).__name__}")
    return texts


def _utf8(texts):
    # Lone surrogates cannot be encoded as UTF-8; they become "?" instead of failing.
    return [text.encode("utf-8", "replace") for text in texts]


class Tokenizer:
    """Text -> `{"token_ids", "segment_ids", "padding_mask"}` int32 arrays of shape [N, S].

    Args:
        vocab_file: a WordPiece `vocab.txt` (one token per line), or a folder holding one.
        lowercase: lowercase the text first (True for uncased models).
        sequence_length: S, the length of every output row (>= 3).
        strip_accents: drop accents (NFD, then no combining marks) before WordPiece.
            None follows `lowercase`, as Hugging Face's BertTokenizer does: uncased
            vocabularies hold "cafe", not "café".
    """

    def __init__(self, vocab_file, lowercase=True, sequence_length=128, strip_accents=None):
        import keras_hub
        import tensorflow as tf

        path = Path(vocab_file)
        if path.is_dir():
            path = path / VOCAB_FILENAME
        if not path.is_file():
            raise DataError(path, "vocabulary file not found")
        if int(sequence_length) < 3:
            raise ValueError(f"sequence_length must be >= 3 ([CLS] a [SEP] b [SEP]), got {sequence_length}")
        self._vocab_file = str(path)
        self._lowercase = bool(lowercase)
        self._strip_accents = self._lowercase if strip_accents is None else bool(strip_accents)
        self._sequence_length = int(sequence_length)
        self._wordpiece = keras_hub.models.BertTokenizer(
            vocabulary=self._vocab_file, lowercase=self._lowercase, strip_accents=self._strip_accents
        )
        self._vocabulary = list(self._wordpiece.get_vocabulary())
        self._unk_id = self._wordpiece.token_to_id(self._wordpiece.oov_token)
        # "round_robin" gives each segment one token in turn until S is full: a short
        # second segment is kept whole and the long one is cut, as BERT does.
        self._packer = keras_hub.layers.MultiSegmentPacker(
            start_value=self.cls_id,
            end_value=self.sep_id,
            pad_value=self.pad_id,
            sequence_length=self._sequence_length,
            truncate="round_robin",
        )
        strings = tf.TensorSpec([None], tf.string)
        self._tf = tf
        self._pack_single = tf.function(self._pack_single_graph, input_signature=[strings], autograph=False)
        self._pack_pair = tf.function(self._pack_pair_graph, input_signature=[strings, strings], autograph=False)
        self._word_pieces = tf.function(self._word_pieces_graph, input_signature=[strings], autograph=False)

    @classmethod
    def from_model_dir(cls, model_dir, sequence_length=128):
        """The tokenizer of a Hugging Face style model folder (vocab.txt, tokenizer_config.json).

        Casing comes from `do_lower_case` in tokenizer_config.json (default True),
        as keras-hub's `BertTokenizer.from_preset` reads it, and accents from its
        `strip_accents` (absent or null: follow the casing, as Hugging Face does).
        """
        model_dir = Path(model_dir)
        config = {}
        config_file = model_dir / "tokenizer_config.json"
        if config_file.is_file():
            config = json.loads(config_file.read_text(encoding="utf-8"))
        return cls(model_dir / VOCAB_FILENAME, lowercase=bool(config.get("do_lower_case", True)),
                   sequence_length=sequence_length, strip_accents=config.get("strip_accents"))

    # Graph functions: [N] strings in, dense [N, S] int32 (or ragged pieces) out.
    def _pack_single_graph(self, texts):
        token_ids, segment_ids = self._packer(self._wordpiece(texts))
        return token_ids, segment_ids

    def _pack_pair_graph(self, texts, text_pairs):
        token_ids, segment_ids = self._packer((self._wordpiece(texts), self._wordpiece(text_pairs)))
        return token_ids, segment_ids

    def _word_pieces_graph(self, words):
        pieces = self._wordpiece(words)  # ragged [W, pieces]
        return pieces.flat_values, pieces.row_lengths()

    # Properties.
    @property
    def vocab_file(self):
        return self._vocab_file

    @property
    def vocabulary(self):
        return list(self._vocabulary)

    @property
    def vocabulary_size(self):
        return len(self._vocabulary)

    @property
    def lowercase(self):
        return self._lowercase

    @property
    def strip_accents(self):
        return self._strip_accents

    @property
    def sequence_length(self):
        return self._sequence_length

    @property
    def cls_id(self):
        return self._wordpiece.cls_token_id

    @property
    def sep_id(self):
        return self._wordpiece.sep_token_id

    @property
    def pad_id(self):
        return self._wordpiece.pad_token_id

    @property
    def unk_id(self):
        return self._unk_id

    def get_config(self):
        return {"vocab_file": self._vocab_file, "lowercase": self._lowercase,
                "sequence_length": self._sequence_length, "strip_accents": self._strip_accents}

    def __repr__(self):
        return (
            f"Tokenizer(vocab_file={self._vocab_file!r}, lowercase={self._lowercase}, "
            f"sequence_length={self._sequence_length}, strip_accents={self._strip_accents})"
        )

    # Encoding.
    def _empty(self, n=0):
        return np.zeros((n, self._sequence_length), np.int32)

    def encode(self, texts, text_pairs=None):
        """`[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, truncated round-robin and padded to S.

        Args:
            texts: N strings (a lone string counts as N = 1).
            text_pairs: None, or N second segments.

        Returns:
            dict of np.int32 [N, S]: token_ids, segment_ids (0 for [CLS] a [SEP], 1 for
            b [SEP], 0 on padding), padding_mask (1 on real tokens, 0 on padding).
        """
        texts = _as_strings(texts, "texts")
        pairs = None if text_pairs is None else _as_strings(text_pairs, "text_pairs")
        if pairs is not None and len(pairs) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(pairs)} text_pairs")
        token_ids, segment_ids = [self._empty()], [self._empty()]
        tf = self._tf
        for start in range(0, len(texts), _TEXT_BATCH):
            first = tf.constant(_utf8(texts[start : start + _TEXT_BATCH]), tf.string)
            if pairs is None:
                ids, segments = self._pack_single(first)
            else:
                second = tf.constant(_utf8(pairs[start : start + _TEXT_BATCH]), tf.string)
                ids, segments = self._pack_pair(first, second)
            token_ids.append(ids.numpy())
            segment_ids.append(segments.numpy())
        token_ids = np.concatenate(token_ids).astype(np.int32)  # [N, S]
        return {
            TOKEN_IDS: token_ids,
            SEGMENT_IDS: np.concatenate(segment_ids).astype(np.int32),  # [N, S]
            PADDING_MASK: (token_ids != self.pad_id).astype(np.int32),  # [N, S]
        }

    def _pieces_of_words(self, words):
        """(piece ids [P], pieces per word [W]) for single words; every word gets >= 1 piece."""
        values, counts = [np.zeros(0, np.int32)], [np.zeros(0, np.int64)]
        for start in range(0, len(words), _WORD_BATCH):
            batch = self._tf.constant(_utf8(words[start : start + _WORD_BATCH]), self._tf.string)
            flat, lengths = self._word_pieces(batch)
            values.append(flat.numpy().astype(np.int32))
            counts.append(lengths.numpy())
        piece_ids, counts = np.concatenate(values), np.concatenate(counts)
        # A word with no pieces (e.g. only a zero-width space) becomes [UNK], so that every
        # word keeps a position for its tag (dropping it would lose the tag).
        empty = counts == 0
        if empty.any():
            starts = np.cumsum(counts) - counts
            piece_ids = np.insert(piece_ids, starts[empty], self.unk_id)
            counts = np.where(empty, 1, counts)
        return piece_ids, counts

    def encode_words(self, words_list, tags_list=None):
        """Encode pre-split words for token classification.

        Each word becomes its word pieces; `[CLS] pieces [SEP]` is cut to S. The tag
        of a word goes on its first piece; other pieces, [CLS], [SEP] and padding get
        IGNORE_LABEL. Words that do not fit are dropped (see `decode_word_tags`).

        Args:
            words_list: N sequences of words.
            tags_list: None or N sequences of int tags, one per word.

        Returns:
            (features, labels): features = dict of np.int32 [N, S] with token_ids,
            segment_ids (all 0), padding_mask and word_ids (index of the word a piece
            came from, -1 elsewhere); labels = np.int32 [N, S], or None without tags.
        """
        sentences = [list(words) for words in words_list]
        for i, words in enumerate(sentences):
            _as_strings(words, f"words_list[{i}]")
        n, S, capacity = len(sentences), self._sequence_length, self._sequence_length - 2
        num_words = np.array([len(words) for words in sentences], np.int64)  # [N]
        flat_words = [word for words in sentences for word in words]  # [W]
        piece_ids, counts = self._pieces_of_words(flat_words)  # [P], [W]

        word_start = np.cumsum(counts) - counts  # [W] first piece of each word
        word_of_piece = np.repeat(np.arange(len(flat_words)), counts)  # [P]
        sentence_of_word = np.repeat(np.arange(n), num_words)  # [W]
        local_word = np.arange(len(flat_words)) - np.repeat(np.cumsum(num_words) - num_words, num_words)  # [W]
        pieces_per_sentence = np.bincount(sentence_of_word, weights=counts, minlength=n).astype(np.int64)  # [N]
        sentence_of_piece = sentence_of_word[word_of_piece]  # [P]
        position = np.arange(len(piece_ids)) - (np.cumsum(pieces_per_sentence) - pieces_per_sentence)[sentence_of_piece]
        keep = position < capacity  # [P] pieces that fit between [CLS] and [SEP]
        rows, cols = sentence_of_piece[keep], position[keep] + 1

        token_ids = np.full((n, S), self.pad_id, np.int32)
        token_ids[:, 0] = self.cls_id
        token_ids[rows, cols] = piece_ids[keep]
        kept = np.minimum(pieces_per_sentence, capacity)  # [N]
        token_ids[np.arange(n), kept + 1] = self.sep_id
        word_ids = np.full((n, S), -1, np.int32)
        word_ids[rows, cols] = local_word[word_of_piece[keep]]
        features = {
            TOKEN_IDS: token_ids,
            SEGMENT_IDS: np.zeros((n, S), np.int32),
            PADDING_MASK: (np.arange(S)[None, :] < (kept + 2)[:, None]).astype(np.int32),
            WORD_IDS: word_ids,
        }
        if tags_list is None:
            return features, None

        tags_list = [list(tags) for tags in tags_list]
        if len(tags_list) != n:
            raise ValueError(f"got {n} word lists but {len(tags_list)} tag lists")
        for i, (words, tags) in enumerate(zip(sentences, tags_list)):
            if len(words) != len(tags):
                raise ValueError(f"sentence {i} has {len(words)} words but {len(tags)} tags")
        flat_tags = np.array([tag for tags in tags_list for tag in tags], np.int32).reshape(-1)  # [W]
        is_first = np.zeros(len(piece_ids), bool)
        is_first[word_start] = True
        labelled = keep & is_first
        labels = np.full((n, S), IGNORE_LABEL, np.int32)
        labels[sentence_of_piece[labelled], position[labelled] + 1] = flat_tags[word_of_piece[labelled]]
        return features, labels

    @staticmethod
    def decode_word_tags(pred_label_ids, word_ids, num_words, outside_label=0):
        """Per-word tags from per-piece predictions: each word takes its first piece's label.

        Args:
            pred_label_ids: [N, S] int label per piece (e.g. argmax of the logits).
            word_ids: [N, S] from `encode_words`.
            num_words: N word counts (or the N word sequences themselves).
            outside_label: the tag of words cut off by truncation (index of "O").

        Returns:
            N lists of int tags, one per word.
        """
        pred_label_ids, word_ids = np.asarray(pred_label_ids), np.asarray(word_ids)
        previous = np.concatenate([np.full((len(word_ids), 1), -1), word_ids[:, :-1]], axis=1)
        first = (word_ids >= 0) & (word_ids != previous)  # [N, S] first piece of each word
        result = []
        for i, count in enumerate(num_words):
            count = int(count) if isinstance(count, (int, np.integer)) else len(count)
            tags = np.full(count, outside_label, np.int64)
            cols = np.nonzero(first[i])[0]
            tags[word_ids[i, cols]] = pred_label_ids[i, cols]
            result.append(tags.tolist())
        return result
