import subprocess
import sys

import tinybert_tf.data as data

PUBLIC = [
    "load_task", "Task", "Example", "DataError", "Tokenizer", "encode_examples", "make_dataset",
    "classification_metrics", "ner_metrics", "compute_metrics", "task_metric_name", "KNOWN_TASKS",
]


def test_public_names():
    assert sorted(data.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(data, name) is not None
    assert issubclass(data.DataError, ValueError)


def test_import_does_not_load_tensorflow_or_keras_hub():
    code = (
        "import sys, tinybert_tf.data\n"
        "heavy = [m for m in ('tensorflow', 'keras_hub', 'keras', 'seqeval') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
