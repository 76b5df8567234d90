import numpy as np
import pytest
import tf_keras

import tinybert_tf as tb
from tests.helpers import make_inputs
from tests.helpers import tiny_backbone as tiny


def test_outputs_names_and_shapes(inputs):
    out = tiny()(inputs)
    assert set(out) == {"sequence_output", "pooled_output", "hidden_states", "attention_scores"}
    assert out["sequence_output"].shape == (2, 8, 16)
    assert out["pooled_output"].shape == (2, 16)
    assert len(out["hidden_states"]) == 3 and all(
        h.shape == (2, 8, 16) for h in out["hidden_states"]
    )
    assert len(out["attention_scores"]) == 2
    assert all(a.shape == (2, 2, 8, 8) for a in out["attention_scores"])
    np.testing.assert_array_equal(out["hidden_states"][-1], out["sequence_output"])


def test_embedding_output_comes_first(inputs):
    backbone = tiny()
    out = backbone(inputs)
    embedded = backbone.get_layer("embeddings")(
        {"token_ids": inputs["token_ids"], "segment_ids": inputs["segment_ids"]}
    )
    np.testing.assert_allclose(out["hidden_states"][0], embedded, rtol=1e-6)


def test_attention_scores_are_masked_pre_softmax(inputs):
    scores = tiny()(inputs)["attention_scores"][0].numpy()  # [B, heads, S, S]
    assert scores[0, :, :, -2:].max() < -5000  # padded keys of row 0
    assert scores[1].min() > -100  # no padding in row 1: raw scores


@pytest.mark.parametrize(
    "options",
    [
        dict(activation="relu"),
        dict(normalization="nonorm"),
        dict(share_parameters=True),
        dict(vocabulary_size=7),
    ],
)
def test_options_build_and_run(options):
    backbone = tiny(**options)
    out = backbone(make_inputs(vocab=backbone.vocabulary_size))
    assert np.isfinite(out["sequence_output"]).all()


def test_parameter_sharing_really_shares():
    one = tiny(num_layers=1, share_parameters=True)
    six = tiny(num_layers=6, share_parameters=True)
    assert len(six.trainable_weights) == len(one.trainable_weights)
    assert six.count_params() == one.count_params()
    assert tiny(num_layers=6).count_params() > six.count_params()


def test_get_config_round_trip(inputs):
    backbone = tiny(activation="relu", normalization="nonorm", sequence_length=8)
    clone = tb.TinyBertBackbone.from_config(backbone.get_config())
    assert clone.get_config() == backbone.get_config()
    clone.set_weights(backbone.get_weights())
    np.testing.assert_allclose(
        clone(inputs)["sequence_output"], backbone(inputs)["sequence_output"], rtol=1e-6
    )


def test_save_and_load_give_identical_outputs(tmp_path, inputs):
    backbone = tiny()
    path = tmp_path / "backbone.keras"
    backbone.save(path)
    restored = tf_keras.models.load_model(path)
    assert isinstance(restored, tb.TinyBertBackbone)
    np.testing.assert_array_equal(
        restored(inputs)["pooled_output"], backbone(inputs)["pooled_output"]
    )


@pytest.mark.parametrize(
    "bad, match",
    [
        (dict(hidden_dim=15, num_heads=2), "divisible"),
        (dict(num_layers=0), "num_layers"),
        (dict(activation="tanh"), "activation"),
        (dict(normalization="rmsnorm"), "normalization"),
        (dict(sequence_length=600), "position table"),
    ],
)
def test_inconsistent_sizes_raise(bad, match):
    with pytest.raises(ValueError, match=match):
        tiny(**bad)
