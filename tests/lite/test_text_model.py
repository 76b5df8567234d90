import json
import os

import numpy as np
import pytest

from tests.quantization.toy import SEQ, VOCAB, converted, trained
from tinybert_tf.data import Tokenizer
from tinybert_tf.lite import op_report, run_tflite
from tinybert_tf.lite.convert import ConversionError
from tinybert_tf.lite.flatbuffer import custom_op_names
from tinybert_tf.lite.text_model import (
    custom_op_registerers,
    export_text_tflite,
    run_text_tflite,
)

TEXTS = [
    "w3 w10 w0",
    "W7 w0, w12 w12 w54!",  # upper case, punctuation ([UNK]), repeats
    " ".join(f"w{i}" for i in range(30)),  # longer than S: truncated
    "",
    "\u1e823 W\u03011",  # accents: "ẃ3 Ẃ1" -> "w3 w1" in both tokenizers
]


@pytest.fixture(scope="module")
def vocab(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "vocab.txt"
    tokens = ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"] + [f"w{i}" for i in range(VOCAB - 5)]
    path.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("variant", ["fp32", "int8_qat"])
def test_text_model_matches_the_id_model(tmp_path, vocab, variant):
    model, id_model = converted("classifier", variant)
    metadata = {"labels": ["no", "yes"], "vocab_file": str(vocab), "lowercase": True}
    path = export_text_tflite(model, tmp_path, variant, SEQ, metadata, stem="toy")
    assert os.path.basename(path) == f"toy_{variant}_text.tflite"
    with open(path, "rb") as f:
        content = f.read()
    assert custom_op_names(content) == {"FastBertNormalize", "FastWordpieceTokenizeWithOffsets"}
    sidecar = json.loads((tmp_path / f"toy_{variant}_text.json").read_text())
    assert sidecar["inputs"] == [
        {"name": "text", "dtype": "string", "shape": [1], "quantization": None}
    ]
    assert sidecar["input"] == "text" and sidecar["strip_accents"] is True

    encoded = Tokenizer(vocab, lowercase=True, sequence_length=SEQ).encode(TEXTS)
    assert encoded["padding_mask"][2].all() and encoded["token_ids"][1][3] == 3  # truncated; [UNK]
    np.testing.assert_allclose(
        run_text_tflite(path, TEXTS), run_tflite(id_model, encoded), atol=1e-5
    )
    report = op_report(path, custom_op_registerers=custom_op_registerers())
    assert report["not_delegated"]["FastWordpieceTokenizeWithOffsets"] == 1


def test_text_variants_that_need_calibration_are_refused(tmp_path, vocab):
    with pytest.raises(ConversionError, match="text models"):
        export_text_tflite(
            trained("classifier"),
            tmp_path,
            "int8_full",
            SEQ,
            {"labels": ["no", "yes"], "vocab_file": str(vocab)},
        )
    with pytest.raises(ConversionError, match="vocab_file"):
        export_text_tflite(trained("classifier"), tmp_path, "fp32", SEQ, {"labels": ["no", "yes"]})
