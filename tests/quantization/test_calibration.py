import numpy as np
import pytest

import tinybert_tf as tb
from tests.helpers import make_inputs
from tests.helpers import tiny_backbone as tiny
from tinybert_tf.quantization import calibrate, quantize_student


def test_ranges_are_mean_of_batch_extremes_of_the_float_activations():
    model = tb.TinyBertClassifier(tiny(), 3, dropout=0.0)
    qat = quantize_student(model, "int8_qat")
    batches = [make_inputs(batch=3, seed=s) for s in range(3)]
    assert calibrate(qat, lambda: batches, steps=2) > 10
    # The embedding output range, recomputed from the layer's pieces on the same 2 batches:
    # int8 tables (looked up through their quantize wrappers) + positions, normalised.
    embed = qat.get_layer("quant_embeddings").layer
    lows, highs = [], []
    for batch in batches[:2]:
        ids, segments = batch["token_ids"], batch["segment_ids"]
        x = embed.token_embedding(ids, training=False) + embed.segment_embedding(
            segments, training=False
        )
        out = embed.norm(x + embed.position_embeddings[None, : ids.shape[1]]).numpy()
        lows.append(min(out.min(), 0.0))
        highs.append(max(out.max(), 0.0))
    quant = embed.output_quant
    assert quant.range == pytest.approx((np.mean(lows), np.mean(highs)), rel=1e-5)


def test_accepts_an_iterable_and_checks_keys():
    qat = quantize_student(tb.TinyBertClassifier(tiny(), 2), "int8_qat")
    assert calibrate(qat, [make_inputs()]) > 0
    with pytest.raises(ValueError, match="token_ids"):
        calibrate(qat, [{"ids": np.zeros((1, 8), "int32")}])
    with pytest.raises(ValueError, match="no batches"):
        calibrate(qat, [])


def test_uncalibrated_lists_ranges_no_data_has_set():
    from tinybert_tf.quantization.calibration import uncalibrated

    qat = quantize_student(tb.TinyBertClassifier(tiny(), 2), "int8_full")
    names = uncalibrated(qat)
    assert "scores_quant" in names and "quant_logits" in names
    calibrate(qat, [make_inputs()])
    assert uncalibrated(qat) == []
