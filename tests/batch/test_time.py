"""Time in BATCH: no watermarks while processing, MAX at each key's end, timers per key, windows per key."""
from __future__ import annotations

from collections import Counter
from typing import Any

import flowlab
from flowlab.common import Duration, Time, WatermarkStrategy
from flowlab.common.watermark_strategy import TimestampAssigner
from flowlab.datastream.functions import KeyedProcessFunction
from flowlab.datastream.window import TumblingEventTimeWindows, TumblingProcessingTimeWindows
from flowlab.runtime.elements import LONG_MAX, LONG_MIN
from flowlab.sources import ScriptedSource
from tests.batch.jobs import env_in, kinds

# (arrival ms, (key, value), event time ms)
ROWS = [(0, ("b", 1), 30), (1, ("a", 2), 20), (2, ("b", 3), 5), (3, ("ab", 4), 1), (4, ("a", 5), 3)]


class Second(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[1]


class Timers(KeyedProcessFunction):
    def process_element(self, value: Any, ctx: Any) -> Any:
        ts = ctx.timer_service()
        ts.register_event_time_timer(ctx.timestamp() + 10)
        ts.register_processing_time_timer(7)
        yield "element", value, ts.current_watermark()

    def on_timer(self, timestamp: int, ctx: Any) -> Any:
        ts = ctx.timer_service()
        if timestamp < 100:
            ts.register_event_time_timer(timestamp + 1000)  # ignored in BATCH: the key's timers are firing
        yield "timer", ctx.get_current_key(), timestamp, ctx.time_domain().name, ts.current_watermark()


def _timers(mode: str) -> flowlab.Simulation:
    env = env_in(mode)
    env.get_config().set_auto_watermark_interval(1)
    env.from_source(ScriptedSource(ROWS), WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(2)),
                    "events").key_by(lambda r: r[0]).process(Timers()).print()
    sim = flowlab.Simulation(env)
    sim.run()
    return sim


def test_watermark_is_min_while_processing_and_timers_fire_per_key() -> None:
    """Each key: its records (watermark MIN), then its event-time timers in timestamp order, then its
    processing-time timers (watermark MAX in both), before the next key; timers set in on_timer are ignored."""
    lo, hi = LONG_MIN, LONG_MAX
    assert _timers("BATCH").printed_lines() == [
        f"('element', ('a', 5), {lo})", f"('element', ('a', 2), {lo})",
        f"('timer', 'a', 13, 'EVENT_TIME', {hi})", f"('timer', 'a', 30, 'EVENT_TIME', {hi})",
        f"('timer', 'a', 7, 'PROCESSING_TIME', {hi})",
        f"('element', ('b', 3), {lo})", f"('element', ('b', 1), {lo})",
        f"('timer', 'b', 15, 'EVENT_TIME', {hi})", f"('timer', 'b', 40, 'EVENT_TIME', {hi})",
        f"('timer', 'b', 7, 'PROCESSING_TIME', {hi})",
        f"('element', ('ab', 4), {lo})",
        f"('timer', 'ab', 11, 'EVENT_TIME', {hi})", f"('timer', 'ab', 7, 'PROCESSING_TIME', {hi})"]


def test_each_keys_end_is_a_max_watermark_in_the_trace() -> None:
    """One watermark event per key that had timers: MAX for that key, then MIN for the next."""
    sim = _timers("BATCH")
    ends = [e for e in kinds(sim, "watermark") if (e.data or {}).get("key_end") is not None]
    assert [(e.data["key_end"], e.data["watermark"], e.data["event_timers"], e.data["processing_timers"])
            for e in ends] == [("a", LONG_MAX, 2, 1), ("b", LONG_MAX, 2, 1), ("ab", LONG_MAX, 1, 1)]


def test_the_watermark_generator_is_ignored_but_the_end_of_input_is_max() -> None:
    """The generator's periodic watermark (27 in STREAMING) never leaves the source in BATCH; only the MAX
    watermark at the end of the input does."""
    def emitted(sim: flowlab.Simulation) -> list[int]:
        return [e.data["watermark"] for e in kinds(sim, "watermark") if e.vertex == "v1" and "emits" in e.detail]
    assert emitted(_timers("BATCH")) == [LONG_MAX]
    assert emitted(_timers("STREAMING")) == [27, LONG_MAX]


def test_streaming_fires_the_timers_as_the_watermark_passes_them() -> None:
    """The contrast: records in arrival order under a rising watermark (27 after the first), timers as the
    watermark passes them; processing-time ones never (the job ends before 7 ms)."""
    lines = _timers("STREAMING").printed_lines()
    assert lines[:2] == [f"('element', ('b', 1), {LONG_MIN})", "('element', ('a', 2), 27)"]
    assert not [line for line in lines if "PROCESSING_TIME" in line]


def _windows(mode: str, rows: list[tuple], processing_time: bool = False) -> flowlab.Simulation:
    env = env_in(mode)
    env.get_config().set_auto_watermark_interval(1)
    assigner = (TumblingProcessingTimeWindows.of(Time.milliseconds(100)) if processing_time
                else TumblingEventTimeWindows.of(Time.milliseconds(10)))
    env.from_source(ScriptedSource(rows), WatermarkStrategy.for_monotonous_timestamps(), "events") \
        .key_by(lambda r: r[0]).window(assigner).reduce(lambda x, y: (x[0], x[1] + y[1])).print()
    sim = flowlab.Simulation(env)
    sim.run()
    return sim


IN_ORDER = [(i, (k, 1), i * 4) for i, k in enumerate("abcabcaab")]


def test_windows_give_streamings_results_grouped_by_key() -> None:
    """The same windows and values as STREAMING; in BATCH key by key, each key's windows in time order."""
    batch = _windows("BATCH", IN_ORDER).printed_lines()
    streaming = _windows("STREAMING", IN_ORDER).printed_lines()
    assert Counter(batch) == Counter(streaming)
    assert batch == ["('a', 1)", "('a', 1)", "('a', 2)", "('b', 1)", "('b', 1)", "('b', 1)", "('c', 1)",
                     "('c', 1)"]


def test_no_record_is_late_in_batch() -> None:
    """Out of order by far more than the watermark allows: STREAMING drops a late record, BATCH has none."""
    rows = [(0, ("a", 1), 50), (1, ("a", 2), 52), (2, ("a", 3), 5)]
    assert kinds(_windows("STREAMING", rows), "late_record")
    batch = _windows("BATCH", rows)
    assert not kinds(batch, "late_record")
    assert batch.printed_lines() == ["('a', 3)", "('a', 3)"]


def test_processing_time_windows_fire_at_each_keys_end() -> None:
    """A bounded STREAMING job ends before a 100 ms processing-time window closes: nothing. BATCH fires every
    processing-time timer when the key ends."""
    assert _windows("STREAMING", IN_ORDER, processing_time=True).printed_lines() == []
    assert _windows("BATCH", IN_ORDER, processing_time=True).printed_lines() == ["('a', 4)", "('b', 3)",
                                                                                  "('c', 2)"]


def test_timestamp_assigners_are_used() -> None:
    """Windows are assigned by the timestamps the strategy's assigner gives (event time 20..: window [20, 30))."""
    env = env_in("BATCH")
    strategy = WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(Second())
    env.from_collection([("a", 21), ("a", 3), ("a", 25)]).assign_timestamps_and_watermarks(strategy) \
        .key_by(lambda r: r[0]).window(TumblingEventTimeWindows.of(Time.milliseconds(10))) \
        .reduce(lambda x, y: (x[0], x[1] + y[1])).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.printed_lines() == ["('a', 3)", "('a', 46)"]

