"""Property: on random small jobs, fast-forward (tasks running ahead, the trace off) gives exactly the run that
stepping gives — sink rows with their subtask, timestamp and virtual arrival time, printed lines, end time,
status, the number of observable events and the checkpoint history (aligned, at-least-once, unaligned and
aligned-with-timeout checkpoints)."""
from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowlab
from flowlab.common import Configuration, Duration, Time, Types, WatermarkStrategy
from flowlab.datastream import CheckpointingMode, StreamExecutionEnvironment
from flowlab.datastream.window import TumblingEventTimeWindows
from flowlab.runtime import JobExecutionException
from flowlab.sources import GeneratorSource, ScriptedSource

STAGES = ("map", "filter", "flat_map", "rebalance", "key_sum", "key_reduce", "window", "shuffle")

stage = st.tuples(st.sampled_from(STAGES), st.integers(1, 3), st.sampled_from([0, 0.003, 0.05, 0.3]),
                  st.booleans())
specs = st.fixed_dictionaries({
    "stages": st.lists(stage, min_size=1, max_size=4),
    "source": st.sampled_from(["collection", "generator", "scripted"]),
    "count": st.integers(1, 400),
    "rate": st.sampled_from([500, 5_000, 50_000]),
    "source_p": st.integers(1, 3),
    "latency": st.sampled_from(["1", "0.2", "3"]),
    "timeout": st.sampled_from([0, 1, 100]),
    "segment": st.sampled_from([256, 1024, 32768]),
    "sink_p": st.integers(1, 3),
    "seed": st.integers(0, 3),
    "fail_at": st.one_of(st.none(), st.integers(0, 400)),
    "checkpoints": st.sampled_from([None, "aligned", "at-least-once", "unaligned", "timeout"]),
    "interval": st.integers(10, 60),
})


def _build(spec: dict[str, Any]) -> StreamExecutionEnvironment:
    conf = Configuration()
    conf.set_string("flowlab.network.latency-ms", spec["latency"])
    conf.set_string("taskmanager.memory.segment-size", f"{spec['segment']}b")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_buffer_timeout(spec["timeout"])
    env.get_config().set_auto_watermark_interval(2)
    if spec["checkpoints"] is not None:
        env.enable_checkpointing(spec["interval"], CheckpointingMode.AT_LEAST_ONCE
                                 if spec["checkpoints"] == "at-least-once" else CheckpointingMode.EXACTLY_ONCE)
        if spec["checkpoints"] in ("unaligned", "timeout"):
            env.get_checkpoint_config().enable_unaligned_checkpoints()
        if spec["checkpoints"] == "timeout":
            env.get_checkpoint_config().set_aligned_checkpoint_timeout(Duration.of_millis(2))
    n, p = spec["count"], spec["source_p"]
    fail_at = spec["fail_at"]
    if spec["source"] == "collection":
        ds = env.from_collection([(i % 5, i) for i in range(n)])
    elif spec["source"] == "generator":
        ds = env.from_source(GeneratorSource(lambda i, r: (r.randrange(5), i), count=n,
                                             records_per_second=spec["rate"]),
                             WatermarkStrategy.no_watermarks(), "gen").set_parallelism(p)
    else:
        rows = [(i * 1000 // spec["rate"] * 3, (i % 5, i), (i * 7) % 97 + i) for i in range(n)]
        strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(10))
        ds = env.from_source(ScriptedSource(rows), strategy, "scripted")
    for kind, par, cost, chain in spec["stages"]:
        if kind == "map":
            ds = ds.map(lambda v, f=fail_at: (v[0], v[1] + 1) if v[1] != f else (v[0], 1 // 0))
        elif kind == "filter":
            ds = ds.filter(lambda v: v[1] % 3 != 1)
        elif kind == "flat_map":
            ds = ds.flat_map(lambda v: [v, (v[0], -v[1])] if v[1] % 2 else [v])
        elif kind in ("rebalance", "shuffle"):
            ds = getattr(ds, kind)().map(lambda v: v)
        elif kind == "key_sum":
            ds = ds.key_by(lambda v: v[0]).sum(1)
        elif kind == "key_reduce":
            ds = ds.key_by(lambda v: v[0]).reduce(lambda a, b: (a[0], max(a[1], b[1])))
        else:
            ds = (ds.key_by(lambda v: v[0], key_type=Types.INT())
                  .window(TumblingEventTimeWindows.of(Time.milliseconds(20)))
                  .reduce(lambda a, b: (a[0], a[1] + b[1])))
        ds = ds.set_parallelism(par).set_processing_cost(cost)
        if not chain:
            ds = ds.disable_chaining()
    ds.print().set_parallelism(spec["sink_p"])
    return env


def _facts(sim: flowlab.Simulation) -> dict[str, Any]:
    return {"rows": {k: list(s.rows) for k, s in sorted(sim.runtime.sinks.items())},
            "printed": sim.printed_lines(), "end": sim.now_us, "status": sim.job_status,
            "events": sim.runtime.recorder.count, "checkpoints": sim.checkpoints().to_json(orient="records")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs)
def test_fast_forward_equals_stepping_on_random_jobs(spec: dict[str, Any]) -> None:
    """Whatever the job, its settings and its seed: both modes give the same rows, lines, end, status, events."""
    stepped = flowlab.Simulation(_build(spec), seed=spec["seed"], time_travel=False)
    stepped.run()
    fast = flowlab.Simulation(_build(spec), seed=spec["seed"], record_trace=False)
    try:
        fast.run_to_result()
    except JobExecutionException:
        pass
    assert _facts(fast) == _facts(stepped)
