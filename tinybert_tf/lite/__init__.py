"""TFLite export of the student: variants, sidecar, evaluation, tokenizer-in-graph."""

from tinybert_tf.lite.convert import VARIANTS, ConversionError, convert
from tinybert_tf.lite.evaluate import agreement, op_report, run_tflite, tflite_logits
from tinybert_tf.lite.export import ExportError, export_tflite
from tinybert_tf.lite.signature import float_tflite, serving_function
from tinybert_tf.lite.text_model import export_text_tflite, run_text_tflite
