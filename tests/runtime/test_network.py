"""Network stack: per-channel order, credit-based flow control, buffer pool bounds, buffer timeout (docs/flink-rules.md §5)."""
from __future__ import annotations

import flowlab
from flowlab.common import Configuration, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import GeneratorSource, ScriptedSource


def _slow_sink_sim() -> flowlab.Simulation:
    """2 generator subtasks (2000 records) -> map -> one sink at 0.5 ms/record; 4 records per buffer."""
    conf = Configuration()
    conf.set_string("taskmanager.memory.segment-size", "256b")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    ds = env.from_source(GeneratorSource(count=2000, records_per_second=100_000),
                         WatermarkStrategy.no_watermarks(), "Gen")
    ds.map(lambda v: v).add_sink(lambda v: None).set_parallelism(1).set_processing_cost(0.5)
    return flowlab.Simulation(env, seed=0)


def test_slow_sink_receives_every_record_in_order_per_source():
    """All 2000 records arrive; each source subtask's records (same parity) arrive in emission order."""
    sim = _slow_sink_sim()
    sim.run()
    assert sim.job_status == "FINISHED"
    (sink,) = sim.runtime.sinks.values()
    values = [r[1] for r in sink.rows]
    assert sorted(values) == list(range(2000))
    assert [v for v in values if v % 2 == 0] == list(range(0, 2000, 2))
    assert [v for v in values if v % 2 == 1] == list(range(1, 2000, 2))


def test_slow_sink_bounds_the_run_time():
    """The sink's 0.5 ms per record dominates: the job needs at least 1000 ms of virtual time."""
    sim = _slow_sink_sim()
    sim.run()
    assert sim.now_ms >= 1000


def test_credits_never_negative_and_pool_never_overdrawn():
    """While stepping: every subpartition credit >= 0 and buffers_in_use <= pool size (+1 overdraft)."""
    sim = _slow_sink_sim()
    worst_credit, worst_over, saw_backpressure = 0, -10**9, False
    while not sim.done:
        sim.step()
        for task in sim.runtime.all_tasks():
            saw_backpressure |= task.waiting_for_output
            for part in task.partitions:
                worst_over = max(worst_over, part.buffers_in_use - part.pool_size)
                worst_credit = min(worst_credit, min(s.credit for s in part.subpartitions))
    assert saw_backpressure, "the scenario must actually exert backpressure"
    assert worst_credit >= 0
    assert worst_over <= 1


def test_backpressured_producers_show_in_snapshot():
    """Mid-run, some map subtask reports backpressured=True in the snapshot."""
    sim = _slow_sink_sim()
    seen = False
    while not sim.done and not seen:
        sim.step(25)
        snap = sim.snapshot()
        seen = any(s["backpressured"] for v in snap["vertices"] for s in v["subtasks"])
    assert seen


def _scripted_sim(timeout_ms: int) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_buffer_timeout(timeout_ms)
    src = ScriptedSource([(0, "x"), (10, "y"), (500, "z")])
    env.from_source(src, WatermarkStrategy.no_watermarks(), "S").map(lambda v: v).disable_chaining().print()
    return flowlab.Simulation(env)


def _first_delivery_us(sim: flowlab.Simulation) -> int:
    return next(e.time_us for e in sim.events() if e.kind == "buffer_delivered" and e.data["records"] > 0)


def test_buffer_timeout_100ms_holds_small_buffers():
    """Timeout 100 ms: x and y (emitted at 0 and 10 ms) are first delivered no earlier than 100 ms."""
    sim = _scripted_sim(100)
    sim.run()
    first = _first_delivery_us(sim)
    assert first >= 100_000
    first_buffer = next(e for e in sim.events() if e.kind == "buffer_delivered" and e.data["records"] > 0)
    assert first_buffer.data["records"] == 2


def test_buffer_timeout_zero_delivers_each_record_after_latency():
    """Timeout 0: x emitted at 0 ms is delivered at 1 ms, y (10 ms) at 11 ms, one record per buffer."""
    sim = _scripted_sim(0)
    sim.run()
    deliveries = [(e.time_us, e.data["records"]) for e in sim.events()
                  if e.kind == "buffer_delivered" and e.vertex == "v2" and e.data["records"] > 0]
    assert deliveries == [(1000, 1), (11000, 1), (501000, 1)]


def test_buffer_timeout_keeps_order_and_outputs():
    """Whatever the timeout, the printed output is x, y, z."""
    for timeout in (0, 100, -1):
        sim = _scripted_sim(timeout)
        sim.run()
        assert sim.printed_lines() == ["x", "y", "z"], timeout


def test_every_buffer_sent_is_delivered_one_latency_later():
    """Each buffer_sent on a channel has a buffer_delivered, in the same order, 1 ms later."""
    sim = _scripted_sim(0)
    sim.run()
    sent = [e.time_us for e in sim.events() if e.kind == "buffer_sent" and e.vertex == "v1"]
    delivered = [e.time_us for e in sim.events() if e.kind == "buffer_delivered" and e.vertex == "v2"]
    assert [t + 1000 for t in sent] == delivered
