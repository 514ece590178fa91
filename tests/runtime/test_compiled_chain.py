"""Compiled chains (``flowlab/runtime/tasks/compiled_chain.py``) are a second implementation of the operators'
per-record semantics. For each compiled operator, on random jobs around it: fast-forward (where tasks run their
compiled loops) gives exactly the run stepping gives (the trace on, no compiled code) — the sink rows with
subtask, timestamp and virtual arrival time, printed lines, end time, status, the failure, the sampled metrics,
the number of observable events, every operator's and task's counters and busy time, and the kernel's call
counters (so every call key) — and the operator under test really ran compiled."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowlab
from flowlab.common import Configuration, Duration, Time, Types, WatermarkStrategy
from flowlab.common.watermark_strategy import WatermarkGenerator
from flowlab.datastream import OutputTag, StreamExecutionEnvironment
from flowlab.datastream.connectors.number_seq import NumberSequenceSource
from flowlab.datastream.functions import AggregateFunction, ProcessWindowFunction
from flowlab.datastream.window import SlidingEventTimeWindows, TumblingEventTimeWindows
from flowlab.runtime import JobExecutionException
from flowlab.runtime.deferred_copy import deep_copy
from flowlab.runtime.simulation.fast_forward import fast_forward
from flowlab.sources import GeneratorSource, ScriptedSource

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

network = st.fixed_dictionaries({
    "latency": st.sampled_from(["1", "0.2", "3"]),
    "segment": st.sampled_from([256, 1024, 32768]),
    "timeout": st.sampled_from([1, 5, 100]),
    "seed": st.integers(0, 3),
})


def _env(net: dict[str, Any], parallelism: int = 1) -> StreamExecutionEnvironment:
    conf = Configuration()
    conf.set_string("flowlab.network.latency-ms", net["latency"])
    conf.set_string("taskmanager.memory.segment-size", f"{net['segment']}b")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    env.set_buffer_timeout(net["timeout"])
    env.get_config().set_auto_watermark_interval(2)
    return env


def _facts(sim: flowlab.Simulation) -> dict[str, Any]:
    rt = sim.runtime
    return {
        "rows": {k: list(s.rows) for k, s in sorted(rt.sinks.items())},
        "printed": sim.printed_lines(),
        "end": sim.now_us,
        "status": sim.job_status,
        "failure": (sim.failure or "").splitlines()[:1],
        "events": rt.recorder.count,
        "metrics": sim.metrics().to_dict("records"),
        "counters": [(t.name, t.records_in, t.records_out, t.busy_us, t.busy_until, t.bp_us,
                      [(op.name, op.records_in, op.records_out) for op in t.operators]) for t in rt.all_tasks()],
        "calls": list(rt.kernel.counters),
    }


def _compiled(sim: flowlab.Simulation) -> set[str]:
    """Names of the operators that ran in a compiled loop."""
    return {name for t in sim.runtime.all_tasks() if (c := t.__dict__.get("compiled_chain"))
            for name in c.compiled}


def _run_both(build: Any, seed: int) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    stepped = flowlab.Simulation(build(), seed=seed, time_travel=False)
    stepped.run()
    fast = flowlab.Simulation(build(), seed=seed, record_trace=False)
    try:
        fast.run_to_result()
    except JobExecutionException:
        pass
    assert not _compiled(stepped)
    return _facts(stepped), _facts(fast), _compiled(fast)


def _check(build: Any, seed: int, expect: set[str]) -> None:
    a, b, compiled = _run_both(build, seed)
    for field in a:
        assert a[field] == b[field], field
    if a["events"] and a["status"] == "FINISHED":
        assert expect <= compiled, (expect, compiled)


# -- map, filter, flat_map: plain and mutable records, typed outputs, copies, failures ------------------------
records = st.sampled_from(["int", "tuple", "list", "dict"])
stateless = st.lists(st.tuples(st.sampled_from(["map", "filter", "flat_map", "flat_map_gen", "typed_map"]),
                               st.booleans()), min_size=1, max_size=4)


def _value(kind: str, i: int) -> Any:
    return {"int": i, "tuple": (i % 3, i), "list": [i % 3, i], "dict": {"k": i % 3, "v": i}}[kind]


def _num(v: Any) -> int:
    return v if isinstance(v, int) else v["v"] if isinstance(v, dict) else v[1]


@SETTINGS
@given(net=network, kind=records, stages=stateless, n=st.integers(1, 300), p=st.integers(1, 3),
       fail_at=st.one_of(st.none(), st.integers(0, 300)), reuse=st.booleans(), cost=st.sampled_from([0, 0.004, 0.2]))
def test_map_filter_flat_map(net: dict, kind: str, stages: list, n: int, p: int, fail_at: int | None, reuse: bool,
                             cost: float) -> None:
    """Stateless operators, chained or not, by reference or copied, failing at one record or not."""
    def build() -> StreamExecutionEnvironment:
        env = _env(net, p)
        if reuse:
            env.get_config().enable_object_reuse()
        ds = env.from_collection([_value(kind, i) for i in range(n)])
        for stage, chain in stages:
            if stage == "map":
                ds = ds.map(lambda v, f=fail_at: v if _num(v) != f else 1 // 0)
            elif stage == "typed_map":
                ds = ds.map(lambda v: (str(_num(v)), _num(v)), output_type=Types.TUPLE([Types.STRING(), Types.INT()]))
            elif stage == "filter":
                ds = ds.filter(lambda v: _num(v) % 3 != 1)
            elif stage == "flat_map":
                ds = ds.flat_map(lambda v: [v, v] if _num(v) % 2 else ([] if _num(v) % 5 == 0 else (v,)))
            else:
                ds = ds.flat_map(lambda v: (x for x in [v] * (_num(v) % 3)))
            ds = ds.set_processing_cost(cost)
            if not chain:
                ds = ds.disable_chaining()
        ds.print()
        return env
    names = {"map": "Map", "typed_map": "Map", "filter": "Filter", "flat_map": "FlatMap", "flat_map_gen": "FlatMap"}
    _check(build, net["seed"], {names[s] for s, _ in stages} | {"Print to Std. Out"})


# -- rolling aggregations on the heap backend: key types, new keys, field aggregators ---------------------------
keys = st.sampled_from(["int", "str", "float", "bool", "tuple", "negative"])
aggregations = st.sampled_from(["reduce", "sum", "min", "max", "min_by", "max_by"])


def _key(kind: str, i: int) -> Any:
    return {"int": i % 7, "str": f"k{i % 5}", "float": (i % 4) / 2, "bool": i % 2 == 0, "tuple": (i % 2, f"t{i % 3}"),
            "negative": -(i % 9) * 1_000_003}[kind]


@SETTINGS
@given(net=network, key=keys, agg=aggregations, n=st.integers(1, 300), p=st.integers(1, 3), src_p=st.integers(1, 3),
       none_at=st.one_of(st.none(), st.integers(0, 300)), cost=st.sampled_from([0, 0.003, 0.05]))
def test_rolling_aggregations(net: dict, key: str, agg: str, n: int, p: int, src_p: int, none_at: int | None,
                              cost: float) -> None:
    """reduce / sum / min / max / min_by / max_by: state per key, first records of new keys, a reduce returning
    None (the job fails with the operator's message)."""
    def build() -> StreamExecutionEnvironment:
        env = _env(net, p)
        src = env.from_source(GeneratorSource(lambda i, r: (_key(key, i), (i * 37) % 101, i), count=n,
                                              records_per_second=20_000), WatermarkStrategy.no_watermarks(), "gen")
        keyed = src.set_parallelism(src_p).key_by(lambda v: v[0])
        if agg == "reduce":
            ds = keyed.reduce(lambda a, b, f=none_at: None if b[2] == f else (a[0], a[1] + b[1], b[2]))
        else:
            ds = getattr(keyed, agg)(1)
        ds.set_processing_cost(cost).add_sink(lambda v: None)
        return env
    a, b, compiled = _run_both(build, net["seed"])
    assert a == b
    if a["status"] == "FINISHED":
        assert any(name.startswith("Keyed") for name in compiled) and "Sink: Unnamed" in compiled


# -- event-time windows: tumbling / sliding, lateness, late records, reduce / aggregate / process --------------
class Count(AggregateFunction):
    def create_accumulator(self):
        return 0

    def add(self, value, accumulator):
        return accumulator + 1

    def get_result(self, accumulator):
        return accumulator


class Describe(ProcessWindowFunction):
    def process(self, key, context, elements):
        yield key, context.window().start, sorted(e[1] for e in elements)


@SETTINGS
@given(net=network, sliding=st.booleans(), size=st.sampled_from([7, 20, 50]), mode=st.sampled_from(
       ["reduce", "aggregate", "process"]), lateness=st.sampled_from([0, 0, 15]), late_tag=st.booleans(),
       disorder=st.sampled_from([0, 5, 60]), n=st.integers(1, 300), p=st.integers(1, 3), key=keys)
def test_windows(net: dict, sliding: bool, size: int, mode: str, lateness: int, late_tag: bool, disorder: int,
                 n: int, p: int, key: str) -> None:
    """Event-time windows with the default trigger: elements into open windows, late-but-allowed elements that
    fire at once, late elements to the side output or dropped, timers at the end and at cleanup."""
    def build() -> StreamExecutionEnvironment:
        env = _env(net, p)
        rows = [(i * 40, (_key(key, i), i), i * 3 + (i * 7919) % (disorder + 1) - disorder // 2)
                for i in range(n)]
        strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(disorder // 3))
        ws = env.from_source(ScriptedSource(rows), strategy, "events").key_by(lambda v: v[0])
        ws = ws.window(SlidingEventTimeWindows.of(Time.milliseconds(size), Time.milliseconds(size // 2 + 1))
                       if sliding else TumblingEventTimeWindows.of(Time.milliseconds(size)))
        if lateness:
            ws = ws.allowed_lateness(lateness)
        tag = OutputTag("late", Types.PICKLED_BYTE_ARRAY())
        if late_tag:
            ws = ws.side_output_late_data(tag)
        if mode == "reduce":
            out = ws.reduce(lambda a, b: (a[0], a[1] + b[1]))
        elif mode == "aggregate":
            out = ws.aggregate(Count())
        else:
            out = ws.process(Describe())
        out.print()
        if late_tag:
            out.get_side_output(tag).print("late")
        return env
    a, b, compiled = _run_both(build, net["seed"])
    assert a == b
    if a["status"] == "FINISHED":
        assert any(name.startswith("Window(") for name in compiled)


# -- sources, timestamps mid-pipeline, routing, sinks ---------------------------------------------------------
class EveryTenth(WatermarkGenerator):
    """A punctuated generator: a watermark every tenth record (``on_event`` emits, so it runs as ordinary code)."""

    def __init__(self) -> None:
        self.seen = 0

    def on_event(self, event, event_timestamp, output):
        self.seen += 1
        if self.seen % 10 == 0:
            output.emit_watermark(event_timestamp - 1)


@SETTINGS
@given(net=network, source=st.sampled_from(["collection", "generator", "scripted", "numbers"]),
       timestamps=st.sampled_from([None, "bounded", "monotonous", "punctuated"]),
       route=st.sampled_from(["forward", "rebalance", "rescale", "shuffle", "broadcast", "global", "custom", "key_by"]),
       sink=st.sampled_from(["print", "print_id", "function", "context"]), n=st.integers(1, 300),
       src_p=st.integers(1, 3), p=st.integers(1, 3))
def test_sources_routing_sinks(net: dict, source: str, timestamps: str | None, route: str, sink: str, n: int,
                               src_p: int, p: int) -> None:
    """Each source the loop reads ahead of, timestamps assigned mid-pipeline (a punctuated generator emits
    from its per-record hook), every partitioner, print sinks (with an identifier) and function sinks."""
    def build() -> StreamExecutionEnvironment:
        env = _env(net, p)
        if source == "collection":
            ds = env.from_collection([(i % 4, i) for i in range(n)])
        elif source == "generator":
            ds = env.from_source(GeneratorSource(lambda i, r: (r.randrange(4), i), count=n, records_per_second=9000),
                                 WatermarkStrategy.no_watermarks(), "gen").set_parallelism(src_p)
        elif source == "scripted":
            ds = env.from_source(ScriptedSource([(i * 90, (i % 4, i), i) for i in range(n)]),
                                 WatermarkStrategy.for_monotonous_timestamps(), "scripted")
        else:
            ds = env.from_source(NumberSequenceSource(1, n), WatermarkStrategy.no_watermarks(), "nums") \
                .set_parallelism(src_p).map(lambda i: (i % 4, i))
        if timestamps is not None:
            strategy = {"bounded": WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(3)),
                        "monotonous": WatermarkStrategy.for_monotonous_timestamps(),
                        "punctuated": WatermarkStrategy.for_generator(lambda ctx: EveryTenth())}[timestamps]
            ds = ds.assign_timestamps_and_watermarks(strategy.with_timestamp_assigner(lambda v, _ts: v[1] * 2))
        if route == "key_by":
            ds = ds.key_by(lambda v: v[0]).map(lambda v: (v[0], v[1] + 1))
        elif route == "custom":
            ds = ds.partition_custom(lambda k, num: k % num, lambda v: v[0]).map(lambda v: v)
        elif route == "global":
            ds = ds.global_().map(lambda v: v)
        elif route == "forward":
            ds = ds.forward().map(lambda v: v).set_parallelism(ds.get_parallelism())
        else:
            ds = getattr(ds, route)().map(lambda v: v)
        if sink == "print":
            ds.print()
        elif sink == "print_id":
            ds.print("out")
        elif sink == "function":
            ds.add_sink(lambda v: None)
        else:
            ds.add_sink(lambda v, context: None)
        return env
    a, b, compiled = _run_both(build, net["seed"])
    assert a == b
    if a["status"] == "FINISHED" and source != "numbers":
        assert "Map" in compiled


# -- examples ------------------------------------------------------------------------------------------------
def _rolling(p: int) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(p)
    (env.from_collection(range(20_000)).map(lambda i: (i % 100, 1)).key_by(lambda t: t[0])
        .reduce(lambda a, b: (a[0], a[1] + b[1])).add_sink(lambda v: None))
    return env


@pytest.mark.parametrize("p", [1, 4])
def test_the_benchmark_job_runs_compiled_throughout(p: int) -> None:
    """Every operator of map → key_by → reduce → sink compiles, and the result is stepping's."""
    a, b, compiled = _run_both(lambda: _rolling(p), 1)
    assert a == b
    assert compiled == {"Source: Collection Source", "Map", "Keyed Reduce", "Sink: Unnamed"}


def test_a_time_travel_copy_compiles_its_own_chain() -> None:
    """A snapshot of the runtime taken while tasks run ahead holds no compiled loop: restored, it compiles its
    own against its own objects and runs on to the very end the original reached."""
    sim = flowlab.Simulation(_rolling(2), seed=3, record_trace=False)
    rt = sim.runtime
    chunks = fast_forward(rt)
    next(chunks)
    assert any(t.__dict__.get("compiled_chain") for t in rt.all_tasks())
    snapshot = deep_copy(rt)
    for _ in chunks:
        pass
    rows, end, calls = [list(s.rows) for s in rt.sinks.values()], rt.kernel.now, list(rt.kernel.counters)
    twin = deep_copy(snapshot)
    assert not any(t.__dict__.get("compiled_chain") for t in twin.all_tasks())
    while not twin.terminal and twin.kernel.step():
        pass
    twin.settle_logs()
    assert [list(s.rows) for s in twin.sinks.values()] == rows and len(rows[0]) == 20_000
    assert (twin.kernel.now, list(twin.kernel.counters)) == (end, calls)
    assert all(t.compiled_chain.operators is t.operators for t in twin.all_tasks() if t.compiled_chain)


def test_print_sinks_of_two_tasks_keep_the_stepping_order() -> None:
    """Two print sinks in different tasks with the same subtask index: the printed lines come out in stepping's
    order (each task's lines are merged by call key)."""
    def build() -> StreamExecutionEnvironment:
        env = StreamExecutionEnvironment.get_execution_environment()
        env.set_parallelism(1)
        ds = env.from_collection(list(range(2000)))
        ds.map(lambda x: x * 2).print("a")
        ds.rebalance().map(lambda x: x + 1).disable_chaining().print("b")
        return env
    a, b, _ = _run_both(build, 1)
    assert a["printed"] == b["printed"] and len(a["printed"]) == 4000


def test_a_failing_function_leaves_the_counts_of_stepping() -> None:
    """The record that fails is counted where the ordinary path counts it; the task's busy time ends before it."""
    def build() -> StreamExecutionEnvironment:
        env = StreamExecutionEnvironment.get_execution_environment()
        (env.from_collection(range(5000)).map(lambda i: (i % 10, i)).key_by(lambda t: t[0])
            .reduce(lambda a, b: (a[0], 1 // (b[1] - 3333))).print())
        return env
    a, b, compiled = _run_both(build, 0)
    assert a == b and a["status"] == "FAILED" and "Keyed Reduce" in compiled


@pytest.mark.parametrize("parallelism, keyed", [(1, False), (2, False), (2, True)])
def test_execute_and_collect_with_checkpoints_hands_out_every_result_once(parallelism: int, keyed: bool) -> None:
    """A collect sink under EXACTLY_ONCE checkpointing numbers its results for the checkpoint-aware client: in
    fast-forward (compiled chains) every one of 300 results comes back once."""
    def job() -> Any:
        env = StreamExecutionEnvironment.get_execution_environment()
        env.set_parallelism(parallelism)
        env.enable_checkpointing(50)
        ds = env.from_source(ScriptedSource([(t, t) for t in range(300)]), WatermarkStrategy.no_watermarks(), "s")
        if keyed:
            ds = ds.key_by(lambda v: v % 4).reduce(lambda a, b: b)
        return ds.map(lambda v: v * 10)
    with job().execute_and_collect() as results:
        fast = list(results)
    assert sorted(fast) == [v * 10 for v in range(300)]
