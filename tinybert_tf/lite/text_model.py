"""A `.tflite` that takes raw text: tensorflow-text's FastBertTokenizer inside the graph.

    path = export_text_tflite(student, out_dir, "fp32", 128, metadata)  # <stem>_fp32_text.tflite
    logits = run_text_tflite(path, ["Shares rose sharply.", ...])

The tokenizer ops (FastBertNormalize, FastWordpieceTokenize) are tensorflow-text custom
ops: the file runs where their kernels are registered (Python: ai-edge-litert's
`InterpreterWithCustomOps` with `tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS`;
full TensorFlow must be installed there). Android has no prebuilt kernels for them:
apps use the id-input model and tokenize in Kotlin. Everything after tokenization
([CLS] / [SEP], truncation, padding, the mask) is builtin ops.

Single sentences only (segment 0), truncated to S - 2 word pieces, as
`tinybert_tf.data.Tokenizer.encode(texts)` does. With `lowercase`, FastBertTokenizer
also strips accents (NFD), as uncased BERT vocabularies expect and as `data.Tokenizer`
does by default.
"""

import numpy as np
import tensorflow as tf

from tinybert_tf.constants import PADDING_MASK, SEGMENT_IDS, TOKEN_IDS
from tinybert_tf.lite.convert import ConversionError, check_variant, prepare_model
from tinybert_tf.lite.export import write_model
from tinybert_tf.lite.sidecar import check_metadata
from tinybert_tf.lite.signature import tflite_converter

TEXT_INPUT = "text"
TEXT_VARIANTS = ("fp32", "fp16", "int8_dynamic", "int8_qat")  # no calibration over strings


def custom_op_registerers():
    """The tensorflow-text kernels a text model needs, for `InterpreterWithCustomOps`."""
    import tensorflow_text

    return tensorflow_text.tflite_registrar.SELECT_TFTEXT_OPS


def _vocabulary(vocab_file):
    with open(vocab_file, encoding="utf-8") as f:
        return [line.rstrip("\r\n") for line in f]


def text_serving_function(model, vocab_file, sequence_length, lowercase=True):
    """A concrete function: `text` (string [1]) -> the model's outputs."""
    import tensorflow_text

    vocab = _vocabulary(vocab_file)
    missing = [t for t in ("[CLS]", "[SEP]", "[PAD]", "[UNK]") if t not in vocab]
    if missing:
        raise ConversionError(f"{vocab_file}: vocabulary lacks {missing}")
    cls_id, sep_id, pad_id = (vocab.index(t) for t in ("[CLS]", "[SEP]", "[PAD]"))
    tokenizer = tensorflow_text.FastBertTokenizer(
        vocab=vocab,
        token_out_type=tf.int32,
        unknown_token="[UNK]",
        lower_case_nfd_strip_accents=lowercase,
    )

    @tf.function(input_signature=[tf.TensorSpec([1], tf.string, name=TEXT_INPUT)])
    def serve(text):
        # Batch of one: the flat word-piece ids are the sentence's ids, so no ragged op.
        pieces = tokenizer.tokenize(text).flat_values[: sequence_length - 2]  # [n]
        ids = tf.concat([[cls_id], pieces, [sep_id]], axis=0)  # [n + 2]
        length = tf.shape(ids)[0]
        ids = tf.pad(ids, [[0, sequence_length - length]], constant_values=pad_id)
        ids = tf.reshape(ids, [1, sequence_length])  # [1, S]
        mask = tf.cast(tf.range(sequence_length) < length, tf.int32)[None, :]  # [1, S]
        inputs = {TOKEN_IDS: ids, SEGMENT_IDS: tf.zeros_like(ids), PADDING_MASK: mask}
        return model(inputs, training=False)

    return serve.get_concrete_function()


def text_tflite(model, vocab_file, sequence_length, variant="fp32", lowercase=True):
    """Flatbuffer bytes of the text-input model (tokenizer custom ops + builtins)."""
    check_variant(variant)
    if variant not in TEXT_VARIANTS:
        raise ConversionError(
            f"text models come in {TEXT_VARIANTS} (the others calibrate on token ids)"
        )
    model = prepare_model(model, variant)
    converter = tflite_converter(
        text_serving_function(model, vocab_file, sequence_length, lowercase), model
    )
    converter.allow_custom_ops = True
    if variant != "fp32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def export_text_tflite(model, out_dir, variant, sequence_length, metadata, stem="model"):
    """Writes `<stem>_<variant>_text.tflite` + its sidecar (+ vocab.txt); returns the path.

    `metadata` as for `export_tflite`; it must name `vocab_file`.
    """
    if not metadata.get("vocab_file"):
        raise ConversionError("a text model needs metadata['vocab_file']")
    check_metadata({"kind": "classification", **metadata}, sequence_length)
    content = text_tflite(
        model, metadata["vocab_file"], sequence_length, variant, metadata.get("lowercase", True)
    )
    return write_model(
        content,
        out_dir,
        stem,
        f"{variant}_text",
        sequence_length,
        # FastBertTokenizer strips accents exactly when it lowercases.
        {**metadata, "input": TEXT_INPUT, "strip_accents": bool(metadata.get("lowercase", True))},
        allow_custom=True,
        custom_op_registerers=custom_op_registerers(),
    )


def run_text_tflite(path, texts, num_threads=1, output="logits"):
    """Float logits [N, ...] of a text model, one string at a time."""
    from tinybert_tf.lite.evaluate import dequantize, interpreter

    runner = interpreter(
        path, num_threads=num_threads, custom_op_registerers=custom_op_registerers()
    ).get_signature_runner()
    detail = runner.get_output_details()[output]
    rows = []
    for text in texts:
        out = runner(**{TEXT_INPUT: np.array([text.encode("utf-8")], dtype=object)})
        rows.append(dequantize(out[output], detail)[0])
    return np.stack(rows)
