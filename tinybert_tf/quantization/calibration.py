"""Setting activation ranges of a quantization-aware model from data, without training."""

import itertools

import numpy as np
import tensorflow_model_optimization as tfmot

from tinybert_tf.constants import INPUT_NAMES
from tinybert_tf.quantization.fake_quant import FakeQuant
from tinybert_tf.quantization.quantizers import apply_ranges, collect_ranges

QuantizeWrapper = tfmot.quantization.keras.QuantizeWrapper


def iterate_batches(representative_data):
    """Input dicts from `representative_data`: a callable returning an iterable of dicts
    (the TFLite converter's convention), or such an iterable itself."""
    batches = representative_data() if callable(representative_data) else representative_data
    for batch in batches:
        if not isinstance(batch, dict) or set(INPUT_NAMES) - set(batch):
            raise ValueError(
                f"representative data must yield dicts with keys {INPUT_NAMES}, got "
                f"{type(batch).__name__} {sorted(batch) if isinstance(batch, dict) else ''}"
            )
        yield {
            name: np.asarray(batch[name], np.int32).reshape(-1, np.shape(batch[name])[-1])
            for name in INPUT_NAMES
        }


def calibrate(model, representative_data, steps=8):
    """Runs up to `steps` batches through `model` in inference mode and sets every
    activation range to the mean of the per-batch min / max seen there.

    Returns the number of quantizers set. Dropout stays off (inference mode), so the
    ranges are those of the deployed graph.
    """
    with collect_ranges() as stats:
        count = 0
        for batch in itertools.islice(iterate_batches(representative_data), steps):
            model(batch, training=False)
            count += 1
    if not count:
        raise ValueError("representative data yielded no batches")
    apply_ranges(stats)
    return len(stats)


def _range_variables(model):
    """The range variables of every activation quantizer in `model`."""
    for module in model.submodules:
        if isinstance(module, FakeQuant) and module.enabled:
            yield module.name, module._range_vars
        elif isinstance(module, QuantizeWrapper) and getattr(module, "_output_quantizers", None):
            yield module.name, module._output_quantizer_vars


def uncalibrated(model):
    """Names of activation quantizers whose range was never set by data (neither by
    `calibrate` nor by a training step): they still hold the initial [-6, 6]."""
    return sorted(
        name
        for name, variables in _range_variables(model)
        if "seen" in variables and float(variables["seen"]) < 0.5
    )
