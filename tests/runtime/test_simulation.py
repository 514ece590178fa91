"""The Simulation handle: stepping, time travel, breakpoints, run(until_ms), snapshots."""
from __future__ import annotations

import flowlab
from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import GeneratorSource, ScriptedSource


def _sim(parallelism: int = 2, snapshot_interval: int = 200) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    env.from_collection(list(range(30)), Types.INT()).key_by(lambda x: x % 3, key_type=Types.INT()) \
        .map(lambda x: x + 1).print()
    return flowlab.Simulation(env, seed=0, snapshot_interval=snapshot_interval)


def _reprs(events) -> list[str]:
    return [repr(e) for e in events]


def test_step_after_done_returns_empty_list():
    """Once the job finished, step() returns [] and done stays True."""
    sim = _sim()
    sim.run()
    assert sim.done
    count = sim.step_count
    assert sim.step() == []
    assert sim.step(5) == []
    assert sim.done and sim.step_count == count


def test_step_returns_events_of_one_step():
    """step() returns the events of exactly one new step number."""
    sim = _sim()
    events = sim.step()
    assert events and {e.step for e in events} == {1} and sim.step_count == 1


def test_back_then_step_reproduces_same_events():
    """After back(n), stepping n times yields the very same events (repr and to_dict)."""
    sim = _sim(snapshot_interval=10)
    sim.step(40)
    original = [e for e in sim.events() if e.step > 25]
    sim.back(15)
    assert sim.step_count == 25
    replay = sim.step(15)
    assert _reprs(replay) == _reprs(original)
    assert [e.to_dict() for e in replay] == [e.to_dict() for e in original]


def test_back_truncates_the_trace():
    """After back(10) the trace has no event from a later step."""
    sim = _sim(snapshot_interval=7)
    sim.step(30)
    sim.back(10)
    assert max(e.step for e in sim.events()) == 20


def test_goto_forward_then_backward():
    """goto(k) forward steps to k; goto(j<k) rewinds to j with the same now_ms as the first pass."""
    sim = _sim(snapshot_interval=5)
    sim.goto(12)
    time_at_12 = sim.now_us
    step_12 = _reprs(e for e in sim.events() if e.step == 12)
    sim.goto(35)
    assert sim.step_count == 35
    sim.goto(12)
    assert sim.step_count == 12
    assert sim.now_us == time_at_12
    assert _reprs(sim.events())[-len(step_12):] == step_12
    assert max(e.step for e in sim.events()) == 12


def test_goto_last_events_same_forward_and_backward():
    """last_events after goto(12) is the same whether reached forward or by rewinding."""
    sim = _sim(snapshot_interval=5)
    sim.goto(12)
    forward = _reprs(sim.last_events)
    sim.goto(30)
    sim.goto(12)
    assert _reprs(sim.last_events) == forward


def test_back_past_the_end_then_rerun_has_same_digest():
    """A full run, back to step 3, run again: identical trace digest and outputs."""
    sim = _sim(snapshot_interval=8)
    sim.run()
    digest, printed = sim.trace_digest(), sim.printed_lines()
    sim.goto(3)
    assert not sim.done
    sim.run()
    assert sim.trace_digest() == digest
    assert sim.printed_lines() == printed


def test_reset_returns_to_step_zero():
    """reset(): step 0, no outputs, job not done."""
    sim = _sim()
    sim.run()
    sim.reset()
    assert sim.step_count == 0 and not sim.done and sim.printed_lines() == []


def test_snapshot_has_documented_keys_for_p2_job():
    """snapshot(): vertices with subtasks' records_in/state, edges with channels' credit."""
    sim = _sim()
    sim.run()
    snap = sim.snapshot()
    assert {"step", "now_us", "now_ms", "done", "job", "vertices", "edges", "taskmanagers",
            "slots_needed", "operators", "last_events"} <= set(snap)
    v1, v2 = snap["vertices"]
    assert [s["index"] for s in v2["subtasks"]] == [0, 1]
    assert {"records_in", "records_out", "state", "slot", "taskmanager", "backpressured"} <= set(v2["subtasks"][0])
    assert sum(s["records_in"] for s in v2["subtasks"]) == 30
    assert v1["subtasks"][0]["records_out"] == 30
    (edge,) = snap["edges"]
    assert edge["partitioner"] == "HASH"
    assert [(c["from"], c["to"]) for c in edge["channels"]] == [(0, 0), (0, 1)]
    assert {"credit", "queued_buffers", "in_flight_buffers", "sent_records"} <= set(edge["channels"][0])
    assert snap["job"]["status"] == "FINISHED" and snap["done"] is True and snap["slots_needed"] == 2


