"""The broadcast state pattern: every instance's own copy, read-write on the broadcast side only."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Configuration, Types, WatermarkStrategy
from flowlab.datastream import (
    BroadcastConnectedStream,
    BroadcastProcessFunction,
    BroadcastStream,
    KeyedBroadcastProcessFunction,
    StreamExecutionEnvironment,
    TimeDomain,
)
from flowlab.datastream.state import MapStateDescriptor, ValueStateDescriptor
from flowlab.sources import ScriptedSource
from tests.state.state_jobs import BACKENDS, ListSink

RULES = MapStateDescriptor("rules", Types.STRING(), Types.INT())


class Alert(KeyedBroadcastProcessFunction):
    """Counts per key; alerts when the count exceeds the broadcast 'limit'."""

    def open(self, runtime_context):
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))

    def process_element(self, value, ctx):
        c = (self.count.value() or 0) + 1
        self.count.update(c)
        limit = ctx.get_broadcast_state(RULES).get("limit")
        if limit is not None and c > limit:
            yield ctx.get_current_key(), c, limit

    def process_broadcast_element(self, value, ctx):
        ctx.get_broadcast_state(RULES).put(value[0], value[1])
        yield "rule", value


def job(function, backend="hashmap", rules=((5, ("limit", 2)),), events=None, keyed=True, parallelism=2,
        end_ms=None):
    conf = Configuration()
    conf.set_string("state.backend.type", backend)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    env.set_buffer_timeout(0)
    r = env.from_source(ScriptedSource(list(rules)), WatermarkStrategy.no_watermarks(), "rules")
    events = events or [(10 + i, "k%d" % (i % 2)) for i in range(8)]
    e = env.from_source(ScriptedSource(events, end_ms=end_ms), WatermarkStrategy.no_watermarks(), "events")
    out: list = []
    if keyed:
        e = e.key_by(lambda x: x)
    connected = e.connect(r.broadcast(RULES))
    connected.process(function).add_sink(ListSink(out))
    sim = flowlab.Simulation(env)
    sim.run()
    sim.out = out
    return sim


@pytest.mark.parametrize("backend", BACKENDS)
def test_keyed_side_reads_rule_and_keeps_keyed_state(backend: str) -> None:
    """Each broadcast rule is processed once per instance (2 outputs at p=2); keys alert from count 3 on."""
    sim = job(Alert(), backend)
    assert sim.failure is None
    assert sorted(sim.out, key=repr) == sorted([("rule", ("limit", 2))] * 2 + [("k0", 3, 2), ("k1", 3, 2),
                                                                                ("k0", 4, 2), ("k1", 4, 2)], key=repr)


def test_every_instance_holds_its_own_copy() -> None:
    """A broadcast side that is not deterministic (writes its subtask index) leaves the copies different."""

    class WhoAmI(BroadcastProcessFunction):
        def open(self, runtime_context):
            self.index = runtime_context.get_index_of_this_subtask()

        def process_element(self, value, ctx):
            yield from ()

        def process_broadcast_element(self, value, ctx):
            ctx.get_broadcast_state(RULES).put("who", self.index)
            yield from ()

    sim = job(WhoAmI(), keyed=False)
    copies = [[b["entries"] for b in op["operator_state"]["broadcast"]] for op in sim.snapshot()["state"]["operators"]]
    assert copies == [[[["'who'", "0"]]], [[["'who'", "1"]]]]


class WritesOnTheWrongSide(BroadcastProcessFunction):
    def process_element(self, value, ctx):
        ctx.get_broadcast_state(RULES).put("limit", 0)
        yield value

    def process_broadcast_element(self, value, ctx):
        yield from ()


def test_write_from_non_broadcast_side_fails_and_says_why() -> None:
    """put() in process_element: read-only, only process_broadcast_element writes, copies would diverge."""
    sim = job(WritesOnTheWrongSide(), keyed=False)
    assert ("ReadOnlyBroadcastStateError: Broadcast state 'rules' is read-only in process_element: only "
            "process_broadcast_element may change it (put was called). Every parallel instance keeps its own copy "
            "of the broadcast state, and the copies stay identical only because every instance receives every "
            "broadcast element and updates its copy the same, deterministic way.") in sim.failure
    assert "AttributeError: 'SynchronousReadOnlyBroadcastRuntimeState' object has no attribute 'put'" in sim.failure


def test_read_only_view_error_is_an_attribute_error() -> None:
    """The error is an AttributeError, as PyFlink's is (code catching that keeps working)."""
    from flowlab.runtime.state.operator_state import ReadOnlyBroadcastStateError
    assert issubclass(ReadOnlyBroadcastStateError, AttributeError)


