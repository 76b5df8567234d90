"""TinyBERT distillation: losses, layer maps, the Distiller model and its stages."""
from tinybert_tf.distill.augment import Augmenter
from tinybert_tf.distill.callbacks import NonFiniteLossError, StopOnNonFiniteLoss, StudentCheckpoint
from tinybert_tf.distill.distiller import STAGE_LOSS_WEIGHTS, Distiller
from tinybert_tf.distill.errors import DistillConfigError
from tinybert_tf.distill.layer_map import attention_layer_map, make_layer_map
from tinybert_tf.distill.losses import (
    attention_mse,
    hard_label_loss,
    hidden_mse,
    prediction_loss,
    soft_cross_entropy,
)
from tinybert_tf.distill.stages import (
    distill_task,
    make_optimizer,
    run_stage,
    save_student_atomically,
)

__all__ = [
    "Augmenter", "Distiller", "STAGE_LOSS_WEIGHTS", "DistillConfigError", "NonFiniteLossError",
    "StopOnNonFiniteLoss", "StudentCheckpoint", "make_layer_map", "attention_layer_map",
    "hidden_mse", "attention_mse", "soft_cross_entropy", "hard_label_loss", "prediction_loss",
    "distill_task", "run_stage", "make_optimizer", "save_student_atomically",
]
