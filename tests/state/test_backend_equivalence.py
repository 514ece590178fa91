"""The same jobs on the heap and the RocksDB backend: same outputs; with equal access costs, the same trace."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Configuration, Duration, Time, Types, WatermarkStrategy
from flowlab.datastream import (
    AggregateFunction,
    KeyedProcessFunction,
    ProcessJoinFunction,
    ProcessWindowFunction,
    StreamExecutionEnvironment,
)
from flowlab.datastream.state import ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor
from flowlab.datastream.triggers import CountEvictor
from flowlab.datastream.window import EventTimeSessionWindows, TumblingEventTimeWindows
from flowlab.sources import ScriptedSource
from tests.state.state_jobs import ListSink
from tests.state.test_broadcast_state import Alert
from tests.state.test_broadcast_state import job as broadcast_job

EVENTS = [(i * 7, ("k%d" % (i % 4), i), (i * 37) % 700) for i in range(60)]
STRATEGY = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(50))


class Count(AggregateFunction):
    def create_accumulator(self):
        return 0

    def add(self, value, acc):
        return acc + 1

    def get_result(self, acc):
        return acc

    def merge(self, a, b):
        return a + b


class WithWindowState(ProcessWindowFunction):
    """Counts firings per window in per-window state, and per key in global state."""

    def process(self, key, context, elements):
        fires = context.window_state().get_state(ValueStateDescriptor("fires", Types.LONG()))
        total = context.global_state().get_state(ValueStateDescriptor("total", Types.LONG()))
        fires.update((fires.value() or 0) + 1)
        total.update((total.value() or 0) + 1)
        yield key, context.window().start, list(elements), fires.value(), total.value()

    def clear(self, context):
        context.window_state().get_state(ValueStateDescriptor("fires", Types.LONG())).clear()


class Collect(ProcessWindowFunction):
    """Emits the key, the window and its buffered elements (list window contents, merged for sessions)."""

    def process(self, key, context, elements):
        yield key, context.window().start, context.window().end, list(elements)


class Sessionizer(KeyedProcessFunction):
    """Buffers values in list state, counts them in map state, flushes on an event-time timer."""

    def open(self, rc):
        self.buf = rc.get_list_state(ListStateDescriptor("buf", Types.LONG()))
        self.seen = rc.get_map_state(MapStateDescriptor("seen", Types.LONG(), Types.LONG()))

    def process_element(self, value, ctx):
        self.buf.add(value[1])
        self.seen.put(value[1] % 3, (self.seen.get(value[1] % 3) or 0) + 1)
        ctx.timer_service().register_event_time_timer(ctx.timestamp() // 200 * 200 + 199)
        yield from ()

    def on_timer(self, timestamp, ctx):
        yield ctx.get_current_key(), timestamp, self.buf.get(), sorted(self.seen.items())
        self.buf.clear()


class Pair(ProcessJoinFunction):
    def process_element(self, left, right, ctx):
        yield left[1], right[1]


def build(name: str, env: StreamExecutionEnvironment, out: list) -> None:
    env.set_parallelism(2)
    src = lambda: env.from_source(ScriptedSource(EVENTS), STRATEGY, "events")  # noqa: E731
    keyed = lambda: src().key_by(lambda r: r[0], key_type=Types.STRING())  # noqa: E731
    if name == "rolling":
        keyed().reduce(lambda a, b: (a[0], a[1] + b[1])).add_sink(ListSink(out))
    elif name == "timers":
        keyed().process(Sessionizer()).add_sink(ListSink(out))
    elif name == "tumbling":
        keyed().window(TumblingEventTimeWindows.of(Time.milliseconds(200))).aggregate(Count(), WithWindowState()) \
            .add_sink(ListSink(out))
    elif name == "sessions":
        keyed().window(EventTimeSessionWindows.with_gap(Time.milliseconds(30))) \
            .reduce(lambda a, b: (a[0], a[1] + b[1])).add_sink(ListSink(out))
    elif name == "sessions_process":
        keyed().window(EventTimeSessionWindows.with_gap(Time.milliseconds(30))).process(Collect()) \
            .add_sink(ListSink(out))
    elif name == "evictor":
        keyed().window(TumblingEventTimeWindows.of(Time.milliseconds(300))).evictor(CountEvictor.of(2)) \
            .process(WithWindowState()).add_sink(ListSink(out))
    elif name == "interval_join":
        keyed().interval_join(keyed()).between(Time.milliseconds(-5), Time.milliseconds(5)).process(Pair()) \
            .add_sink(ListSink(out))


def run(name: str, backend: str, zero_costs: bool) -> tuple[list, flowlab.Simulation]:
    conf = Configuration()
    conf.set_string("state.backend.type", backend)
    if zero_costs:
        for key in ("flowlab.state.heap.access-cost-ns", "flowlab.state.rocksdb.access-cost-ns",
                    "flowlab.state.rocksdb.byte-cost-ns"):
            conf.set_string(key, "0")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    out: list = []
    build(name, env, out)
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.failure is None, sim.failure
    return out, sim


JOBS = ["rolling", "timers", "tumbling", "sessions", "sessions_process", "evictor", "interval_join"]


@pytest.mark.parametrize("name", JOBS)
def test_same_outputs_and_trace_with_equal_costs(name: str) -> None:
    """Costs set equal (0): byte-identical traces and identical outputs in the same order."""
    heap_out, heap = run(name, "hashmap", zero_costs=True)
    rocks_out, rocks = run(name, "rocksdb", zero_costs=True)
    assert heap_out and (rocks_out, rocks.trace_digest()) == (heap_out, heap.trace_digest())


@pytest.mark.parametrize("name", JOBS)
def test_same_outputs_with_default_costs(name: str) -> None:
    """With the default costs RocksDB takes longer, but every job computes the same results."""
    heap_out, heap = run(name, "hashmap", zero_costs=False)
    rocks_out, rocks = run(name, "rocksdb", zero_costs=False)
    busy = lambda sim: sum(t.busy_us for t in sim.runtime.all_tasks())  # noqa: E731
    assert sorted(map(repr, rocks_out)) == sorted(map(repr, heap_out)) and busy(rocks) > busy(heap)


def test_broadcast_job_same_on_both_backends() -> None:
    """The keyed broadcast job gives the same alerts on both backends."""
    assert sorted(map(repr, broadcast_job(Alert(), "rocksdb").out)) == \
        sorted(map(repr, broadcast_job(Alert(), "hashmap").out))
