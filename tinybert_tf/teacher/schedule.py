"""Linear warmup then linear decay learning rate, the BERT fine-tuning schedule.

Hand-written because Keras 3 ships warmup only inside `CosineDecay` (cosine
decay) and its `PolynomialDecay` has no warmup.
"""
import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tinybert_tf")
class LinearWarmupDecay(keras.optimizers.schedules.LearningRateSchedule):
    """lr(step) = peak * step / warmup for step < warmup, then linear to 0 at total.

    Args:
        peak_learning_rate: learning rate reached at the end of warmup.
        total_steps: step at which the rate reaches 0 (and stays there).
        warmup_steps: number of warmup steps (0 for none).
    """

    def __init__(self, peak_learning_rate, total_steps, warmup_steps=0):
        if total_steps < 1 or not 0 <= warmup_steps <= total_steps:
            raise ValueError(
                f"need 0 <= warmup_steps <= total_steps and total_steps >= 1, "
                f"got warmup_steps={warmup_steps}, total_steps={total_steps}"
            )
        self.peak_learning_rate = float(peak_learning_rate)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        peak = self.peak_learning_rate
        warm = ops.divide(ops.multiply(peak, step), float(max(self.warmup_steps, 1)))
        decay_span = float(max(self.total_steps - self.warmup_steps, 1))
        remaining = ops.maximum(float(self.total_steps) - step, 0.0)
        decay = ops.multiply(peak, ops.divide(remaining, decay_span))
        return ops.where(step < float(self.warmup_steps), warm, decay)

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
        }
