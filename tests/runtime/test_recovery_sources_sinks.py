"""Sources and sinks across a restart: GeneratorSource rewinds; execute_and_collect() as Flink's collect iterator
(checkpoint-aware under EXACTLY_ONCE, "Job restarted" without checkpointing, PyFlink's crash under
AT_LEAST_ONCE)."""
from __future__ import annotations

from typing import Any

import pytest

import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.datastream import CheckpointingMode
from flowlab.runtime.simulation.collect_client import CollectIteratorError
from flowlab.sources import GeneratorSource
from tests.runtime.recovery_jobs import FIXED, FailOn, env_with, phases


def _doubled(interval: int | None = None, mode: str = "EXACTLY_ONCE", fail: bool = True) -> Any:
    """200 generated numbers; the map fails on 77 in attempt 0; key_by -> doubled."""
    env = env_with(2, interval=interval, **FIXED)
    if interval is not None:
        env.get_checkpoint_config().set_checkpointing_mode(CheckpointingMode[mode])
    ds = env.from_source(GeneratorSource(lambda i: i, count=200, records_per_second=2000),
                         WatermarkStrategy.no_watermarks(), "gen")
    if fail:
        ds = ds.map(FailOn(77))
    return ds.key_by(lambda x: x % 4).map(lambda x: x * 2)


def test_collect_under_exactly_once_hands_out_each_result_once() -> None:
    """CheckpointedCollectResultBuffer: only results a completed checkpoint covers; the list equals a clean run's."""
    clean = list(_doubled(fail=False).execute_and_collect())
    got = list(_doubled(interval=10).execute_and_collect())
    assert len(got) == 200 and sorted(got) == sorted(clean) == [2 * i for i in range(200)]


def test_collect_without_checkpointing_fails_at_the_restart() -> None:
    """The job would recover, but the iterator gives up with Flink's "Job restarted"."""
    with pytest.raises(CollectIteratorError, match=r"^java\.lang\.RuntimeException: Job restarted\. \(The job "
                       r"recovered from a failure"):
        list(_doubled().execute_and_collect())


def test_collect_under_at_least_once_fails_as_pyflink_does() -> None:
    with pytest.raises(CollectIteratorError, match=r"^java\.lang\.IndexOutOfBoundsException: the collect iterator "
                       r"of PyFlink 2\.3\.0 crashes"):
        list(_doubled(interval=10, mode="AT_LEAST_ONCE").execute_and_collect())


def test_collect_without_a_failure_hands_out_results_in_arrival_order() -> None:
    """Checkpoint-aware, without a restart: every result, in the order the sink received them, just later."""
    ds = _doubled(interval=10, fail=False)
    collect = ds._sink("Sink: Collect", {"sink": "collect"})
    sim = flowlab.Simulation(ds._env)
    got = list(sim.iter_collected(collect._transformation.id))
    assert got == sim.outputs("Sink: Collect") and len(got) == 200


def test_a_generator_source_rewinds_to_its_checkpointed_index() -> None:
    """Counts per key are exact after a restore; the records read since the checkpoint are replayed."""
    env = env_with(2, interval=10, **FIXED)
    (env.from_source(GeneratorSource(lambda i: i % 5, count=300, records_per_second=3000),
                     WatermarkStrategy.no_watermarks(), "gen").map(lambda x: (x, 1)).key_by(lambda t: t[0]).sum(1)
        .print())
    sim = flowlab.Simulation(env)
    sim.fail("Map", 1, at_ms=55)
    sim.run()
    final: dict[int, int] = {}
    for line in sim.printed_lines():
        k, v = eval(line.split("> ")[-1])
        final[k] = max(final.get(k, 0), v)
    assert (sim.job_status, final) == ("FINISHED", {k: 60 for k in range(5)})
    assert phases(sim)[3] == (66.0, "restoring", 1)
    assert sim.runtime.jobmaster.recovery.replayed_records() == {"Source: gen -> Map": 13}
