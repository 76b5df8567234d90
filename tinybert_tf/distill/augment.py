"""TinyBERT data augmentation (Jiao et al. 2020, Algorithm 1): word replacement.

Each original sentence yields ``samples_per_example`` (N_a) new ones. In each new
sentence every eligible word is replaced, with probability ``replace_prob``
(p_t), by one of its ``candidates_per_word`` (K) candidates drawn uniformly:

* a single-word-piece word, when a masked language model is given: the model's
  top-K predictions for that word masked in its sentence;
* any other word (every word without a masked LM): its K nearest neighbours by
  cosine similarity in the teacher's input word-embedding table (the paper uses
  GloVe); a word made of several pieces is the mean of their embeddings.

Candidates are vocabulary entries made of letters: never ``##`` pieces, special
tokens (``[CLS]``, ``[unused7]``, ...), numbers, punctuation, nor the word itself.

Words: a text is split into runs of word characters and single punctuation
characters (``\\w+|[^\\w\\s]``, as BERT's basic tokenizer splits), and an
augmented text is its words joined by single spaces (WordPiece splits the
punctuation anyway). Eligible words are made of letters; numbers and punctuation
stay. With ``max_words`` only the first words are eligible: each word is at
least one word piece, so ``max_words=sequence_length`` covers every word that
survives truncation and skips work on the rest of long documents.

Randomness: each text gets its own ``numpy.random.Generator`` seeded from
``seed`` and a BLAKE2 hash of the text (stable across processes, unlike
``hash()``), so results do not depend on input order or batching.
"""
import dataclasses
import hashlib
import re
import unicodedata

import numpy as np
from tqdm.auto import tqdm

from tinybert_tf.data.errors import DataError
from tinybert_tf.distill.errors import DistillConfigError

_WORD_RE = re.compile(r"\w+|[^\w\s]")
_SUFFIX = "##"
_UNK, _MASK, _PAD, _CLS, _SEP = "[UNK]", "[MASK]", "[PAD]", "[CLS]", "[SEP]"
_NEIGHBOUR_CHUNK = 1024  # queries per similarity block: [1024, C] float32 scores
OUTSIDE_TAG = "O"  # tag of words outside any entity (BIO / IOB)


def split_words(text):
    """Split `text` into words and single punctuation characters."""
    return _WORD_RE.findall(text)


