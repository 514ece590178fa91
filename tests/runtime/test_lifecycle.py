"""Job submission, task lifecycle, failures and resources on the simulated cluster (Flink's JobManager/TaskManager lifecycle)."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Configuration, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime import JobExecutionException, JobNotBoundedError
from flowlab.sources import GeneratorSource


def _env(parallelism: int = 1, conf: Configuration | None = None) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    return env


def _finished_sim() -> flowlab.Simulation:
    env = _env(2)
    env.from_collection([1, 2, 3]).map(lambda x: x * 10).print()
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    return sim


def _job_transitions(sim: flowlab.Simulation) -> list[str]:
    return [e.data["to"] for e in sim.events() if e.kind == "job_status"]


def _subtask_transitions(sim: flowlab.Simulation, vertex: str, subtask: int) -> list[str]:
    return [e.data["to"] for e in sim.events()
            if e.kind == "task_state" and e.vertex == vertex and e.subtask == subtask]


def _explode_on_three(value):
    if value == 3:
        raise ValueError("three is not allowed here")
    return value


def test_job_status_goes_initializing_created_running_finished():
    """The job's status events, in order, end INITIALIZING -> CREATED -> RUNNING -> FINISHED."""
    sim = _finished_sim()
    assert _job_transitions(sim) == ["INITIALIZING", "CREATED", "RUNNING", "FINISHED"]
    assert sim.job_status == "FINISHED"


def test_job_status_events_are_never_self_transitions():
    """Every job_status event changes the status (from != to)."""
    sim = _finished_sim()
    assert all(e.data["from"] != e.data["to"] for e in sim.events() if e.kind == "job_status")


def test_every_subtask_walks_the_execution_states_in_order():
    """Each subtask: SCHEDULED, DEPLOYING, INITIALIZING, RUNNING, FINISHED (from CREATED)."""
    sim = _finished_sim()
    expected = ["SCHEDULED", "DEPLOYING", "INITIALIZING", "RUNNING", "FINISHED"]
    firsts = [e.data["from"] for e in sim.events() if e.kind == "task_state" and e.data["to"] == "SCHEDULED"]
    assert firsts == ["CREATED"] * 3
    for vertex, subtask in (("v1", 0), ("v2", 0), ("v2", 1)):
        assert _subtask_transitions(sim, vertex, subtask) == expected


def test_job_running_before_subtasks_scheduled_and_finished_after_all():
    """Job RUNNING precedes the first SCHEDULED; job FINISHED follows the last subtask FINISHED."""
    sim = _finished_sim()
    ev = sim.events()
    idx = {(e.kind, (e.data or {}).get("to")): i for i, e in reversed(list(enumerate(ev)))}
    last_task_finished = max(i for i, e in enumerate(ev) if e.kind == "task_state" and e.data["to"] == "FINISHED")
    assert idx[("job_status", "RUNNING")] < idx[("task_state", "SCHEDULED")]
    assert ev[-1].kind == "job_status" and ev[-1].data["to"] == "FINISHED"
    assert last_task_finished < len(ev) - 1


def test_user_function_failure_fails_the_job():
    """A map that raises: job FAILED, the failing task FAILED and the others CANCELED or FINISHED."""
    env = _env(1)
    env.from_collection([1, 2, 3, 4]).map(_explode_on_three).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FAILED"
    assert _job_transitions(sim)[-2:] == ["FAILING", "FAILED"]
    assert [e.data["to"] for e in sim.events() if e.kind == "task_failed"] == ["FAILED"]


def test_failure_message_names_function_exception_and_source_line():
    """sim.failure has the user's function name, the message and the line that raised."""
    env = _env(1)
    env.from_collection([1, 2, 3, 4]).map(_explode_on_three).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert "in _explode_on_three" in sim.failure
    assert "ValueError: three is not allowed here" in sim.failure
    assert 'raise ValueError("three is not allowed here")' in sim.failure


