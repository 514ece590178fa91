"""DataStream iterations (Java 1.x ``iterate``/``closeWith``): head and tail tasks joined by a queue."""
from __future__ import annotations

from typing import Any

import pytest

import flowlab
from flowlab.common import Duration, WatermarkStrategy
from flowlab.datastream import IterativeStream, ProcessFunction, StreamExecutionEnvironment
from flowlab.graph import GraphError
from flowlab.runtime import JobNotBoundedError
from flowlab.runtime.elements import LONG_MAX, LONG_MIN
from flowlab.sources import ScriptedSource
from flowlab.trace.events import EventKind

NUMBERS = [(1, 0), (5, 0), (3, 0)]          # (value, rounds so far)


def _env(parallelism: int = 1, buffer_timeout: int = 0) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    env.set_buffer_timeout(buffer_timeout)
    return env


def _minus_one_loop(env: StreamExecutionEnvironment, max_wait_time_ms: int, parallelism: int = 1) -> Any:
    """The classic example: subtract one until the number is <= 0; returns the stream of finished numbers."""
    ds = env.from_collection(NUMBERS)
    if parallelism > 1:
        ds = ds.rebalance().map(lambda v: v)         # the iteration takes its input's parallelism
    it = ds.iterate(max_wait_time_ms)
    minus = it.map(lambda v: (v[0] - 1, v[1] + 1))
    it.close_with(minus.filter(lambda v: v[0] > 0))
    return minus.filter(lambda v: v[0] <= 0)


def _collect(ds: Any) -> list[Any]:
    with ds.execute_and_collect() as it:
        return list(it)


def _printing(max_wait_time_ms: int, parallelism: int = 1) -> StreamExecutionEnvironment:
    env = _env(parallelism)
    _minus_one_loop(env, max_wait_time_ms, parallelism).print()
    return env


def _unbounded(parallelism: int = 1) -> StreamExecutionEnvironment:
    return _printing(0, parallelism)


def test_minus_one_loop_gives_exact_outputs() -> None:
    """Every number goes around the loop until it reaches 0: value 0 after as many rounds as it started at."""
    env = _env()
    assert sorted(_collect(_minus_one_loop(env, 1000))) == [(0, 1), (0, 3), (0, 5)]


def test_minus_one_loop_at_parallelism_two() -> None:
    """Subtask i of the tail feeds subtask i of the head; the results do not depend on parallelism."""
    env = _env(2)
    assert sorted(_collect(_minus_one_loop(env, 1000, parallelism=2))) == [(0, 1), (0, 3), (0, 5)]


def test_with_max_wait_the_job_finishes_and_execute_returns(capsys: Any) -> None:
    """iterate(max_wait) ends the head that long after the last feedback record, so the job FINISHES."""
    result = _printing(500).execute()
    assert sorted(capsys.readouterr().out.splitlines()) == ["(0, 1)", "(0, 3)", "(0, 5)"]
    assert result.get_net_runtime() >= 500
    sim = flowlab.Simulation(_printing(500))
    sim.run()
    assert sim.job_status == "FINISHED"


def test_iterate_without_max_wait_is_unbounded_for_execute() -> None:
    """iterate() (max wait 0) never ends its head, as in Flink: execute() refuses with a clear message."""
    with pytest.raises(JobNotBoundedError, match=r"IterationSource-\d+.*iterate\(\) and no max wait"):
        _unbounded().execute()


def test_iterate_without_max_wait_runs_in_a_simulation() -> None:
    """Simulation.run(until_ms=...) runs the endless loop for a while: all results, job still RUNNING."""
    sim = flowlab.Simulation(_unbounded())
    sim.run(until_ms=1000)
    assert sorted(sim.printed_lines()) == ["(0, 1)", "(0, 3)", "(0, 5)"]
    assert sim.job_status == "RUNNING"
    heads = sim.runtime.tasks[sim.job_graph.vertex("IterationSource-2").id]
    assert [t.state for t in heads] == ["RUNNING"]


def test_head_and_tail_are_named_and_co_located_like_flink() -> None:
    """IterationSource-N and IterationSink-N: the iteration's parallelism, one slot sharing group, same slots."""
    sim = flowlab.Simulation(_unbounded(2))
    jg = sim.job_graph
    head, tail = jg.vertex("IterationSource-4"), jg.vertex("IterationSink-4")
    assert (head.parallelism, tail.parallelism) == (2, 2)
    assert head.slot_sharing_group == tail.slot_sharing_group
    assert [op.name for op in head.operators] == ["IterationSource-4"]      # their own tasks: never chained
    assert [op.name for op in tail.operators] == ["IterationSink-4"]
    sim.run(until_ms=10)
    rt = sim.runtime
    assert [t.slot for t in rt.tasks[head.id]] == [t.slot for t in rt.tasks[tail.id]]


def test_feedback_parallelism_must_match() -> None:
    """Head and tail are co-located: the feedback stream needs the iteration's parallelism (Flink's message)."""
    env = _env(2)
    it = env.from_collection([1, 2, 3]).map(lambda v: v).iterate()
    with pytest.raises(ValueError, match="Parallelism of the feedback stream must match .* original stream: 2; "
                                         "parallelism of feedback stream: 1"):
        it.close_with(it.map(lambda v: v).set_parallelism(1))


