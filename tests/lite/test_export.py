import json
import os

import numpy as np
import pytest

from tests.quantization.toy import (
    SEQ,
    VOCAB,
    classification_data,
    converted,
    representative,
    trained,
)
from tinybert_tf.lite import ExportError, export_tflite, run_tflite
from tinybert_tf.lite.evaluate import interpreter
from tinybert_tf.lite.export import write_model

LABELS = ["no_marker", "marker"]


@pytest.fixture
def vocab(tmp_path):
    path = tmp_path / "src" / "vocab.txt"
    path.parent.mkdir()
    tokens = ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"] + [f"w{i}" for i in range(VOCAB - 5)]
    path.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    return path


def _metadata(vocab, **extra):
    return {"task": "toy", "labels": LABELS, "vocab_file": str(vocab), "lowercase": True, **extra}


def test_export_writes_model_sidecar_and_vocab(tmp_path, vocab):
    out = tmp_path / "models"
    path = export_tflite(
        trained("classifier"), out, "fp32", SEQ, _metadata(vocab, source="unit"), stem="toy"
    )
    assert path == str(out / "toy_fp32.tflite")
    assert sorted(os.listdir(out)) == ["toy_fp32.json", "toy_fp32.tflite", "vocab.txt"]
    assert (out / "vocab.txt").read_bytes() == vocab.read_bytes()
    sidecar = json.loads((out / "toy_fp32.json").read_text())
    assert sidecar["model_file"] == "toy_fp32.tflite" and sidecar["variant"] == "fp32"
    assert sidecar["labels"] == LABELS and sidecar["kind"] == "classification"
    assert sidecar["task"] == "toy" and sidecar["source"] == "unit"
    assert sidecar["vocab_file"] == "vocab.txt" and sidecar["lowercase"] is True
    assert sidecar["strip_accents"] is True  # follows lowercase, as the Tokenizer does
    assert sidecar["sequence_length"] == SEQ
    assert sidecar["special_tokens"] == {
        "[CLS]": 1,
        "[SEP]": 2,
        "[PAD]": 0,
        "[UNK]": 3,
        "[MASK]": 4,
    }
    assert [i["name"] for i in sidecar["inputs"]] == ["token_ids", "segment_ids", "padding_mask"]
    assert all(i["dtype"] == "int32" and i["shape"] == [1, SEQ] for i in sidecar["inputs"])
    assert sidecar["outputs"] == [
        {"name": "logits", "dtype": "float32", "shape": [1, 2], "quantization": None}
    ]
    assert sidecar["size_bytes"] == os.path.getsize(path)


def test_int8_full_sidecar_carries_the_output_scale(tmp_path, vocab):
    _, content = converted("classifier", "int8_full")
    path = write_model(content, tmp_path, "toy", "int8_full", SEQ, _metadata(vocab))
    sidecar = json.loads((tmp_path / "toy_int8_full.json").read_text())
    (logits,) = sidecar["outputs"]
    detail = interpreter(path).get_signature_runner().get_output_details()["logits"]
    assert logits["dtype"] == "int8"
    assert logits["quantization"] == {
        "scale": pytest.approx(float(detail["quantization"][0])),
        "zero_point": int(detail["quantization"][1]),
    }
    # An app dequantizes with the sidecar alone: (q - zero_point) * scale.
    runner = interpreter(path).get_signature_runner()
    x = {k: np.ones((1, SEQ), "int32") for k in ("token_ids", "segment_ids", "padding_mask")}
    raw = runner(**x)["logits"].astype(np.float32)
    q = logits["quantization"]
    np.testing.assert_allclose((raw - q["zero_point"]) * q["scale"], run_tflite(path, x), rtol=1e-6)


def test_token_classifier_kind_is_read_from_the_logits(tmp_path, vocab):
    _, content = converted("tagger", "int8_qat")
    write_model(
        content, tmp_path, "tagger", "int8_qat", SEQ, _metadata(vocab, labels=["a", "b", "c"])
    )
    sidecar = json.loads((tmp_path / "tagger_int8_qat.json").read_text())
    assert sidecar["kind"] == "token_classification"
    assert sidecar["outputs"][0]["shape"] == [1, SEQ, 3]


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"labels": ["only_one"]}, "2 logits"),
        ({"labels": []}, "labels"),
        ({"sequence_length": SEQ + 1}, "sequence_length"),
        ({"kind": "token_classification"}, "kind"),
        ({"kind": "regression"}, "kind"),
    ],
)
def test_bad_metadata_leaves_nothing_behind(tmp_path, vocab, bad, match):
    _, content = converted("classifier", "int8_qat")
    with pytest.raises(ValueError, match=match):
        write_model(content, tmp_path / "out", "toy", "int8_qat", SEQ, _metadata(vocab, **bad))
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []


def test_missing_vocab_and_custom_ops_are_refused(tmp_path, vocab):
    _, content = converted("classifier", "fp32")
    with pytest.raises(FileNotFoundError, match="vocab"):
        write_model(
            content, tmp_path, "toy", "fp32", SEQ, _metadata(tmp_path / "none" / "vocab.txt")
        )
    import tensorflow as tf

    concrete = tf.function(lambda m: tf.linalg.inv(m), input_signature=[tf.TensorSpec([2, 2])])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete.get_concrete_function()])
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.TFLITE_BUILTINS,
        tf.lite.OpsSet.SELECT_TF_OPS,
    ]
    with pytest.raises(ExportError, match="FlexMatrixInverse"):
        write_model(converter.convert(), tmp_path, "flex", "fp32", SEQ, _metadata(vocab))
    assert not list(tmp_path.glob("flex_*"))


def test_export_of_a_float_student_to_int8_qat_needs_data(tmp_path, vocab):
    with pytest.raises(ValueError, match="representative_data"):
        export_tflite(trained("classifier"), tmp_path, "int8_qat", SEQ, _metadata(vocab))
    path = export_tflite(
        trained("classifier"),
        tmp_path,
        "int8_qat",
        SEQ,
        _metadata(vocab),
        representative(),
        stem="s",
    )
    assert os.path.basename(path) == "s_int8_qat.tflite"
    # Calibrated from the float student, no QAT: predictions still follow the float model.
    x, _ = classification_data(64, seed=11)
    float_pred = trained("classifier")(x)["logits"].numpy().argmax(-1)
    assert (run_tflite(path, x).argmax(-1) == float_pred).mean() >= 0.95