def stable_hash(text):
    """A 64-bit hash of `text` that is the same in every process and run."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def is_candidate_token(token):
    """Whether a vocabulary entry may replace a word: a whole word of letters.

    Letters only also rules out ``##`` pieces, ``[special]`` tokens, numbers and punctuation.
    """
    return token.isalpha()


def _check(condition, message):
    if not condition:
        raise DistillConfigError(f"augmentation: {message}")


class Augmenter:
    """Make new training examples by replacing words with similar words.

    Args:
        vocabulary: the teacher's WordPiece vocabulary, one entry per token id.
        embeddings: the teacher's input token-embedding matrix ``[V, H]`` (rows
            beyond ``len(vocabulary)`` are ignored).
        masked_lm: optional callable from token ids ``int32 [B, S]`` (``[CLS]``
            first, one ``[MASK]`` per row, ``[PAD]`` after ``[SEP]``) to logits
            ``[B, S, V]``. Without it every word takes embedding neighbours.
        lowercase: lowercase and strip accents before lookup (uncased vocabulary).
        replace_prob: p_t, probability of replacing each eligible word.
        samples_per_example: N_a, new examples made from each original.
        candidates_per_word: K, candidates per word.
        seed: base seed; with the text it fixes every random choice.
        max_words: only the first `max_words` words of a text are eligible (None: all).
        keep_words: words never replaced (e.g. a stop-word list), compared after
            normalisation.
        mlm_batch_size: rows per masked-LM call.
        mlm_max_length: ids per masked-LM row with special tokens; a longer text is
            cut to a window around the masked word.
    """

    def __init__(
        self,
        vocabulary,
        embeddings,
        masked_lm=None,
        *,
        lowercase=True,
        replace_prob=0.4,
        samples_per_example=20,
        candidates_per_word=15,
        seed=0,
        max_words=None,
        keep_words=(),
        mlm_batch_size=8,
        mlm_max_length=128,
    ):
        vocabulary = [str(t) for t in vocabulary]
        embeddings = np.asarray(embeddings)
        _check(vocabulary, "empty vocabulary")
        _check(
            embeddings.ndim == 2 and embeddings.shape[0] >= len(vocabulary),
            f"embeddings must be [V>={len(vocabulary)}, H], got {embeddings.shape}",
        )
        _check(0.0 <= replace_prob <= 1.0, f"replace_prob must be in [0, 1], got {replace_prob}")
        for name, value, low in (
            ("samples_per_example", samples_per_example, 1),
            ("candidates_per_word", candidates_per_word, 1),
            ("mlm_batch_size", mlm_batch_size, 1),
            ("mlm_max_length", mlm_max_length, 3),
            ("seed", seed, 0),
            ("max_words", 0 if max_words is None else max_words, 0),
        ):
            _check(int(value) == value and value >= low, f"{name} must be an integer >= {low}, got {value}")
        if masked_lm is not None:
            missing = [t for t in (_MASK, _CLS, _SEP, _PAD) if t not in vocabulary]
            _check(not missing, f"a masked LM needs {', '.join(missing)} in the vocabulary")

        self.vocabulary = vocabulary
        self.masked_lm = masked_lm
        self.lowercase = bool(lowercase)
        self.replace_prob = float(replace_prob)
        self.samples_per_example = int(samples_per_example)
        self.candidates_per_word = int(candidates_per_word)
        self.seed = int(seed)
        self.max_words = None if max_words is None else int(max_words)
        self.mlm_batch_size = int(mlm_batch_size)
        self.mlm_max_length = int(mlm_max_length)

        self._ids = {t: i for i, t in reversed(list(enumerate(vocabulary)))}  # first id wins
        self._embeddings = embeddings[: len(vocabulary)].astype(np.float32)  # [V, H]
        self._candidate_ids = np.flatnonzero([is_candidate_token(t) for t in vocabulary])  # [C]
        _check(self._candidate_ids.size, "the vocabulary has no whole words to use as candidates")
        self._candidate_words = [vocabulary[i] for i in self._candidate_ids]
        # Position of each vocabulary id among the candidates (-1: not a candidate).
        self._position = np.full(len(vocabulary), -1)
        self._position[self._candidate_ids] = np.arange(self._candidate_ids.size)
        self._unit_candidates = _unit_rows(self._embeddings[self._candidate_ids])  # [C, H]
        self._k = min(self.candidates_per_word, self._candidate_ids.size)
        self._normal = {}  # word -> normalised word
        self.keep_words = frozenset(self.normalize(w) for w in keep_words)
        self._neighbours = {}  # normalised word -> tuple of candidate words
        self._pieces = {}  # normalised word -> tuple of word-piece ids
        self._wordpiece = None  # tensorflow-text tokenizer, built on first need

    @classmethod
    def from_teacher(cls, teacher, **kwargs):
        """An Augmenter on a `tinybert_tf.teacher.Teacher`'s vocabulary and embeddings.

        When the teacher's source ships a masked-LM head (``teacher.has_masked_lm``)
        and no ``masked_lm`` is passed, keras-hub's ``BertMaskedLM`` is loaded from
        it. Other keyword arguments go to the constructor.
        """
        import keras

        with open(teacher.vocab_file, encoding="utf-8") as f:
            vocabulary = [line.rstrip("\r\n") for line in f]
        while vocabulary and not vocabulary[-1]:
            vocabulary.pop()
        table = teacher.backbone.get_layer("token_embedding").embeddings
        if "masked_lm" not in kwargs and teacher.has_masked_lm:
            import keras_hub

            model = keras_hub.models.BertMaskedLM.from_preset(teacher.source, preprocessor=None)
            kwargs["masked_lm"] = KerasHubMaskedLM(model, pad_id=vocabulary.index(_PAD))
        kwargs.setdefault("lowercase", teacher.lowercase)
        return cls(vocabulary, keras.ops.convert_to_numpy(table), **kwargs)

    # ------------------------------------------------------------------ candidates

    def normalize(self, word):
        """The vocabulary form of `word`: lowercased, accents stripped when uncased."""
        if not self.lowercase:
            return word
        if word not in self._normal:
            decomposed = unicodedata.normalize("NFD", word.lower())
            self._normal[word] = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
        return self._normal[word]

    def neighbours(self, word):
        """The K embedding neighbours of `word`, nearest first; () when it has none."""
        word = self.normalize(word)
        self._prepare_neighbours([word])
        return self._neighbours.get(word, ())

    def _eligible(self, word):
        """Whether a normalised word may be replaced at all."""
        return word.isalpha() and word not in self.keep_words

    def _uses_mlm(self, word):
        """Single-piece words take masked-LM candidates when there is a masked LM."""
        return self.masked_lm is not None and word in self._ids

    def _prepare_neighbours(self, words):
        """Compute and cache the neighbour lists of normalised words, in one pass."""
        todo = sorted({w for w in words if w not in self._neighbours and w.isalpha()})
        self._prepare_pieces([w for w in todo if w not in self._ids])
        queries, rows = [], []
        for word in todo:
            pieces = (self._ids[word],) if word in self._ids else self._pieces[word]
            if not pieces or self._ids.get(_UNK) in pieces:
                self._neighbours[word] = ()  # cannot be represented
                continue
            queries.append(word)
            rows.append(self._embeddings[list(pieces)].mean(axis=0))  # [H]
        for start in range(0, len(queries), _NEIGHBOUR_CHUNK):
            chunk = queries[start : start + _NEIGHBOUR_CHUNK]
            unit = _unit_rows(np.stack(rows[start : start + len(chunk)]))  # [q, H]
            scores = unit @ self._unit_candidates.T  # [q, C] cosine similarities
            top = self._top_candidates(scores, exclude=[self._ids.get(w, -1) for w in chunk])
            self._neighbours.update(zip(chunk, top))

    def _top_candidates(self, scores, exclude):
        """Per row of `scores` ([n, C]), the K best candidate words, best first.

        `exclude` holds one vocabulary id per row (the word itself, -1: none) that
        is left out. Modifies `scores`.
        """
        position = self._position[np.asarray(exclude)]  # [n]
        rows = np.flatnonzero((np.asarray(exclude) >= 0) & (position >= 0))
        scores[rows, position[rows]] = -np.inf
        k, size = self._k, scores.shape[1]
        if k < size:
            top = np.argpartition(-scores, k - 1, axis=1)[:, :k]  # [n, k], unordered
        else:
            top = np.broadcast_to(np.arange(size), scores.shape)
        best = np.take_along_axis(scores, top, axis=1)  # [n, k]
        order = np.argsort(-best, axis=1, kind="stable")
        top, best = np.take_along_axis(top, order, axis=1), np.take_along_axis(best, order, axis=1)
        words = self._candidate_words
        return [tuple(words[j] for j in t[np.isfinite(b)]) for t, b in zip(top, best)]

    def _prepare_pieces(self, words):
        """Cache the word-piece ids of normalised words (tensorflow-text WordPiece)."""
        todo = sorted({w for w in words if w not in self._pieces})
        if not todo:
            return
        if self._wordpiece is None:
            _check(_UNK in self._ids, f"the vocabulary needs {_UNK} to split words it lacks")
            import tensorflow as tf
            import tensorflow_text

            self._wordpiece = tensorflow_text.FastWordpieceTokenizer(
                vocab=self.vocabulary,
                suffix_indicator=_SUFFIX,
                unknown_token=_UNK,
                no_pretokenization=True,  # every input string is one word
                token_out_type=tf.int32,
            )
        self._pieces.update((w, tuple(ids)) for w, ids in zip(todo, self._wordpiece.tokenize(todo).to_list()))

    def _mlm_candidates(self, normalized, indices):
        """Masked-LM candidates for the single-piece words `normalized[i]`, i in `indices`."""
        ids = self._ids
        self._prepare_pieces([w for w in normalized if w not in ids])
        pieces = [(ids[w],) if w in ids else self._pieces[w] for w in normalized]
        starts = np.cumsum([0] + [len(p) for p in pieces])  # piece offset of each word
        flat = [p for word in pieces for p in word]
        room = self.mlm_max_length - 3  # besides [CLS], [MASK], [SEP]
        rows, masks = [], []
        for index in indices:
            left, right = flat[: starts[index]], flat[starts[index] + 1 :]
            n_left = min(len(left), max(room // 2, room - len(right)))
            n_right = min(len(right), room - n_left)
            rows.append([ids[_CLS], *left[len(left) - n_left :], ids[_MASK], *right[:n_right], ids[_SEP]])
            masks.append(1 + n_left)
        out = []
        for start in range(0, len(rows), self.mlm_batch_size):
            batch = rows[start : start + self.mlm_batch_size]
            token_ids = np.full((len(batch), max(map(len, batch))), ids[_PAD], np.int32)  # [B, S]
            for b, row in enumerate(batch):
                token_ids[b, : len(row)] = row
            logits = np.asarray(self.masked_lm(token_ids))  # [B, S, V]
            at_mask = logits[np.arange(len(batch)), masks[start : start + len(batch)]]  # [B, V]
            masked_words = [ids[normalized[i]] for i in indices[start : start + len(batch)]]
            out.extend(self._top_candidates(at_mask[:, self._candidate_ids].astype(np.float64), masked_words))
        return out

    # ------------------------------------------------------------------ sampling

    def augment_words(self, words, eligible=None, key=None):
        """N_a new versions of one sentence's words.

        Args:
            words: the sentence's words.
            eligible: optional booleans, one per word; ``False`` keeps the word.
            key: text that seeds the random choices (default: the words joined by spaces).

        Returns:
            N_a lists, each as long as `words`.
        """
        words = list(words)
        normalized = [self.normalize(w) for w in words[: self.max_words]]  # [:None] is all
        positions = [
            i for i, w in enumerate(normalized) if self._eligible(w) and (eligible is None or eligible[i])
        ]
        self._prepare_neighbours(normalized[i] for i in positions if not self._uses_mlm(normalized[i]))
        masked = [i for i in positions if self._uses_mlm(normalized[i])]
        found = dict(zip(masked, self._mlm_candidates(normalized, masked))) if masked else {}
        candidates = [found[i] if i in found else self._neighbours[normalized[i]] for i in positions]
        positions = [p for p, c in zip(positions, candidates) if c]  # words with candidates
        candidates = [c for c in candidates if c]

        rng = np.random.default_rng([self.seed, stable_hash(" ".join(words) if key is None else key)])
        shape = (self.samples_per_example, len(positions))
        replace = rng.random(shape) < self.replace_prob  # [N_a, P]
        counts = np.array([len(c) for c in candidates], np.int64)  # [P]
        picks = (rng.random(shape) * counts).astype(np.int64)  # [N_a, P], uniform in [0, count)
        samples = []
        for n in range(self.samples_per_example):
            new = list(words)
            for j in np.flatnonzero(replace[n]):
                new[positions[j]] = candidates[j][picks[n, j]]
            samples.append(new)
        return samples

    def augment_texts(self, texts, progress=True):
        """Per text, a list of its N_a augmented versions (words joined by single spaces)."""
        texts = list(texts)
        splits = [split_words(t) for t in texts]
        self._prepare_all(splits)
        items = tqdm(list(zip(texts, splits)), desc="augment", unit="text", disable=not progress)
        return [[" ".join(s) for s in self.augment_words(words, key=text)] for text, words in items]

    def augment_examples(self, examples, label_names=None, keep_originals=True, progress=True):
        """Augmented `tinybert_tf.data.Example`s.

        An example with ``text`` gets a new text and keeps its label and
        ``text_pair`` (the first sentence is augmented, as in TinyBERT). A
        token-classification example (``words`` and ``tags``) gets new ``words``
        in which only words tagged ``"O"`` are replaced, so entities and the tag
        alignment are kept. Augmented examples get uids ``"<uid>/aug<j>"``.

        Args:
            examples: `Example`s.
            label_names: the task's label names (``Task.label_names``); needed for
                token classification, to find which tag index is ``"O"``.
            keep_originals: put each original before its augmented versions.
            progress: show a progress bar.

        Returns:
            A flat list: per example, the original (if kept) then its N_a new ones.

        Raises:
            DataError: an example has no text, or words and tags differ in length.
        """
        examples = list(examples)
        splits, eligible = [], []
        for ex in examples:
            if ex.words is not None:
                if ex.tags is None or len(ex.tags) != len(ex.words):
                    raise DataError(ex.uid, "augmentation needs one tag per word")
                _check(label_names is not None, "token classification needs label_names to find the 'O' tag")
                splits.append(list(ex.words))
                eligible.append([label_names[t] == OUTSIDE_TAG for t in ex.tags])
            elif isinstance(ex.text, str):
                splits.append(split_words(ex.text))
                eligible.append(None)
            else:
                raise DataError(ex.uid, "augmentation needs a text or words")
        self._prepare_all(splits)
        out = []
        items = list(zip(examples, splits, eligible))
        for ex, words, mask in tqdm(items, desc="augment", unit="example", disable=not progress):
            if keep_originals:
                out.append(ex)
            if ex.words is not None:
                changes = [{"words": tuple(s)} for s in self.augment_words(words, eligible=mask)]
            else:
                changes = [{"text": " ".join(s)} for s in self.augment_words(words, key=ex.text)]
            out.extend(dataclasses.replace(ex, uid=f"{ex.uid}/aug{j}", **c) for j, c in enumerate(changes))
        return out

    def _prepare_all(self, splits):
        """Neighbour lists for every eligible word of the data, in one pass."""
        words = {self.normalize(w) for split in splits for w in split[: self.max_words]}
        self._prepare_neighbours(w for w in words if self._eligible(w) and not self._uses_mlm(w))


class KerasHubMaskedLM:
    """The masked-LM callable over a ``keras_hub.models.BertMaskedLM`` without preprocessor.

    ``[PAD]`` (`pad_id`) positions are masked out of attention.
    """

    def __init__(self, model, pad_id=0):
        self.model = model
        self.pad_id = int(pad_id)

    def __call__(self, token_ids):
        """Token ids ``[B, S]`` -> logits ``[B, S, V]`` at every position."""
        import keras

        token_ids = np.asarray(token_ids, np.int32)  # [B, S]
        batch, length = token_ids.shape
        inputs = {
            "token_ids": token_ids,
            "segment_ids": np.zeros_like(token_ids),
            "padding_mask": token_ids != self.pad_id,
            "mask_positions": np.tile(np.arange(length, dtype=np.int32), (batch, 1)),  # [B, S]
        }
        return keras.ops.convert_to_numpy(self.model(inputs, training=False))  # [B, S, V]


def _unit_rows(matrix):
    """Rows scaled to unit L2 norm (zero rows stay zero)."""
    return matrix / np.maximum(np.linalg.norm(matrix, axis=-1, keepdims=True), 1e-12)