def test_feedback_must_come_from_the_iteration() -> None:
    """A feedback stream not built on the IterativeStream is rejected (Flink's check)."""
    env = _env(2)
    ds = env.from_collection([1, 2, 3]).map(lambda v: v)
    it = ds.iterate()
    with pytest.raises(ValueError, match="does not originate from said iteration"):
        it.close_with(ds.map(lambda v: v))


def test_close_with_returns_the_feedback_stream() -> None:
    """close_with returns the feedback stream (Java's closeWith), and iterate returns an IterativeStream."""
    env = _env()
    it = env.from_collection([1]).iterate(10)
    assert isinstance(it, IterativeStream)
    feedback = it.filter(lambda v: v > 5)
    assert it.close_with(feedback) is feedback


def test_unclosed_iteration_fails_when_the_job_is_built() -> None:
    """Operators on an iteration that is never closed: Flink's "does not have any feedback edges"."""
    env = _env()
    it = env.from_collection([1, 2, 3]).iterate()
    it.map(lambda v: v * 10).print()
    with pytest.raises(GraphError, match="does not have any feedback edges.*close_with"):
        env.execute()


def test_unused_iteration_adds_nothing() -> None:
    """iterate() whose result is never used leaves the job as it was."""
    env = _env()
    ds = env.from_collection([1, 2, 3])
    ds.iterate()
    assert sorted(_collect(ds.map(lambda v: v * 10))) == [10, 20, 30]


def test_loop_records_appear_in_the_trace() -> None:
    """The tail's hand-over (a sink event) and the head's emission (a source event) are steps of their own."""
    sim = flowlab.Simulation(_unbounded())
    sim.run(until_ms=1000)
    df = sim.trace
    jg = sim.job_graph
    head, tail = jg.vertex("IterationSource-2").id, jg.vertex("IterationSink-2").id
    handed = df[(df.vertex == tail) & (df.kind == EventKind.SINK)]
    emitted = df[(df.vertex == head) & (df.kind == EventKind.SOURCE_EMIT)]
    assert len(handed) == len(emitted) == 0 + 2 + 4      # 1 -> no round back, 3 -> 2, 5 -> 4
    assert all(d["feedback"] and not d["lost"] for d in handed.data)
    assert sorted(emitted.detail) == sorted(["(4, 1)", "(3, 2)", "(2, 3)", "(1, 4)", "(2, 1)", "(1, 2)"])


def test_a_max_wait_shorter_than_the_round_trip_loses_feedback() -> None:
    """The head stops waiting before the first feedback arrives (100 ms buffer timeout): records are lost."""
    env = _env(buffer_timeout=100)
    _minus_one_loop(env, 5).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sim.printed_lines() == ["(0, 1)"]
    lost = [e for e in sim.events() if e.kind == EventKind.SINK and (e.data or {}).get("lost")]
    assert [e.detail.split(" lost")[0] for e in lost] == ["feedback (4, 1)", "feedback (2, 1)"]


def test_event_time_stalls_inside_the_loop_until_the_head_ends() -> None:
    """The head emits no watermark while it runs: the loop body's watermark stays at MIN, then jumps to MAX."""
    sim = flowlab.Simulation(_printing(0))
    sim.run(until_ms=1000)
    assert sim.current_watermark(_body_vertex(sim)) == LONG_MIN
    assert "head of an iteration" in str(sim.explain_watermark(_body_vertex(sim)))
    sim = flowlab.Simulation(_printing(50))
    sim.run()
    assert sim.current_watermark(_body_vertex(sim)) == LONG_MAX


def _body_vertex(sim: flowlab.Simulation) -> str:
    return next(v.id for v in sim.job_graph.vertices if v.name.startswith("Map -> "))


class WithTimestamp(ProcessFunction):
    def process_element(self, value: Any, ctx: Any) -> Any:
        yield (value, ctx.timestamp())


def test_fed_back_records_keep_their_timestamps() -> None:
    """The tail hands over (value, timestamp); the head emits the record with the same timestamp."""
    env = _env()
    ws = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0))
    ds = env.from_source(ScriptedSource([(0, 2, 7), (1, 1, 9)]), ws, "S")
    it = ds.iterate(100)
    minus = it.map(lambda v: v - 1)
    it.close_with(minus.filter(lambda v: v > 0))
    out = minus.filter(lambda v: v <= 0).process(WithTimestamp())
    assert sorted(_collect(out)) == [(0, 7), (0, 9)]


def test_same_program_same_trace() -> None:
    """An iterative job is deterministic: two runs give the same trace digest."""
    digests = []
    for _ in range(2):
        sim = flowlab.Simulation(_unbounded(2))
        sim.run(until_ms=1000)
        digests.append(sim.trace_digest())
    assert digests[0] == digests[1]


def test_time_travel_replays_the_loop() -> None:
    """Going back into the loop and forward again gives the same events (the queues are in the snapshot)."""
    sim = flowlab.Simulation(_unbounded(), snapshot_interval=5)
    sim.run(until_ms=1000)
    end = sim.step_count
    events = [(e.step, e.time_us, e.kind, e.vertex, e.detail) for e in sim.events()]
    digest = sim.trace_digest()
    first_feedback = next(e.step for e in sim.events() if e.kind == EventKind.SINK and (e.data or {}).get("feedback"))
    sim.goto(first_feedback + 1)
    sim.back(3)
    sim.goto(end)
    assert [(e.step, e.time_us, e.kind, e.vertex, e.detail) for e in sim.events()] == events
    assert sim.trace_digest() == digest
    assert sorted(sim.printed_lines()) == ["(0, 1)", "(0, 3)", "(0, 5)"]
