"""Sorted keyed inputs: key order, then timestamp; one key's state at a time; broadcast inputs first."""
from __future__ import annotations

from typing import Any

import flowlab
from flowlab.common import Time, Types, WatermarkStrategy
from flowlab.common.watermark_strategy import TimestampAssigner
from flowlab.datastream.functions import (
    BroadcastProcessFunction,
    KeyedBroadcastProcessFunction,
    KeyedCoProcessFunction,
    KeyedProcessFunction,
)
from flowlab.datastream.state import MapStateDescriptor, StateTtlConfig, ValueStateDescriptor
from flowlab.runtime.batch import BatchKeyedStateBackend
from flowlab.sources import ScriptedSource
from tests.batch.jobs import env_in


class Second(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[1]


class Count(KeyedProcessFunction):
    def open(self, runtime_context: Any) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.INT()))

    def process_element(self, value: Any, ctx: Any) -> Any:
        n = (self.count.value() or 0) + 1
        self.count.update(n)
        yield value[0], value[1], n


ROWS = [("b", 30), ("a", 20), ("b", 5), ("ab", 1), ("a", 3), ("a", 14)]


def _counted(mode: str, **conf: Any) -> flowlab.Simulation:
    env = env_in(mode, **conf)
    env.from_collection(ROWS).assign_timestamps_and_watermarks(
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(Second())) \
        .key_by(lambda r: r[0]).process(Count()).print()
    return flowlab.Simulation(env)


def test_records_come_sorted_by_key_then_timestamp() -> None:
    """Keys in serialized order (a, b, ab); each key's records by timestamp, not by arrival."""
    sim = _counted("BATCH")
    sim.run()
    assert sim.printed_lines() == ["('a', 3, 1)", "('a', 14, 2)", "('a', 20, 3)", "('b', 5, 1)", "('b', 30, 2)",
                                   "('ab', 1, 1)"]


def test_streaming_processes_the_same_records_in_arrival_order() -> None:
    """The contrast: STREAMING sees them as they come."""
    sim = _counted("STREAMING")
    sim.run()
    assert sim.printed_lines() == ["('b', 30, 1)", "('a', 20, 1)", "('b', 5, 2)", "('ab', 1, 1)", "('a', 3, 2)",
                                   "('a', 14, 3)"]


def _backend(sim: flowlab.Simulation) -> BatchKeyedStateBackend:
    return sim.runtime.tasks["v2"][0].operators[0].backend


def test_only_the_current_keys_state_is_kept() -> None:
    """When key b starts, the state of key a is dropped: the backend holds one key's value."""
    sim = _counted("BATCH")
    sim.run(until=lambda e: e.kind == "sink" and "'b', 5" in e.detail)
    assert _backend(sim).entries("count") == [("b", None, 1)]


def test_the_configured_state_backend_is_ignored() -> None:
    """state.backend.type: rocksdb — BATCH still keeps state in its one-key batch backend, no RocksDB."""
    sim = _counted("BATCH", state__backend__type="rocksdb")
    sim.run()
    backend = _backend(sim)
    assert (type(backend).__name__, backend.name, sim.runtime.state_backends.root_dir) == \
        ("BatchKeyedStateBackend", "batch", None)
    assert sim.printed_lines()[2] == "('a', 20, 3)"


def test_state_ttl_is_ignored() -> None:
    """The batch backend does not wrap states with TTL: a 1 ms TTL expires nothing however slow the job."""
    class Ttl(KeyedProcessFunction):
        def open(self, runtime_context: Any) -> None:
            d = ValueStateDescriptor("seen", Types.INT())
            d.enable_time_to_live(StateTtlConfig.new_builder(Time.milliseconds(1)).build())
            self.seen = runtime_context.get_state(d)

        def process_element(self, value: Any, ctx: Any) -> Any:
            n = (self.seen.value() or 0) + 1
            self.seen.update(n)
            yield n
    def run(mode: str) -> list[str]:
        env = env_in(mode)
        env.from_collection([("a", i) for i in range(4)]).key_by(lambda r: r[0]).process(Ttl()) \
            .set_processing_cost(5).print()
        sim = flowlab.Simulation(env)
        sim.run()
        return sim.printed_lines()
    assert run("BATCH") == ["1", "2", "3", "4"]
    assert run("STREAMING") == ["1", "1", "1", "1"]


DESC = MapStateDescriptor("rules", Types.STRING(), Types.INT())


class KeyedRules(KeyedBroadcastProcessFunction):
    def process_element(self, value: Any, ctx: Any) -> Any:
        yield value, ctx.get_broadcast_state(DESC).get("limit")

    def process_broadcast_element(self, value: Any, ctx: Any) -> Any:
        ctx.get_broadcast_state(DESC).put("limit", value)


