"""Data: tasks and loaders, the WordPiece tokenizer, tf.data pipelines and task metrics.

    task = load_task("bbc_news")            # or "wnut_ner", or a .csv/.tsv/.jsonl/.conll path
    tokenizer = Tokenizer(vocab_file, sequence_length=128)
    train = make_dataset(task.train, tokenizer, task.kind, batch_size=32, shuffle=True)

keras-hub and TensorFlow load when a `Tokenizer` is built or a dataset is made.
"""
from tinybert_tf.data.errors import DataError
from tinybert_tf.data.examples import Example, Task
from tinybert_tf.data.metrics import classification_metrics, compute_metrics, ner_metrics, task_metric_name
from tinybert_tf.data.pipeline import encode_examples, make_dataset
from tinybert_tf.data.tasks import KNOWN_TASKS, load_task
from tinybert_tf.data.tokenizer import Tokenizer

__all__ = [
    "load_task",
    "Task",
    "Example",
    "DataError",
    "Tokenizer",
    "encode_examples",
    "make_dataset",
    "classification_metrics",
    "ner_metrics",
    "compute_metrics",
    "task_metric_name",
    "KNOWN_TASKS",
]
