"""Window arithmetic and assigner validation (Flink's ``TimeWindow`` and assigners, docs/flink-rules.md §2)."""
from __future__ import annotations

import pytest

from flowlab.common import Duration, Time
from flowlab.datastream.window import (
    CountTrigger,
    EventTimeSessionWindows,
    GlobalWindow,
    SlidingEventTimeWindows,
    TimeWindow,
    TriggerResult,
    TumblingEventTimeWindows,
)


@pytest.mark.parametrize("ts, offset, size, start", [
    (0, 0, 1000, 0), (999, 0, 1000, 0), (1000, 0, 1000, 1000), (-1, 0, 1000, -1000),
    (-1000, 0, 1000, -1000), (-1001, 0, 1000, -2000), (150, 100, 1000, 100), (50, 100, 1000, -900),
    (50, -100, 1000, -100), (-2**62, 0, 7, -2**62 - ((-2**62) % 7)),
])
def test_window_start_with_offset(ts: int, offset: int, size: int, start: int) -> None:
    """Start is ts - ((ts - offset) % size), also for negative timestamps."""
    assert TimeWindow.get_window_start_with_offset(ts, offset, size) == start


def test_max_timestamp_is_end_minus_one() -> None:
    """A window [start, end) ends at max_timestamp = end - 1; a global window at Long.MAX."""
    assert TimeWindow(0, 1000).max_timestamp() == 999
    assert GlobalWindow().max_timestamp() == 2**63 - 1


def test_tumbling_accepts_time_duration_and_int() -> None:
    """Sizes may be Time, Duration or int ms."""
    for size in (Time.milliseconds(1000), Duration.of_millis(1000), 1000):
        assert TumblingEventTimeWindows.of(size).assign_windows(None, 1500, None) == [TimeWindow(1000, 2000)]


def test_sliding_windows_newest_first() -> None:
    """Sliding assignment lists windows from the newest start while start > ts - size."""
    ws = SlidingEventTimeWindows.of(1000, 500).assign_windows(None, 100, None)
    assert ws == [TimeWindow(0, 1000), TimeWindow(-500, 500)]
    ws = SlidingEventTimeWindows.of(1000, 300).assign_windows(None, 1000, None)
    assert ws == [TimeWindow(900, 1900), TimeWindow(600, 1600), TimeWindow(300, 1300)]


def test_event_time_assigner_needs_timestamp() -> None:
    """No timestamp: Flink's 'Record has Long.MIN_VALUE timestamp' error."""
    with pytest.raises(RuntimeError, match="Long.MIN_VALUE timestamp"):
        TumblingEventTimeWindows.of(10).assign_windows("x", None, None)


@pytest.mark.parametrize("make", [
    lambda: TumblingEventTimeWindows.of(0), lambda: TumblingEventTimeWindows.of(-5),
    lambda: TumblingEventTimeWindows.of(10, 10), lambda: TumblingEventTimeWindows.of(10, -10),
    lambda: SlidingEventTimeWindows.of(10, 0), lambda: SlidingEventTimeWindows.of(10, 5, 5),
    lambda: EventTimeSessionWindows.with_gap(0),
])
def test_invalid_parameters_rejected(make) -> None:
    """size/slide <= 0, |offset| >= size (or slide) and gap <= 0 are errors."""
    with pytest.raises(ValueError):
        make()


def test_touching_windows_intersect_and_merge() -> None:
    """Session windows exactly gap apart merge; one more ms apart they do not."""
    merged = TimeWindow.merge_windows([TimeWindow(0, 10), TimeWindow(10, 20)])
    assert merged == [(TimeWindow(0, 20), [TimeWindow(0, 10), TimeWindow(10, 20)])]
    assert TimeWindow.merge_windows([TimeWindow(0, 10), TimeWindow(11, 21)]) == []


def test_trigger_result_flags() -> None:
    """FIRE_AND_PURGE both fires and purges."""
    assert TriggerResult.FIRE_AND_PURGE.is_fire() and TriggerResult.FIRE_AND_PURGE.is_purge()
    assert not TriggerResult.CONTINUE.is_fire()
    with pytest.raises(ValueError):
        CountTrigger.of(0)