class Rules(BroadcastProcessFunction):
    def process_element(self, value: Any, ctx: Any) -> Any:
        yield value, ctx.get_broadcast_state(DESC).get("limit")

    def process_broadcast_element(self, value: Any, ctx: Any) -> Any:
        ctx.get_broadcast_state(DESC).put("limit", value)


def _rules(mode: str, keyed: bool) -> list[str]:
    env = env_in(mode)
    events = env.from_source(ScriptedSource([(0, "x"), (1, "y")]), WatermarkStrategy.no_watermarks(), "events")
    rules = env.from_source(ScriptedSource([(50, 7)]), WatermarkStrategy.no_watermarks(), "rules").broadcast(DESC)
    if keyed:
        events.key_by(lambda v: v).connect(rules).process(KeyedRules()).print()
    else:
        events.connect(rules).process(Rules()).print()
    sim = flowlab.Simulation(env)
    sim.run()
    return sim.printed_lines()


def test_the_broadcast_input_goes_before_the_keyed_input() -> None:
    """A rule that arrives 50 ms after the events is still applied to them all in BATCH (not in STREAMING)."""
    assert _rules("BATCH", keyed=True) == ["('x', 7)", "('y', 7)"]
    assert _rules("STREAMING", keyed=True) == ["('x', None)", "('y', None)"]


def test_the_broadcast_input_goes_before_the_regular_input() -> None:
    """The same for a non-keyed BroadcastProcessFunction: its regular input waits for the broadcast side."""
    assert _rules("BATCH", keyed=False) == ["('x', 7)", "('y', 7)"]


class Sides(KeyedCoProcessFunction):
    def process_element1(self, value: Any, ctx: Any) -> Any:
        yield "left", value

    def process_element2(self, value: Any, ctx: Any) -> Any:
        yield "right", value


def test_two_keyed_inputs_give_all_records_of_a_key_before_the_next() -> None:
    """A KeyedCoProcessFunction gets both inputs' records of key a, then of b (by timestamp within a key)."""
    env = env_in("BATCH")
    strategy = WatermarkStrategy.for_monotonous_timestamps()
    left = env.from_source(ScriptedSource([(0, ("b", 1), 5), (1, ("a", 2), 9)]), strategy, "left")
    right = env.from_source(ScriptedSource([(0, ("a", 3), 1), (1, ("b", 4), 2)]), strategy, "right")
    left.connect(right).key_by(lambda v: v[0], lambda v: v[0]).process(Sides()).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.printed_lines() == ["('right', ('a', 3))", "('left', ('a', 2))", "('right', ('b', 4))",
                                   "('left', ('b', 1))"]


def test_sorted_records_show_in_the_trace_after_the_input_ended() -> None:
    """Every record is read into the sorter (process), then handed out in order (process, data sorted=True)."""
    sim = _counted("BATCH")
    sim.run()
    handed = [e for e in sim.events() if e.kind == "process" and e.vertex == "v2" and (e.data or {}).get("sorted")]
    assert [e.detail for e in handed] == [
        "('a', 3) @3 (sorted input, 1 of 6)", "('a', 14) @14 (sorted input, 2 of 6)",
        "('a', 20) @20 (sorted input, 3 of 6)", "('b', 5) @5 (sorted input, 4 of 6)",
        "('b', 30) @30 (sorted input, 5 of 6)", "('ab', 1) @1 (sorted input, 6 of 6)"]
    last_read = max(e.step for e in sim.events() if e.kind == "process" and e.vertex == "v2"
                    and "EndOfPartition" in e.detail)
    assert handed[0].step > last_read


def test_configuration_can_not_turn_sorting_off() -> None:
    """execution.sorted-inputs.enabled: false is valid in Flink; flowlab says it simulates the default only."""
    import pytest

    from flowlab.runtime.batch import BatchModeError
    env = env_in("BATCH", execution__sorted___inputs__enabled="false")
    env.from_collection([1]).key_by(lambda x: x).map(lambda x: x).print()
    with pytest.raises(BatchModeError, match="execution.sorted-inputs.enabled: false is valid in Flink, but flowlab "
                       "simulates BATCH jobs with sorted keyed inputs"):
        flowlab.Simulation(env)


def test_other_shuffle_modes_are_refused() -> None:
    """execution.batch-shuffle-mode: ALL_EXCHANGES_PIPELINED is not simulated; the message says so."""
    import pytest

    from flowlab.runtime.batch import BatchModeError
    env = env_in("BATCH", execution__batch___shuffle___mode="ALL_EXCHANGES_PIPELINED")
    env.from_collection([1]).print()
    with pytest.raises(BatchModeError, match="ALL_EXCHANGES_PIPELINED is valid in Flink, but flowlab simulates "
                       "BATCH jobs with ALL_EXCHANGES_BLOCKING only"):
        flowlab.Simulation(env)


