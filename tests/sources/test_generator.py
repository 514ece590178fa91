"""``GeneratorSource``: rate in virtual time, count, index split over subtasks, seeded randomness."""
from __future__ import annotations

from typing import Any

import pytest

import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import GeneratorSource


def _run(source: GeneratorSource, parallelism: int, seed: int = 0) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    env.from_source(source, WatermarkStrategy.no_watermarks(), "gen").print()
    sim = flowlab.Simulation(env, seed=seed)
    sim.run()
    return sim


def _emits(sim: flowlab.Simulation) -> list[tuple[float, int, str]]:
    return [(e.time_ms, e.subtask, e.detail) for e in sim.events() if e.kind == "source_emit"]


def test_rate_at_parallelism_one() -> None:
    """100 records/s: element i arrives at i * 10 ms."""
    sim = _run(GeneratorSource(count=4, records_per_second=100), 1)
    assert _emits(sim) == [(0, 0, "0"), (10, 0, "1"), (20, 0, "2"), (30, 0, "3")]


def test_rate_is_shared_by_subtasks() -> None:
    """At p=2 the total rate stays 100/s: each subtask emits every 20 ms, subtask s the indices s, s+2, …"""
    sim = _run(GeneratorSource(count=5, records_per_second=100), 2)
    assert _emits(sim) == [(0, 0, "0"), (0, 1, "1"), (20, 0, "2"), (20, 1, "3"), (40, 0, "4")]


def test_count_bounds_the_source() -> None:
    """``count=n`` emits indices 0..n-1 exactly once; the job finishes."""
    sim = _run(GeneratorSource(lambda i: i * i, count=6), 3)
    assert sim.job_status == "FINISHED"
    assert sorted(sim.outputs("Print to Std. Out")) == [0, 1, 4, 9, 16, 25]


def test_unbounded_without_count() -> None:
    """``count=None`` makes the source unbounded."""
    assert (GeneratorSource().is_bounded(), GeneratorSource(count=0).is_bounded()) == (False, True)


def test_zero_count_emits_nothing() -> None:
    """``count=0`` finishes without emitting."""
    sim = _run(GeneratorSource(count=0), 1)
    assert (sim.job_status, _emits(sim)) == ("FINISHED", [])


def _random_values(seed: int) -> list[Any]:
    sim = _run(GeneratorSource(lambda i, rng: (i, rng.randint(0, 10**6)), count=6, records_per_second=100), 2, seed)
    return sim.outputs("Print to Std. Out")


def test_seeded_generator_is_deterministic_per_seed() -> None:
    """A generator taking ``rng`` produces the same values for the same seed and others for another seed."""
    assert _random_values(7) == _random_values(7)
    assert _random_values(7) != _random_values(8)
    assert [i for i, _ in _random_values(7)] == [0, 1, 2, 3, 4, 5]


def test_generator_with_one_parameter_gets_no_rng() -> None:
    """A one-argument generator is called with the index only."""
    assert (GeneratorSource(lambda i: i).wants_rng, GeneratorSource(lambda i, rng: i).wants_rng) == (False, True)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"records_per_second": 0}, "records_per_second must be a finite number > 0"),
    ({"records_per_second": -5}, "records_per_second must be a finite number > 0"),
    ({"count": -1}, "count must be an int >= 0"),
    ({"records_per_second": float("nan")}, r"records_per_second must be a finite number > 0, got nan"),
    ({"records_per_second": float("inf")}, r"records_per_second must be a finite number > 0, got inf"),
    ({"count": 2.5}, r"count must be an int >= 0 \(or None for an unbounded source\), got 2.5"),
    ({"count": True}, r"count must be an int >= 0"),
])
def test_invalid_arguments_are_refused(kwargs: dict[str, Any], match: str) -> None:
    """A non-positive rate or a negative count raises ValueError."""
    with pytest.raises(ValueError, match=match):
        GeneratorSource(**kwargs)


def _stalled_emits_per_second(parallelism: int) -> list[int]:
    """1000 records/s (total) into a sink; source subtask 0 stalls from 1000 to 4000 ms; emits of subtask 0 per
    second of virtual time up to 6 s."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    env.from_source(GeneratorSource(records_per_second=1000), WatermarkStrategy.no_watermarks(), "gen") \
        .add_sink(lambda v: None)
    sim = flowlab.Simulation(env, seed=0)
    sim.pause_task("v1", 0, at_ms=1000, duration_ms=3000)
    sim.run(until_ms=5999)
    per_second = [0] * 6
    for e in sim.events():
        if e.kind == "source_emit" and e.subtask == 0:
            per_second[int(e.time_ms // 1000)] += 1
    return per_second


def test_a_stalled_generator_catches_up_at_most_one_second() -> None:
    """Like Flink's rate limiter (Guava's, 1 s of stored permits): after a 3 s stall the subtask emits 1 s of
    records at once on top of its rate (2000 in the 5th second), not the 3000 it missed."""
    assert _stalled_emits_per_second(1) == [1000, 0, 0, 0, 2000, 1000]


def test_the_catch_up_limit_is_per_subtask_rate() -> None:
    """At p=2 each subtask's limiter has 500 permits/s: the stalled subtask catches up 500 records at most."""
    assert _stalled_emits_per_second(2) == [500, 0, 0, 0, 1000, 500]