class AsksForUnknownState(BroadcastProcessFunction):
    def process_element(self, value, ctx):
        ctx.get_broadcast_state(MapStateDescriptor("rulez", Types.STRING(), Types.INT()))
        yield value

    def process_broadcast_element(self, value, ctx):
        yield from ()


def test_unregistered_broadcast_state_names_the_registered_ones() -> None:
    """A descriptor not given to broadcast(...) fails, listing the registered names and Flink's message."""
    sim = job(AsksForUnknownState(), keyed=False)
    assert ("Broadcast state 'rulez' does not exist here: only the MapStateDescriptors passed to broadcast(...) are "
            "broadcast state (here: 'rules').") in sim.failure


class TimerAlert(KeyedBroadcastProcessFunction):
    """Registers a processing-time timer 100 ms ahead; on_timer reports key, domain and the rule."""

    def process_element(self, value, ctx):
        ctx.timer_service().register_processing_time_timer(ctx.current_processing_time() + 100)
        yield from ()

    def process_broadcast_element(self, value, ctx):
        ctx.get_broadcast_state(RULES).put(value[0], value[1])
        yield from ()

    def on_timer(self, timestamp, ctx):
        yield timestamp, ctx.get_current_key(), ctx.time_domain(), ctx.get_broadcast_state(RULES).get("limit")


def test_keyed_side_timers_fire_with_key_and_read_only_rules() -> None:
    """A timer registered at 11 ms fires at 111 ms for its key and sees the rule."""
    sim = job(TimerAlert(), events=[(10, "a")], parallelism=1, end_ms=500)
    assert sim.out == [(111, "a", TimeDomain.PROCESSING_TIME, 2)]


class KeyedStateOnBroadcastSide(KeyedBroadcastProcessFunction):
    def open(self, runtime_context):
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))

    def process_element(self, value, ctx):
        yield from ()

    def process_broadcast_element(self, value, ctx):
        self.count.value()
        yield from ()


def test_keyed_state_on_broadcast_side_has_no_key() -> None:
    """Keyed state in process_broadcast_element fails: a broadcast element has no key."""
    sim = job(KeyedStateOnBroadcastSide(), events=[(1, "a")], parallelism=1)
    assert "No key set. This method should not be called outside of a keyed context." in sim.failure


def test_wrong_function_kind_is_refused_with_advice() -> None:
    """A keyed stream needs a KeyedBroadcastProcessFunction; a plain one needs a BroadcastProcessFunction."""
    env = StreamExecutionEnvironment.get_execution_environment()
    bs = env.from_collection([("limit", 1)]).broadcast(RULES)
    keyed = env.from_collection(["a"]).key_by(lambda x: x).connect(bs)
    plain = env.from_collection(["a"]).connect(bs)
    assert isinstance(bs, BroadcastStream) and isinstance(keyed, BroadcastConnectedStream)
    with pytest.raises(TypeError, match="A KeyedStream connected with a BroadcastStream needs a "
                                        "KeyedBroadcastProcessFunction"):
        keyed.process(WritesOnTheWrongSide())
    with pytest.raises(TypeError, match=r"needs the stream keyed first: ds\.key_by\(\.\.\.\)\.connect"):
        plain.process(Alert())


def test_broadcast_takes_map_state_descriptors_only() -> None:
    """broadcast(ValueStateDescriptor) is refused: broadcast state is a map."""
    env = StreamExecutionEnvironment.get_execution_environment()
    with pytest.raises(TypeError, match="broadcast\\(...\\) takes MapStateDescriptors"):
        env.from_collection([1]).broadcast(ValueStateDescriptor("x"))


def test_broadcast_without_descriptors_still_partitions() -> None:
    """broadcast() with no arguments is the BROADCAST partitioner (every record to every subtask)."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    out: list = []
    env.from_collection([1, 2]).broadcast().map(lambda x: x * 10).add_sink(ListSink(out))
    env.execute()
    assert sorted(out) == [10, 10, 20, 20]
