import numpy as np
import pytest

from benchmarks import timing


class FakeClock:
    """Each runner advances the clock by its own fixed cost, so timings are exact."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FakeRunner:
    def __init__(self, name, cost, clock, log):
        self.name, self.cost, self.clock, self.log = name, cost, clock, log

    def run(self, feed):
        self.log.append((self.name, feed["id"]))
        self.clock.now += self.cost


def _runners(costs, log):
    clock = FakeClock()
    return {n: FakeRunner(n, c, clock, log) for n, c in costs.items()}, clock


def test_interleaved_rotates_order_and_feeds_every_model_the_same_row():
    log = []
    runners, clock = _runners({"a": 0.001, "b": 0.002, "c": 0.004}, log)
    feeds = [{"id": 0}, {"id": 1}]
    stats = timing.interleaved(runners, feeds, warmup=1, runs=3, clock=clock)
    timed = log[3:]  # one warm-up run each first
    assert [n for n, _ in timed] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert [f for _, f in timed] == [0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert stats["b"]["median_ms"] == pytest.approx(2.0)
    assert stats["c"]["runs"] == 3 and stats["c"]["min_ms"] == pytest.approx(4.0)


def test_summarize_against_numpy():
    times = [0.003, 0.001, 0.010, 0.002]
    got = timing.summarize(times)
    assert got["median_ms"] == pytest.approx(2.5)
    assert got["p90_ms"] == pytest.approx(np.percentile(np.array(times) * 1e3, 90))
    assert got["mean_ms"] == pytest.approx(4.0) and got["runs"] == 4


@pytest.mark.parametrize("runs,warmup,feeds", [(0, 1, [{}]), (1, -1, [{}]), (1, 1, [])])
def test_bad_settings_are_value_errors(runs, warmup, feeds):
    with pytest.raises(ValueError):
        timing.interleaved({}, feeds, warmup, runs)


def test_role_of_exported_input_names():
    assert timing._role("serving_default_token_ids:0") == "token_ids"
    assert timing._role("padding_mask") == "padding_mask"
    assert timing._role("hidden") is None
