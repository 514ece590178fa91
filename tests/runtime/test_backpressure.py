"""Backpressure emerges from credit-based flow control, and is measured the way Flink measures it (docs/flink-rules.md §5)."""
from __future__ import annotations

import flowlab
from flowlab.common import Configuration, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime.metrics.sampler import find_bottleneck, level
from flowlab.sources import GeneratorSource

SOURCE_RATE = 10_000          # records/s over both source subtasks
TOLERANCE = 0.10              # measured rates within 10% of the expected rate


def _pipeline(sink_cost_ms: float, sample_ms: int | None = None, record_trace: bool = True,
              count: int | None = None) -> flowlab.Simulation:
    """Gen (p=2, 10k records/s) -> map (p=2, own task) -> sink (p=1, ``sink_cost_ms`` per record); 1 KiB buffers."""
    conf = Configuration()
    conf.set_string("taskmanager.memory.segment-size", "1kb")
    if sample_ms is not None:
        conf.set_string("flowlab.metrics.sample-interval-ms", str(sample_ms))
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    ds = env.from_source(GeneratorSource(count=count, records_per_second=SOURCE_RATE),
                         WatermarkStrategy.no_watermarks(), "Gen")
    (ds.map(lambda v: v).name("work").disable_chaining()
     .add_sink(lambda v: None).name("sink").set_parallelism(1).set_processing_cost(sink_cost_ms))
    return flowlab.Simulation(env, seed=0, record_trace=record_trace)


def _levels(df) -> dict[str, str]:
    return dict(zip(df["vertex"], df["vertex_level"], strict=False))


def test_slow_sink_makes_upstream_high_and_bounds_the_source():
    """Sink at 0.5 ms/record (2000 records/s): work and source HIGH, the sink OK and ~100% busy; the source
    emits 2000 records/s (±10%) over the last 2 s instead of its 10000."""
    sim = _pipeline(0.5)
    sim.run(until_ms=5000)
    df = sim.backpressure(window_ms=2000)
    assert _levels(df) == {"v1": "HIGH", "v2": "HIGH", "v3": "OK"}
    sink = df[df.vertex == "v3"].iloc[0]
    assert sink.busyTimeMsPerSecond > 990
    src_rate = df[df.vertex == "v1"]["numRecordsOutPerSecond"].sum()
    assert abs(src_rate - 2000) <= TOLERANCE * 2000, src_rate
    assert abs(sink.numRecordsInPerSecond - 2000) <= TOLERANCE * 2000


def test_fast_consumer_is_ok_everywhere():
    """Sink at 0.01 ms/record: every vertex OK, the source runs at its own rate (10000/s ±10%)."""
    sim = _pipeline(0.01)
    sim.run(until_ms=3000)
    df = sim.backpressure()
    assert set(df["level"]) == {"OK"}
    assert abs(df[df.vertex == "v1"]["numRecordsOutPerSecond"].sum() - SOURCE_RATE) <= TOLERANCE * SOURCE_RATE
    assert sim.snapshot()["backpressure"]["bottleneck"] is None


def test_time_ratios_add_up_to_one_second_per_second():
    """busy + back-pressured + idle = 1000 ms/s for every running subtask."""
    sim = _pipeline(0.5)
    sim.run(until_ms=2500)
    df = sim.backpressure()
    total = df.busyTimeMsPerSecond + df.backPressuredTimeMsPerSecond + df.idleTimeMsPerSecond
    assert ((total - 1000).abs() < 1e-6).all()


def test_sampled_isbackpressured_agrees_with_the_time_metric_when_high():
    """Where the time metric says HIGH, the JobManager-style sampling saw back-pressure in most samples."""
    sim = _pipeline(0.5)
    sim.run(until_ms=4000)
    df = sim.backpressure()
    high = df[df.level == "HIGH"]
    assert len(high) == 4 and (high["isBackPressured_ratio"] >= 0.8).all()


def test_skewed_key_one_busy_subtask_and_backpressured_producers():
    """80% of the records carry one key: its subtask is ~100% busy, the others mostly idle, the producers HIGH;
    the bottleneck is that subtask."""
    conf = Configuration()
    conf.set_string("taskmanager.memory.segment-size", "1kb")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(4)
    gen = GeneratorSource(lambda i, r: ("hot" if r.random() < 0.8 else f"k{i % 50}", 1), count=None,
                          records_per_second=4000)
    (env.from_source(gen, WatermarkStrategy.no_watermarks(), "Gen").set_parallelism(2)
     .key_by(lambda t: t[0]).map(lambda t: t).name("count").set_processing_cost(0.5)
     .add_sink(lambda v: None).name("sink"))
    sim = flowlab.Simulation(env, seed=1)
    sim.run(until_ms=4000)
    df = sim.backpressure()
    keyed = df[df.vertex == "v2"].sort_values("busyTimeMsPerSecond", ascending=False)
    hot = keyed.iloc[0]
    assert hot.busyTimeMsPerSecond > 950 and hot.level == "OK"
    assert (keyed.iloc[1:]["busyTimeMsPerSecond"] < 500).all()
    assert set(df[df.vertex == "v1"]["level"]) == {"HIGH"}
    neck = sim.snapshot()["backpressure"]["bottleneck"]
    assert neck["vertex"] == "v2" and neck["subtask"] == int(hot.subtask)


