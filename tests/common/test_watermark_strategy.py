"""``WatermarkStrategy`` and its generators: Flink's watermark arithmetic and idleness, unit-level."""
from __future__ import annotations

from typing import Any

import pytest

from flowlab.common import Duration, TimestampAssigner, WatermarkStrategy
from flowlab.common.watermark_strategy import (
    LONG_MIN,
    BoundedOutOfOrdernessWatermarks,
    NoWatermarksGenerator,
    WatermarksWithIdleness,
)


class Out:
    """Records what a generator emits."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def emit_watermark(self, watermark: int) -> None:
        self.events.append(watermark)

    def mark_idle(self) -> None:
        self.events.append("idle")

    def mark_active(self) -> None:
        self.events.append("active")


class Clock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


def test_bounded_first_candidate_is_long_min() -> None:
    """Before any event the periodic candidate is exactly Long.MIN_VALUE."""
    out = Out()
    BoundedOutOfOrdernessWatermarks(200).on_periodic_emit(out)
    assert out.events == [LONG_MIN]


def test_bounded_emits_max_minus_delay_minus_one() -> None:
    """The watermark is max timestamp - out-of-orderness - 1; older events do not lower it."""
    gen, out = BoundedOutOfOrdernessWatermarks(100), Out()
    gen.on_event("x", 1000, out)
    gen.on_event("y", 700, out)
    gen.on_periodic_emit(out)
    gen.on_event("z", 1500, out)
    gen.on_periodic_emit(out)
    assert out.events == [899, 1399]


def test_bounded_rejects_negative_delay() -> None:
    """A negative out-of-orderness is refused."""
    with pytest.raises(ValueError, match="must not be negative"):
        WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(-1))


def test_monotonous_is_max_minus_one() -> None:
    """``for_monotonous_timestamps`` emits max timestamp - 1."""
    gen = WatermarkStrategy.for_monotonous_timestamps().create_watermark_generator(Clock())
    out = Out()
    gen.on_event("a", 42, out)
    gen.on_periodic_emit(out)
    assert out.events == [41]


def test_no_watermarks_never_emits() -> None:
    """``no_watermarks`` emits nothing, neither per event nor periodically."""
    strategy = WatermarkStrategy.no_watermarks()
    gen, out = strategy.create_watermark_generator(Clock()), Out()
    gen.on_event("a", 42, out)
    gen.on_periodic_emit(out)
    assert (isinstance(gen, NoWatermarksGenerator), out.events, strategy.emits_watermarks) == (True, [], False)


def test_idleness_wraps_the_generator() -> None:
    """``with_idleness`` wraps the generator with the timeout in ms."""
    gen = (WatermarkStrategy.for_monotonous_timestamps().with_idleness(Duration.of_millis(300))
           .create_watermark_generator(Clock()))
    assert isinstance(gen, WatermarksWithIdleness)
    assert gen.idle_timeout_ms == 300


def test_idleness_needs_a_positive_timeout() -> None:
    """A zero idle timeout is refused."""
    with pytest.raises(ValueError, match="positive timeout"):
        WatermarkStrategy.for_monotonous_timestamps().with_idleness(Duration.of_millis(0))


def test_idle_only_after_timeout_strictly_exceeded() -> None:
    """Idle at the first periodic check with now - start_of_inactivity > timeout (strict)."""
    clock, out = Clock(), Out()
    gen = WatermarksWithIdleness(BoundedOutOfOrdernessWatermarks(0), 100, clock)
    gen.on_event("a", 10, out)
    for t in (0, 100, 200):          # 0: activity; 100: clock starts; 200: 200-100 = 100, not > 100
        clock.now = t
        gen.on_periodic_emit(out)
    assert out.events == [9, 9, 9]
    clock.now = 201
    gen.on_periodic_emit(out)
    assert out.events == [9, 9, 9, "idle"]


def test_idle_skips_inner_periodic_emit() -> None:
    """While idle, further periodic checks emit nothing (the inner generator is skipped)."""
    clock, out = Clock(), Out()
    gen = WatermarksWithIdleness(BoundedOutOfOrdernessWatermarks(0), 10, clock)
    for t in (0, 5, 20, 40):
        clock.now = t
        gen.on_periodic_emit(out)
    assert out.events == [LONG_MIN, LONG_MIN, "idle"]


def test_idleness_reactivates_on_next_event() -> None:
    """The next event after idleness marks the output active and resets the inactivity clock."""
    clock, out = Clock(), Out()
    gen = WatermarksWithIdleness(BoundedOutOfOrdernessWatermarks(0), 10, clock)
    for t in (0, 20):
        clock.now = t
        gen.on_periodic_emit(out)
    clock.now = 25
    gen.on_event("b", 50, out)
    gen.on_periodic_emit(out)
    assert out.events == [LONG_MIN, "idle", "active", 49]
    assert gen.start_of_inactivity is None


def test_activity_between_checks_resets_inactivity() -> None:
    """An event between two checks restarts the inactivity clock from the next quiet check."""
    clock, out = Clock(), Out()
    gen = WatermarksWithIdleness(BoundedOutOfOrdernessWatermarks(0), 10, clock)
    clock.now = 0
    gen.on_periodic_emit(out)          # starts the clock at 0
    clock.now = 8
    gen.on_event("a", 5, out)
    clock.now = 15
    gen.on_periodic_emit(out)          # activity seen: not idle, clock reset
    clock.now = 20
    gen.on_periodic_emit(out)          # clock starts at 20
    clock.now = 30
    gen.on_periodic_emit(out)          # 10, not > 10
    assert "idle" not in out.events
    clock.now = 31
    gen.on_periodic_emit(out)
    assert out.events[-1] == "idle"


class _Punctuated:
    """Emits a watermark only for records that say so (``on_event``)."""

    def on_event(self, event: Any, event_timestamp: int, output: Any) -> None:
        if event == "wm":
            output.emit_watermark(event_timestamp)

    def on_periodic_emit(self, output: Any) -> None:
        pass


def test_for_generator_builds_a_fresh_user_generator() -> None:
    """``for_generator`` calls the supplier once per generator (a new instance each time)."""
    strategy = WatermarkStrategy.for_generator(_Punctuated)
    g1, g2 = strategy.create_watermark_generator(Clock()), strategy.create_watermark_generator(Clock())
    out = Out()
    g1.on_event("x", 5, out)
    g1.on_event("wm", 7, out)
    assert (type(g1), g1 is g2, out.events) == (_Punctuated, False, [7])


def test_for_generator_accepts_a_supplier_with_context_argument() -> None:
    """A supplier taking one (context) argument is called with None."""
    seen = []

    def supplier(ctx: Any) -> _Punctuated:
        seen.append(ctx)
        return _Punctuated()

    WatermarkStrategy.for_generator(supplier).create_watermark_generator(Clock())
    assert seen == [None]


def test_with_timestamp_assigner_accepts_a_callable() -> None:
    """A callable ``(value, record_timestamp)`` becomes the assigner; the generator is kept."""
    strategy = WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(lambda v, ts: v[1] * 10)
    assert strategy.timestamp_assigner.extract_timestamp(("a", 4), LONG_MIN) == 40
    assert strategy.description == "monotonous timestamps"


def test_with_timestamp_assigner_accepts_a_timestamp_assigner() -> None:
    """A ``TimestampAssigner`` instance is used as is."""
    class Second(TimestampAssigner):
        def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
            return value[1]

    assigner = Second()
    strategy = WatermarkStrategy.no_watermarks().with_timestamp_assigner(assigner)
    assert strategy.timestamp_assigner is assigner


def test_with_timestamp_assigner_rejects_non_callables() -> None:
    """Something neither a TimestampAssigner nor callable is a TypeError."""
    with pytest.raises(TypeError, match="TimestampAssigner or a callable"):
        WatermarkStrategy.no_watermarks().with_timestamp_assigner(3)


def test_builders_keep_idleness_and_assigner() -> None:
    """Chaining builders keeps both the idle timeout and the timestamp assigner."""
    strategy = (WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(5))
                .with_idleness(Duration.of_millis(50)).with_timestamp_assigner(lambda v, ts: v))
    assert (strategy.idle_timeout_ms, strategy.timestamp_assigner.extract_timestamp(9, 0)) == (50, 9)
