"""Teacher features for distillation: embeddings, hidden states, attention scores, logits.

keras-hub's `BertBackbone` returns only `sequence_output` and `pooled_output`,
and its attention layers return post-softmax probabilities at most. TinyBERT's
attention loss needs the pre-softmax scores, so `TeacherFeatures` re-runs the
backbone layer by layer (the same layer objects, hence the same weights) and,
for each `TransformerEncoder`, projects that layer's attention input with the
layer's own `_query_dense` / `_key_dense` to form QK^T / sqrt(d). The layer is
then called as usual for its output, so the hidden states are exactly what the
backbone computes. The Q/K projections run twice per layer; that costs about a
sixth of a layer's matmul work and keeps keras-hub's layer code untouched.
"""
import math

import tensorflow as tf
from keras import ops

from tinybert_tf.constants import PADDING_MASK, SEGMENT_IDS, TOKEN_IDS
from tinybert_tf.teacher.task_model import CLS_INDEX, HEAD_DROPOUT, LOGITS, find_backbone, is_token_model


class TeacherFeatures:
    """One inference-mode forward pass of a fine-tuned teacher that exposes its internals.

    Args:
        model: a task model from `build_teacher_model` (or reloaded with
            `load_fine_tuned_teacher`): a keras-hub `BertBackbone` followed by
            the "head_dropout" and "logits" layers.

    Calling `features(inputs)` (or the object itself) with {"token_ids",
    "segment_ids", "padding_mask"} (int [B, S]) returns:
        embedding_output: [B, S, H], the embedding layer norm output.
        hidden_states: list of L + 1 [B, S, H], embedding output first.
        attention_scores: list of L [B, heads, S, S], QK^T / sqrt(d) before the
            padding mask and softmax (mask them in the loss).
        logits: [B, C] or [B, S, C], as the task model computes them.
    Works eagerly and inside `tf.function` (Keras 3 on the TensorFlow backend
    produces `tf.Tensor`s).
    """

    def __init__(self, model):
        self.model = model
        self.backbone = find_backbone(model)
        self.token_level = is_token_model(model)
        bb = self.backbone
        self._token_embedding = bb.get_layer("token_embedding")
        self._position_embedding = bb.get_layer("position_embedding")
        self._segment_embedding = bb.get_layer("segment_embedding")
        self._embeddings_add = bb.get_layer("embeddings_add")
        self._embeddings_norm = bb.get_layer("embeddings_layer_norm")
        self._layers = [bb.get_layer(f"transformer_layer_{i}") for i in range(bb.num_layers)]
        self._head_dropout = model.get_layer(HEAD_DROPOUT)
        self._logits = model.get_layer(LOGITS)

    @property
    def num_layers(self):
        return self.backbone.num_layers

    @property
    def hidden_dim(self):
        return self.backbone.hidden_dim

    @property
    def num_heads(self):
        return self.backbone.num_heads

    @property
    def head_weights(self):
        """(kernel [H, C], bias [C]) of the task head, as numpy arrays."""
        kernel, bias = self._logits.get_weights()
        return kernel, bias

    def __call__(self, inputs):
        return self.features(inputs)

    def features(self, inputs):
        """Run the teacher once in inference mode; see the class docstring for outputs."""
        token_ids = inputs[TOKEN_IDS]  # [B, S]
        segment_ids = inputs[SEGMENT_IDS]  # [B, S]
        padding_mask = inputs[PADDING_MASK]  # [B, S]

        tokens = self._token_embedding(token_ids)  # [B, S, H]
        positions = self._position_embedding(tokens)  # [B, S, H]
        segments = self._segment_embedding(segment_ids)  # [B, S, H]
        x = self._embeddings_add((tokens, positions, segments))
        x = self._embeddings_norm(x)  # [B, S, H]; dropout is identity at inference
        embedding_output = x

        hidden_states = [x]
        attention_scores = []
        for layer in self._layers:
            attention_scores.append(self._attention_scores(layer, x))
            x = layer(x, padding_mask=padding_mask, training=False)  # [B, S, H]
            hidden_states.append(x)

        pooled = x[:, CLS_INDEX, :] if not self.token_level else x  # [B, H] or [B, S, H]
        logits = self._logits(self._head_dropout(pooled, training=False))
        return {
            "embedding_output": _tf(embedding_output),
            "hidden_states": [_tf(h) for h in hidden_states],
            "attention_scores": [_tf(s) for s in attention_scores],
            "logits": _tf(logits),
        }

    @staticmethod
    def _attention_scores(layer, x):
        """QK^T / sqrt(d) of one `TransformerEncoder` for its input `x` [B, S, H]."""
        attention = layer._self_attention_layer
        # Pre-norm encoders normalise before attention; BERT (post-norm) does not.
        h = layer._self_attention_layer_norm(x) if layer.normalize_first else x
        query = attention._query_dense(h)  # [B, S, heads, d]
        key = attention._key_dense(h)  # [B, S, heads, d]
        scale = 1.0 / math.sqrt(float(query.shape[-1]))
        return ops.einsum("bqnd,bknd->bnqk", query, key) * scale  # [B, heads, S, S]


def _tf(x):
    """A `tf.Tensor` (Keras 3 ops on the TensorFlow backend already return one)."""
    return tf.convert_to_tensor(x)