def test_break_on_backpressured_stops_when_a_subtask_becomes_backpressured():
    """break_on("backpressured", vertex="v2") stops right after v2 found no output buffer."""
    sim = _pipeline(0.5)
    sim.break_on("backpressured", vertex="v2")
    last = sim.run(until_ms=5000)
    hit = [e for e in last if e.kind == "backpressure"]
    assert hit and hit[0].vertex == "v2" and hit[0].data["backpressured"] is True
    assert sim.runtime.tasks["v2"][hit[0].subtask].waiting_for_output


def test_backpressure_events_alternate_per_subtask():
    """Per subtask, the backpressure events alternate: becomes back-pressured, then released, …"""
    sim = _pipeline(0.5)
    sim.run(until_ms=2000)
    per: dict[tuple, list[bool]] = {}
    for e in sim.events():
        if e.kind == "backpressure":
            per.setdefault((e.vertex, e.subtask), []).append(e.data["backpressured"])
    assert per
    for flags in per.values():
        assert flags[0] is True and all(a != b for a, b in zip(flags, flags[1:], strict=False))


def test_sampler_is_not_observable():
    """With the sampler off or every 100 ms, or every 7 ms, the trace is identical (no step is added)."""
    digests = set()
    for sample_ms in (0, 100, 7):
        sim = _pipeline(0.5, sample_ms=sample_ms, count=3000)
        sim.run()
        digests.add(sim.trace_digest())
    assert len(digests) == 1


def test_metrics_same_in_fast_forward_and_stepping():
    """The sampled metrics of an inline fast-forward run equal those of a stepped run."""
    stepped = _pipeline(0.5, count=4000)
    stepped.run()
    fast = _pipeline(0.5, count=4000, record_trace=False)
    fast.run_to_result()
    assert stepped.metrics().equals(fast.metrics())
    assert stepped.runtime.metrics.samples == fast.runtime.metrics.samples


def test_metrics_over_time_columns_and_sampling_grid():
    """metrics(): one row per 100 ms sample and subtask, at 100, 200, … ms."""
    sim = _pipeline(0.5)
    sim.run(until_ms=1000)
    m = sim.metrics()
    assert {"time_ms", "vertex", "subtask", "busyTimeMsPerSecond", "backPressuredTimeMsPerSecond",
            "idleTimeMsPerSecond", "numRecordsInPerSecond", "numRecordsOutPerSecond", "inPoolUsage",
            "outPoolUsage"} <= set(m.columns)
    assert sorted(set(m["time_ms"])) == [100.0 * k for k in range(1, 11)]
    assert len(m) == 10 * 5


def test_back_rewinds_metrics():
    """After back(), the metrics are those of the earlier step (they live in the runtime)."""
    sim = _pipeline(0.5)
    sim.run(until_ms=800)
    sim.step()                  # state right after a step (run(until_ms) may also run unobservable calls)
    before = sim.metrics()
    at = sim.step_count
    sim.run(until_ms=1600)
    sim.goto(at)
    assert sim.metrics().equals(before)


def test_pause_task_stalls_and_backpressures_upstream():
    """A 400 ms stall of the only sink at 1 s (fast sink otherwise): a stall event, work becomes HIGH during
    it, and the stall survives reset."""
    sim = _pipeline(0.01)
    sim.pause_task("sink", 0, at_ms=1000, duration_ms=400)
    sim.run(until_ms=1400)
    stalls = [e for e in sim.events() if e.kind == "stall"]
    assert len(stalls) == 1 and stalls[0].time_us >= 1_000_000 and stalls[0].vertex == "v3"
    assert _levels(sim.backpressure(window_ms=300))["v2"] == "HIGH"
    digest_events = [(e.kind, e.time_us) for e in sim.events()]
    sim.reset()
    sim.run(until_ms=1400)
    assert [(e.kind, e.time_us) for e in sim.events()] == digest_events


def test_level_thresholds_match_flink():
    """OK <= 0.10 < LOW <= 0.5 < HIGH on backPressuredTimeMsPerSecond / 1000."""
    assert [level(x) for x in (0, 100, 100.1, 500, 500.1, 1000)] == ["OK", "OK", "LOW", "LOW", "HIGH", "HIGH"]


def _row(v: str, i: int, lvl: str, busy: float) -> dict:
    return {"vertex": v, "subtask": i, "level": lvl, "busyTimeMsPerSecond": busy}


def test_bottleneck_is_first_busy_ok_vertex_downstream_of_backpressure():
    """src HIGH -> map HIGH -> sink OK busy -> the sink; a busy OK vertex without pressure upstream is not."""
    rows = [_row("a", 0, "HIGH", 10), _row("b", 0, "HIGH", 20), _row("c", 0, "OK", 990), _row("d", 0, "OK", 999)]
    assert find_bottleneck(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d")], rows)["vertex"] == "c"
    assert find_bottleneck(["a", "b"], [("a", "b")], [_row("a", 0, "OK", 0), _row("b", 0, "OK", 999)]) is None


def test_bottleneck_picks_the_hot_subtask_and_ignores_idle_branches():
    """Of two OK consumers of a back-pressured producer, the busy one; within it, its busiest subtask."""
    rows = [_row("a", 0, "LOW", 0), _row("b", 0, "OK", 100), _row("c", 0, "OK", 300), _row("c", 1, "OK", 970)]
    neck = find_bottleneck(["a", "b", "c"], [("a", "b"), ("a", "c")], rows)
    assert neck == {"vertex": "c", "subtask": 1, "busyTimeMsPerSecond": 970, "upstream": ["a"]}
