"""run() on a job that never ends stops at a horizon of virtual time and says so (issue 7, section 1)."""
from __future__ import annotations

import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime.simulation import Horizon
from flowlab.sources import GeneratorSource


def _endless(**kwargs) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_source(GeneratorSource(count=None, records_per_second=100), WatermarkStrategy.no_watermarks(),
                    "Gen").print()
    return flowlab.Simulation(env, **kwargs)


MESSAGE = ("the source 'Source: Gen' is unbounded: stopped at 10 000 virtual ms (run() without until_ms runs an "
           "endless job for 10 000 virtual ms); use run(until_ms=...) to choose how far")


def test_run_stops_an_unbounded_job_at_the_default_horizon():
    """run() without until_ms stops at t = 10 000 virtual ms (records at 0, 10, ..., 10 000 ms), still RUNNING."""
    sim = _endless()
    sim.run()
    assert sim.now_ms == 10_000
    assert sim.job_status == "RUNNING" and not sim.done
    assert len(sim.printed_lines()) == 1001


def test_the_horizon_is_named_in_stopped_by_and_in_the_returned_note():
    """stopped_by is a Horizon whose message says why and how to go further; the returned events carry it."""
    sim = _endless()
    last = sim.run()
    assert isinstance(sim.stopped_by, Horizon)
    assert str(sim.stopped_by) == MESSAGE
    assert last.note == MESSAGE
    assert repr(last).endswith("  # " + MESSAGE)


def test_the_horizon_counts_from_now():
    """A second run() goes another horizon further."""
    sim = _endless()
    sim.run()
    sim.run()
    assert sim.now_ms == 20_000
    assert "stopped at 20 000 virtual ms" in str(sim.stopped_by)


def test_the_horizon_is_configurable():
    """Simulation(horizon_ms=250) stops after 250 virtual ms."""
    sim = _endless(horizon_ms=250)
    sim.run()
    assert sim.now_ms == 250 and len(sim.printed_lines()) == 26
    assert "stopped at 250 virtual ms (run() without until_ms runs an endless job for 250 virtual ms)" \
        in str(sim.stopped_by)


def test_until_ms_overrides_the_horizon():
    """run(until_ms=12 345) on an unbounded job goes past the horizon and is not stopped by it."""
    sim = _endless()
    last = sim.run(until_ms=12_345)
    assert sim.now_ms == 12_345 and sim.stopped_by is None and last.note is None


def test_a_bounded_job_ignores_the_horizon():
    """A bounded job longer than the horizon runs to its end."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_source(GeneratorSource(count=1200, records_per_second=100), WatermarkStrategy.no_watermarks(),
                    "Gen").print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FINISHED" and len(sim.printed_lines()) == 1200 and sim.stopped_by is None


def test_unbounded_names_the_reason():
    """sim.unbounded says which source never ends; None for a bounded job."""
    assert _endless().unbounded == "the source 'Source: Gen' is unbounded"
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1]).print()
    assert flowlab.Simulation(env).unbounded is None


def test_run_to_result_on_a_job_with_nothing_left_to_happen_raises(monkeypatch):
    """A job that is still RUNNING when nothing is left to happen would hang in Flink: execute() says so."""
    import pytest

    from flowlab.runtime.cluster.job_master import JobMaster
    from flowlab.runtime.simulation.errors import JobNotBoundedError
    monkeypatch.setattr(JobMaster, "_job_finished", lambda self: None)     # the job never notices its end
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1, 2, 3]).print()
    with pytest.raises(JobNotBoundedError, match=r"^The job is still RUNNING at 100 virtual ms but nothing is "
                       r"left to happen: a real Flink job would wait here forever"):
        flowlab.Simulation(env).run_to_result()
