"""Property (Chandy-Lamport): every completed exactly-once checkpoint is a consistent cut. Its keyed state equals
the state a failure-free run has after exactly the records the sources had emitted before their barriers
(the source positions in the same checkpoint) — for unaligned checkpoints once the in-flight records stored as
channel state are added. Random jobs, parallelism, buffers, costs and checkpoint intervals."""
from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowlab
from flowlab.common import Configuration, Duration, Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import GeneratorSource

STAGES = {
    "map": lambda v, k: [(v[0], v[1] * 3 + 1)],
    "filter": lambda v, k: [v] if v[1] % 4 != 1 else [],
    "flat_map": lambda v, k: [v, ((v[0] + 1) % k, -v[1])] if v[1] % 2 else [v],
}

specs = st.fixed_dictionaries({
    "mode": st.sampled_from(["aligned", "unaligned", "timeout"]),
    "stages": st.lists(st.sampled_from(sorted(STAGES)), max_size=3),
    "rebalance": st.booleans(),                   # a second network hop (aligned only)
    "agg": st.sampled_from(["sum", "max"]),
    "keys": st.integers(2, 7),
    "count": st.integers(50, 600),
    "rate": st.sampled_from([2_000, 20_000, 100_000]),
    "source_p": st.integers(1, 3),
    "keyed_p": st.integers(1, 3),
    "cost": st.sampled_from([0.0, 0.02, 0.2]),
    "interval": st.integers(10, 60),
    "segment": st.sampled_from([256, 1024, 32768]),
    "timeout": st.sampled_from([0, 1, 100]),
})


def _build(spec: dict[str, Any]) -> StreamExecutionEnvironment:
    conf = Configuration()
    conf.set_string("taskmanager.memory.segment-size", f"{spec['segment']}b")
    conf.set_string("execution.checkpointing.num-retained", "1000")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_buffer_timeout(spec["timeout"])
    env.enable_checkpointing(spec["interval"])
    if spec["mode"] != "aligned":
        env.get_checkpoint_config().enable_unaligned_checkpoints()
    if spec["mode"] == "timeout":
        env.get_checkpoint_config().set_aligned_checkpoint_timeout(Duration.of_millis(2))
    k = spec["keys"]
    gen = GeneratorSource(lambda i: (i % k, i), count=spec["count"], records_per_second=spec["rate"])
    ds = env.from_source(gen, WatermarkStrategy.no_watermarks(), "gen").set_parallelism(spec["source_p"])
    for name in spec["stages"]:            # chained to the source: one network hop into the aggregation
        fn = STAGES[name]
        if name == "map":
            ds = ds.map(lambda v, fn=fn, k=k: fn(v, k)[0])
        elif name == "filter":
            ds = ds.filter(lambda v, fn=fn, k=k: bool(fn(v, k)))
        else:
            ds = ds.flat_map(lambda v, fn=fn, k=k: fn(v, k))
        ds = ds.set_parallelism(spec["source_p"])
    if spec["rebalance"] and spec["mode"] == "aligned":
        ds = ds.rebalance().map(lambda v: v).set_parallelism(2).set_processing_cost(spec["cost"])
    keyed = ds.key_by(lambda v: v[0], key_type=Types.INT())
    agg = keyed.sum(1) if spec["agg"] == "sum" else keyed.reduce(lambda a, b: (a[0], max(a[1], b[1])))
    agg.name("agg").set_parallelism(spec["keyed_p"]).set_processing_cost(spec["cost"]).add_sink(lambda v: None)
    return env


def _fold(spec: dict[str, Any], acc: dict[int, Any], value: tuple) -> None:
    key = value[0]
    old = acc.get(key)
    if old is None:
        acc[key] = value
    elif spec["agg"] == "sum":
        acc[key] = (key, old[1] + value[1])
    else:
        acc[key] = (key, max(old[1], value[1]))


def _expected(spec: dict[str, Any], positions: dict[int, int]) -> dict[int, Any]:
    """The aggregate over exactly the first ``positions[s]`` records of every source subtask."""
    acc: dict[int, Any] = {}
    p, k = spec["source_p"], spec["keys"]
    for s, pos in positions.items():
        for j in range(pos):
            i = s + j * p
            values = [(i % k, i)]
            for name in spec["stages"]:
                values = [w for v in values for w in STAGES[name](v, k)]
            for v in values:
                _fold(spec, acc, v)
    return acc


def _check(spec: dict[str, Any], cp: dict[str, Any], into_agg: set[int]) -> bool:
    """Check one checkpoint; False when the aggregation had finished (FLIP-147: its state is not in it)."""
    ops = {o["name"]: o for o in cp["operators"].values()}
    if any(s["state"] is None for s in ops["agg"]["subtasks"].values()):
        return False
    source = next(o for name, o in ops.items() if name.startswith("Source"))
    p = spec["source_p"]        # a source subtask that FINISHED (FLIP-147) has emitted all its records
    positions = {i: len(range(i, spec["count"], p)) if s["state"] is None else s["state"]["operator"]["position"]
                 for i, s in source["subtasks"].items()}
    state: dict[int, Any] = {}
    for sub in ops["agg"]["subtasks"].values():
        for group in (sub["state"] or {}).get("keyed", {}).values():
            for key, _, value in group["states"]["_op_state"]:
                state[key] = value
    for channels in cp["channel_state"].values():            # unaligned: the records the barriers overtook
        for edge, _, elements in channels["input"] + channels["output"]:
            if edge in into_agg:                               # on their way into the aggregation
                for e in elements:
                    if type(e) is tuple:
                        _fold(spec, state, e[0])
    assert state == _expected(spec, positions), (cp["checkpoint_id"], positions)
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs)
def test_every_completed_checkpoint_is_a_consistent_cut(spec: dict[str, Any]) -> None:
    """For each completed checkpoint: keyed state (+ channel state) = the fold of the records before the barriers."""
    sim = flowlab.Simulation(_build(spec), time_travel=False)
    agg = next(v for v in sim.job_graph.vertices if v.operators[0].name == "agg")
    into_agg = {e.index for e in agg.in_edges}
    checked = skipped = 0
    while not sim.done:
        sim.run(until=lambda e: e.kind == "checkpoint_completed")
        done = [e.data["checkpoint_id"] for e in sim.last_events if e.kind == "checkpoint_completed"]
        for n in done:
            if _check(spec, sim.checkpoint_state(n), into_agg):
                checked += 1
            else:
                skipped += 1
    assert sim.job_status == "FINISHED"
    assert checked + skipped == int((sim.checkpoints().status == "COMPLETED").sum())
