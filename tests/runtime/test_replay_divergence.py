"""A job that replays differently after back()/goto() is detected and named (issue 7, section 6)."""
from __future__ import annotations

import random
import warnings

import pytest

import flowlab
from flowlab.common import Types
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime.simulation import ReplayDivergenceWarning


def _sim(fn, snapshot_interval: int = 5) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection(list(range(10)), Types.INT()).map(fn).print()
    return flowlab.Simulation(env, snapshot_interval=snapshot_interval)


def test_a_deterministic_job_replays_without_warning():
    """back() and stepping forward again on a pure function warns nothing."""
    sim = _sim(lambda x: x * 2)
    sim.step(25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sim.back(12)
        sim.step(12)
        sim.goto(3)
        sim.run()


def test_global_state_diverges_on_replay_and_names_the_step():
    """A map drawing from the unseeded global ``random`` changes its output on replay: the warning names the
    first differing step. (A counter in the function itself is part of the snapshot and replays exactly.)"""
    random.seed(7)
    sim = _sim(lambda x: (x, random.randrange(10 ** 9)))
    sim.run()
    first_sink = next(e for e in sim.events() if e.kind == "sink")
    with pytest.warns(ReplayDivergenceWarning) as caught:
        sim.goto(first_sink.step - 1)
        sim.step()
    text = str(caught[0].message)
    assert text.startswith(f"replaying step {first_sink.step} gave other events than the first run. First run: ")
    first, replay = text.split("First run: ")[1].split(". Replay: ")
    assert first.startswith("<") and "(0, " in first and "(0, " in replay and first != replay.split(". A user")[0]
    assert "A user function is not deterministic: it uses `random`" in text
    assert sim._replay.divergence == text


def test_divergence_is_also_found_when_replaying_inside_goto():
    """goto back past a snapshot replays steps inside goto itself; the divergence is found there."""
    sim = _sim(lambda x: (x, random.randrange(10 ** 9)), snapshot_interval=1000)   # only the step-0 snapshot
    sim.run()
    end = sim.step_count
    with pytest.warns(ReplayDivergenceWarning, match=r"^replaying step \d+ gave other events"):
        sim.goto(end - 1)


def test_a_fault_added_after_going_back_is_not_a_divergence():
    """Going back, then adding a fault changes the run on purpose: stepping on warns nothing."""
    sim = _sim(lambda x: x)
    sim.run()
    sim.back(12)
    sim.fail("v1", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sim.run()
    assert sim.job_status == "FAILED"
