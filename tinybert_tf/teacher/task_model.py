"""Task heads on a keras-hub BERT backbone: the model the teacher is fine-tuned as.

The sequence-level head reads the final hidden state at the [CLS] position
(``sequence_output[:, 0]``), not ``pooled_output``. all-MiniLM-L6-v2 was trained
as a sentence embedder with mean pooling, so its pooler dense layer (tanh) was
never trained and only adds a random squashing layer; the [CLS] hidden state is
a trained representation that fine-tuning adapts directly. Reading the hidden
state also keeps the head identical for every BERT source, and it is exactly
what `TeacherFeatures` reproduces from its layer-by-layer pass.
"""
import keras

from tinybert_tf.constants import INPUT_NAMES

SEQUENCE_KINDS = ("classification", "pair_classification")
TOKEN_KINDS = ("token_classification",)
KINDS = SEQUENCE_KINDS + TOKEN_KINDS

# Layer names `TeacherFeatures` relies on to re-apply the head.
HEAD_DROPOUT = "head_dropout"
LOGITS = "logits"
CLS_INDEX = 0


def check_kind(kind):
    """Raise a ValueError for an unknown task kind."""
    if kind not in KINDS:
        raise ValueError(f"unknown task kind {kind!r}; expected one of {', '.join(KINDS)}")


def build_teacher_model(backbone, kind, num_labels, dropout=0.1):
    """Wrap a keras-hub `BertBackbone` with a classification or tagging head.

    Args:
        backbone: a `keras_hub.models.BertBackbone`.
        kind: "classification" / "pair_classification" (one label per example,
            read at [CLS]) or "token_classification" (one label per token).
        num_labels: number of classes C.
        dropout: dropout rate before the output dense layer.

    Returns:
        A functional `keras.Model` (named layers: the backbone, "head_dropout",
        "logits") taking {"token_ids", "segment_ids",
        "padding_mask"} (int32 [B, S]) and returning {"logits": [B, C]} or
        {"logits": [B, S, C]}.
    """
    check_kind(kind)
    # The pooler (pooled_output) is not used by these heads: freeze it so the
    # optimizer does not warn about its missing gradients.
    backbone.get_layer("pooled_dense").trainable = False
    if int(num_labels) < 1:
        raise ValueError(f"num_labels must be >= 1, got {num_labels}")
    inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES}
    x = backbone(inputs)["sequence_output"]  # [B, S, H]
    if kind in SEQUENCE_KINDS:
        x = x[:, CLS_INDEX, :]  # [B, H]
    x = keras.layers.Dropout(dropout, name=HEAD_DROPOUT)(x)
    logits = keras.layers.Dense(
        int(num_labels),
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
        name=LOGITS,
    )(x)  # [B, C] or [B, S, C]
    return keras.Model(inputs, {"logits": logits}, name=f"teacher_{kind}")


def find_backbone(model):
    """The `BertBackbone` nested in a task model built by `build_teacher_model`."""
    import keras_hub

    for layer in model.layers:
        if isinstance(layer, keras_hub.models.BertBackbone):
            return layer
    raise ValueError(f"model {model.name!r} holds no keras_hub BertBackbone")


def is_token_model(model):
    """True when the model's logits are per token ([B, S, C])."""
    return len(model.get_layer(LOGITS).output.shape) == 3
