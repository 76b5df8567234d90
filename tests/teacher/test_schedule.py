"""LinearWarmupDecay against hand-computed values."""
import numpy as np
import pytest

from tinybert_tf.teacher import LinearWarmupDecay


def test_warmup_then_linear_decay():
    schedule = LinearWarmupDecay(1e-3, total_steps=10, warmup_steps=2)
    got = [float(schedule(step)) for step in range(12)]
    want = [0.0, 5e-4, 1e-3, 8.75e-4, 7.5e-4, 6.25e-4, 5e-4, 3.75e-4, 2.5e-4, 1.25e-4, 0.0, 0.0]
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_no_warmup_and_config_round_trip():
    schedule = LinearWarmupDecay(2.0, total_steps=4)
    assert [float(schedule(s)) for s in range(5)] == [2.0, 1.5, 1.0, 0.5, 0.0]
    clone = LinearWarmupDecay.from_config(schedule.get_config())
    assert clone.get_config() == {"peak_learning_rate": 2.0, "total_steps": 4, "warmup_steps": 0}


def test_bad_steps():
    with pytest.raises(ValueError):
        LinearWarmupDecay(1e-3, total_steps=5, warmup_steps=6)
