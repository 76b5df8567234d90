"""Student-to-teacher layer maps."""
import numpy as np
import pytest

from tinybert_tf.distill.errors import DistillConfigError
from tinybert_tf.distill.layer_map import attention_layer_map, make_layer_map


@pytest.mark.parametrize("m, n, expected", [
    (4, 12, [3, 6, 9, 12]),  # TinyBERT4 from BERT-base: g(m) = 3m
    (3, 6, [2, 4, 6]),
    (4, 6, [1, 3, 4, 6]),  # M does not divide N: floor(m * 6 / 4)
    (2, 2, [1, 2]),
])
def test_uniform_is_tinybert_g(m, n, expected):
    assert make_layer_map(m, n) == expected


def test_top_and_bottom():
    assert make_layer_map(2, 6, "top") == [5, 6]
    assert make_layer_map(2, 6, "bottom") == [1, 2]


def test_explicit_list_accepts_numpy_ints():
    assert make_layer_map(3, 6, [2, np.int64(2), 5]) == [2, 2, 5]


def test_attention_map_is_one_below():
    assert attention_layer_map(make_layer_map(2, 6)) == [2, 5]


@pytest.mark.parametrize("strategy, match", [
    ([1, 2, 3], "has 3 entries"),
    ([0, 2], "out of range"),
    ([2, 7], "out of range"),
    ([4, 2], "goes down"),
    ([1.0, 2], "not an int"),
    ("middle", "unknown strategy"),
])
def test_invalid_maps_raise(strategy, match):
    with pytest.raises(DistillConfigError, match=match):
        make_layer_map(2, 6, strategy)


def test_deeper_student_needs_explicit_list():
    with pytest.raises(DistillConfigError, match="explicit list"):
        make_layer_map(4, 2)
    assert make_layer_map(4, 2, [1, 1, 2, 2]) == [1, 1, 2, 2]


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        make_layer_map(0, 6)