def test_failure_keeps_records_before_the_failing_one():
    """Records 1 and 2 reached the sink before record 3 failed the map; 4 never did."""
    env = _env(1)
    env.from_collection([1, 2, 3, 4]).map(_explode_on_three).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.printed_lines() == ["1", "2"]


def test_execute_raises_job_execution_exception_with_traceback():
    """env.execute() on a failing job raises JobExecutionException carrying the user's traceback."""
    env = _env(1)
    env.from_collection([1, 2, 3]).map(_explode_on_three).print()
    with pytest.raises(JobExecutionException) as info:
        env.execute("failing")
    text = str(info.value)
    assert "Job execution failed" in text
    assert "Traceback" in text and "_explode_on_three" in text and "three is not allowed here" in text
    assert type(info.value.__cause__).__name__ == "JobException"        # Recovery is suppressed by ...
    assert isinstance(info.value.__cause__.__cause__, ValueError)


def test_not_enough_slots_fails_with_needed_and_available():
    """1 slot per TaskManager but parallelism 2: FAILED, naming 2 needed and 1 available."""
    conf = Configuration()
    conf.set_integer("taskmanager.numberOfTaskSlots", 1)
    env = _env(2, conf)
    env.from_collection([1, 2]).map(lambda x: x).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FAILED"
    assert "NoResourceAvailableException" in sim.failure
    assert "needs 2 slot(s)" in sim.failure
    assert "1 free of 1" in sim.failure


def test_not_enough_slots_never_deploys_a_subtask():
    """With too few slots no subtask reaches DEPLOYING."""
    conf = Configuration()
    conf.set_integer("taskmanager.numberOfTaskSlots", 1)
    env = _env(2, conf)
    env.from_collection([1, 2]).map(lambda x: x).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert not [e for e in sim.events() if e.kind == "task_state" and e.data["to"] == "DEPLOYING"]


def test_execute_unbounded_source_raises_job_not_bounded():
    """execute() with GeneratorSource(count=None) raises JobNotBoundedError instead of running forever."""
    env = _env(1)
    env.from_source(GeneratorSource(), WatermarkStrategy.no_watermarks(), "Endless").print()
    with pytest.raises(JobNotBoundedError, match="unbounded source"):
        env.execute()


def test_execute_and_collect_limit_on_unbounded_generator():
    """execute_and_collect(limit=5) on an unbounded generator returns its first 5 values."""
    env = _env(1)
    ds = env.from_source(GeneratorSource(lambda i: i * i), WatermarkStrategy.no_watermarks(), "Squares")
    assert ds.execute_and_collect(limit=5) == [0, 1, 4, 9, 16]


def test_execute_returns_result_with_virtual_runtime():
    """execute() of a bounded job returns a JobExecutionResult with the sim's job id."""
    env = _env(1)
    env.from_collection([1, 2]).print()
    result = env.execute("ok")
    assert result.get_job_id() == result.simulation.job_id
    assert result.simulation.job_status == "FINISHED"


def test_keys_equal_in_python_but_not_in_java_keep_separate_state():
    """1, 1.0 and True are one key to Python's ==, three keys to Java (LONG, DOUBLE, BOOLEAN): three states."""
    from flowlab.datastream import KeyedProcessFunction, StreamExecutionEnvironment

    class Key(KeyedProcessFunction):
        def process_element(self, value, ctx):
            yield (type(ctx.get_current_key()).__name__, value[1])

    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_collection([(1, "a"), (1.0, "b"), (True, "c"), (1, "d")])
    ds.key_by(lambda t: t[0]).reduce(lambda x, y: (x[0], x[1] + y[1])).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.printed_lines() == ["(1, 'a')", "(1.0, 'b')", "(True, 'c')", "(1, 'ad')"]

    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([(1, "a"), (1.0, "b"), (True, "c")]).key_by(lambda t: t[0]).process(Key()).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.printed_lines() == ["('int', 'a')", "('float', 'b')", "('bool', 'c')"]
