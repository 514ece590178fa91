"""The fault plan: rejected faults are not kept, faults at t = 0 strike once their target exists."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Configuration, Types
from flowlab.datastream import StreamExecutionEnvironment


def _sim(conf: Configuration | None = None) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    env.from_collection(list(range(6)), Types.INT()).map(lambda x: x + 1).name("plus one").print()
    return flowlab.Simulation(env)


def test_fail_at_time_zero_fails_the_job():
    """fail(at_ms=0) is not skipped: it strikes when the subtask is deployed (t = 0) and the job FAILS."""
    sim = _sim()
    sim.fail("plus one", 1, at_ms=0, message="boom")
    sim.run()
    assert sim.job_status == "FAILED"
    faults = [(e.time_ms, e.vertex, e.subtask, e.detail) for e in sim.events() if e.kind == "fault"]
    assert faults == [(0.0, "v2", 1, "injected fault: boom")]
    assert "InjectedFailure: boom" in sim.failure
    assert sim.printed_lines() == []


def test_fail_at_time_zero_is_replayed_after_reset():
    """reset() replays the deferred t = 0 fault: same trace digest."""
    sim = _sim()
    sim.fail("v1", 0, at_ms=0)
    sim.run()
    digest = sim.trace_digest()
    sim.reset()
    sim.run()
    assert sim.trace_digest() == digest and sim.job_status == "FAILED"


def test_kill_taskmanager_at_time_zero_fails_the_job():
    """kill_taskmanager('tm-1', at_ms=0) waits for tm-1 to register, then fails every subtask in its slots."""
    sim = _sim()
    sim.kill_taskmanager("tm-1", at_ms=0)
    sim.run()
    assert sim.job_status == "FAILED"
    lost = [e for e in sim.events() if e.kind == "fault"]
    assert [(e.time_ms, e.detail) for e in lost] == [(0.0, "TaskManager tm-1 lost: the TaskManager process died")]
    registered = next(e.step for e in sim.events() if e.kind == "taskmanager_registered")
    assert lost[0].step > registered


def test_kill_an_unknown_taskmanager_raises_at_once():
    """kill_taskmanager('tm-9') raises KeyError listing the TaskManagers, instead of failing inside the run."""
    sim = _sim()
    with pytest.raises(KeyError, match=r"no TaskManager 'tm-9'; this MiniCluster has \['tm-1'\]"):
        sim.kill_taskmanager("tm-9", at_ms=0)
    assert sim._plan.faults == []


def test_a_rejected_fail_is_not_kept_in_the_plan():
    """fail() on a subtask that does not exist raises once; reset() and back() work afterwards."""
    sim = _sim()
    sim.step(5)
    with pytest.raises(IndexError, match=r"^v2 has 2 subtask\(s\) \(0 to 1\); no subtask 5$"):
        sim.fail("v2", 5, at_ms=10)
    assert sim._plan.faults == []
    sim.back(2)
    sim.reset()
    sim.run()
    assert sim.job_status == "FINISHED"


def test_a_rejected_pause_is_not_kept_in_the_plan():
    """pause_task() on an unknown vertex raises once; a later reset() does not raise it again."""
    sim = _sim()
    with pytest.raises(KeyError, match=r"no job vertex 'nope'"):
        sim.pause_task("nope", 0, at_ms=1, duration_ms=5)
    assert sim._plan.stalls == []
    sim.reset()
    assert sim.step_count == 0


def test_fail_with_a_negative_subtask_raises():
    """fail(vertex, -1) raises ValueError (a subtask index is >= 0)."""
    with pytest.raises(ValueError, match=r"^subtask must be >= 0, got -1\.$"):
        _sim().fail("v2", -1, at_ms=1)