def test_snapshot_is_json_serialisable():
    """The snapshot mid-run is plain JSON data."""
    import json
    sim = _sim()
    sim.step(20)
    assert json.loads(json.dumps(sim.snapshot()))["step"] == 20


def test_break_on_sink_stops_after_first_sink_event():
    """break_on("sink"): run() stops right after the step with the first sink event."""
    sim = _sim()
    sim.break_on("sink")
    last = sim.run()
    sinks = [e for e in sim.events() if e.kind == "sink"]
    assert len(sinks) == 1
    assert any(e.kind == "sink" for e in last)
    assert not sim.done


def test_break_on_with_filter_matches_field():
    """break_on("sink", subtask=1) skips sink events of subtask 0."""
    sim = _sim()
    sim.break_on("sink", subtask=1)
    sim.run()
    sinks = [e for e in sim.events() if e.kind == "sink"]
    assert sinks[-1].subtask == 1
    assert all(e.subtask == 0 for e in sinks[:-1])


def test_run_until_ms_stops_at_virtual_time():
    """run(until_ms=250) on a scripted source: now is 250 ms and only elements arriving by then were emitted."""
    env = StreamExecutionEnvironment.get_execution_environment()
    src = ScriptedSource([(0, "a"), (100, "b"), (300, "c")])
    env.from_source(src, WatermarkStrategy.no_watermarks(), "S").print()
    sim = flowlab.Simulation(env)
    sim.run(until_ms=250)
    assert sim.now_ms == 250
    assert [e.detail for e in sim.events() if e.kind == "source_emit"] == ["'a'", "'b'"]
    assert max(e.time_us for e in sim.events()) <= 250_000


def test_run_until_ms_on_unbounded_source_resumes():
    """run(until_ms=10) twice on an unbounded generator: time advances to 10 then 20 ms."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_source(GeneratorSource(records_per_second=1000), WatermarkStrategy.no_watermarks(), "G").print()
    sim = flowlab.Simulation(env)
    sim.run(until_ms=10)
    assert sim.now_ms == 10
    emitted = len([e for e in sim.events() if e.kind == "source_emit"])
    assert emitted == 11           # arrivals at 0, 1, ..., 10 ms
    sim.run(until_ms=20)
    assert sim.now_ms == 20 and not sim.done


def test_run_max_steps():
    """run(max_steps=7) takes exactly 7 steps."""
    sim = _sim()
    sim.run(max_steps=7)
    assert sim.step_count == 7


def test_run_until_predicate():
    """run(until=...) stops at the first event satisfying the predicate."""
    sim = _sim()
    sim.run(until=lambda e: e.kind == "buffer_delivered")
    assert [e.kind for e in sim.events()].count("buffer_delivered") >= 1
    assert sim.last_events and any(e.kind == "buffer_delivered" for e in sim.last_events)


def test_outputs_by_sink_name():
    """outputs() maps the print sink's name to the values it received."""
    sim = _sim()
    sim.run()
    values = sim.outputs("Print to Std. Out")
    assert sorted(values) == list(range(1, 31))


def test_step_after_the_end_says_the_job_is_over():
    """step() on a finished job returns an empty list whose repr says the job is FINISHED and how to replay."""
    from flowlab.datastream import StreamExecutionEnvironment
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1, 2]).print()
    sim = flowlab.Simulation(env)
    sim.run()
    done = sim.step()
    assert done == []
    assert "the job is FINISHED" in repr(done)
    assert "reset()" in repr(done)
    sim.back(1)
    assert "the job is" not in repr(sim.step())


def test_a_job_that_waits_forever_does_not_hang_step_or_run():
    """An iteration without a max wait never ends: run() stops at its horizon, step() says the job is waiting."""
    from flowlab.datastream import StreamExecutionEnvironment
    env = StreamExecutionEnvironment.get_execution_environment()
    it = env.from_collection([2]).iterate()
    minus = it.map(lambda x: x - 1)
    it.close_with(minus.filter(lambda x: x > 0))
    minus.filter(lambda x: x <= 0).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.printed_lines() == ["0"]
    assert sim.job_status == "RUNNING" and not sim.done
    assert sim.now_ms == 10_000
    assert str(sim.stopped_by).startswith("the iteration head 'IterationSource-")
    assert "waits for feedback forever (iterate() without max_wait_time_ms): stopped at 10 000 virtual ms" \
        in str(sim.stopped_by)
    events = sim.step()
    assert events == []
    assert "the job is waiting" in repr(events)
