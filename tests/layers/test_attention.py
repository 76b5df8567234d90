import numpy as np
import pytest
import tensorflow as tf

from tinybert_tf.layers import AttentionBias, MultiHeadSelfAttention


def _dense(layer, x):
    kernel, bias = (w.numpy() for w in layer.weights)
    return x @ kernel + bias


def _split(x, heads):  # [B, S, H] -> [B, heads, S, d]
    b, s, h = x.shape
    return x.reshape(b, s, heads, h // heads).transpose(0, 2, 1, 3)


def test_scores_and_output_match_numpy_reference():
    rng = np.random.default_rng(0)
    b, s, h, heads = 2, 6, 12, 3
    x = rng.normal(size=(b, s, h)).astype("float32")
    mask = np.ones((b, s), "int32")
    mask[1, 4:] = 0
    layer = MultiHeadSelfAttention(heads, h, dropout=0.0)
    bias = AttentionBias()(mask).numpy()
    out = layer([x, bias])

    q = _split(_dense(layer.query_dense, x), heads)
    k = _split(_dense(layer.key_dense, x), heads)
    v = _split(_dense(layer.value_dense, x), heads)
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(h // heads)
    scores = scores + (1.0 - mask[:, None, None, :]) * -10000.0  # [B, heads, S, S]
    np.testing.assert_allclose(out["scores"].numpy(), scores, rtol=1e-4, atol=1e-3)

    probs = np.exp(scores - scores.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    context = (probs @ v).transpose(0, 2, 1, 3).reshape(b, s, h)
    np.testing.assert_allclose(
        out["output"].numpy(), _dense(layer.output_dense, context), rtol=1e-4, atol=1e-5
    )
    # Padded keys get (almost) no attention.
    assert probs[1, :, :, 4:].max() < 1e-6


def test_attention_bias_values():
    bias = AttentionBias(mask_value=-50.0)(np.array([[1, 1, 0]], "int32")).numpy()
    assert bias.shape == (1, 1, 1, 3)
    np.testing.assert_array_equal(bias.reshape(-1), [0.0, 0.0, -50.0])


def test_heads_must_divide_hidden():
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadSelfAttention(5, 12)


def test_dynamic_sequence_length_in_tf_function():
    layer = MultiHeadSelfAttention(2, 8, dropout=0.0)
    fn = tf.function(
        lambda x, bias: layer([x, bias])["scores"],
        input_signature=[tf.TensorSpec([None, None, 8]), tf.TensorSpec([None, 1, 1, None])],
    )
    assert fn(tf.zeros([1, 5, 8]), tf.zeros([1, 1, 1, 5])).shape == (1, 2, 5, 5)
