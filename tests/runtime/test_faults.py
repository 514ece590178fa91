"""Scripted faults: sim.fail / sim.kill_taskmanager fail the job at an exact virtual time, replayably."""
import pytest

import flowlab
from flowlab.common import Configuration, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import ScriptedSource


def _sim(conf: Configuration | None = None, parallelism: int = 1) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    env.set_buffer_timeout(0)
    src = env.from_source(ScriptedSource([(i * 100, i) for i in range(10)]), WatermarkStrategy.no_watermarks(),
                          "numbers")
    src.map(lambda x: x * 10).name("times ten").rebalance().print().name("out")
    return flowlab.Simulation(env)


def test_failing_a_subtask_fails_the_job_at_that_time():
    """A fault at 350 ms: fault + task_failed events at 350 ms, the rest canceled, the job FAILED."""
    sim = _sim()
    sim.fail("times ten", 0, at_ms=350, message="disk full")
    sim.run()
    assert sim.job_status == "FAILED"
    fault = [e for e in sim.events() if e.kind == "fault"]
    failed = [e for e in sim.events() if e.kind == "task_failed"]
    assert [(e.time_ms, e.vertex, e.subtask) for e in fault] == [(350.0, "v1", 0)]
    assert [(e.time_ms, e.vertex) for e in failed] == [(350.0, "v1")]
    assert "InjectedFailure: disk full" in sim.failure
    assert sim.printed_lines() == ["0", "10", "20", "30"]
    states = {e.vertex: e.data["to"] for e in sim.events() if e.kind == "task_state" and e.data["to"] == "CANCELED"}
    assert states == {"v2": "CANCELED"}


def test_a_fault_after_the_subtask_finished_is_skipped():
    """A fault scheduled after the job finished changes nothing."""
    sim = _sim()
    sim.fail("times ten", 0, at_ms=5000)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert len(sim.printed_lines()) == 10


def test_losing_a_taskmanager_fails_every_subtask_on_it():
    """With two TaskManagers of one slot each, killing tm-2 fails the live subtasks in its slot.

    v1[1] (a source subtask without a split) finished at once, so only v2[1] is failed; v2[0] on tm-1 is canceled."""
    conf = Configuration()
    conf.set_integer("minicluster.number-of-taskmanagers", 2)
    conf.set_integer("taskmanager.numberOfTaskSlots", 1)
    sim = _sim(conf, parallelism=2)
    sim.kill_taskmanager("tm-2", at_ms=250)
    sim.run()
    assert sim.job_status == "FAILED"
    failed = sorted((e.vertex, e.subtask) for e in sim.events() if e.kind == "task_failed")
    assert failed == [("v2", 1)]
    lost = next(e for e in sim.events() if e.kind == "fault")
    assert lost.data["subtasks"] == ["v1[1]", "v2[1]"]
    assert "TaskManager tm-2 lost" in sim.failure


def test_faults_replay_after_time_travel():
    """back() before the fault and forward again yields exactly the same events."""
    sim = _sim()
    sim.fail("v1", 0, at_ms=350)
    sim.run()
    before = [repr(e) for e in sim.events()]
    sim.goto(5)
    sim.run()
    assert [repr(e) for e in sim.events()] == before
    digest = sim.trace_digest()
    sim.reset()
    sim.run()
    assert sim.trace_digest() == digest


def test_a_fault_in_the_past_is_refused():
    """Faults are scripted for now or later."""
    sim = _sim()
    sim.run(until_ms=500)
    with pytest.raises(ValueError, match="lies in the past"):
        sim.fail("v1", 0, at_ms=100)
