"""Breakpoints on event time: a window fires, a watermark passes T, a record is late."""
from __future__ import annotations

import pytest

from tests.runtime.event_time_jobs import WINDOW, late_job, silent_partition_job


def test_break_on_window_fire_for_one_key() -> None:
    """run() stops right after the step in which key 'k''s window [10, 20) fires."""
    sim = late_job()
    sim.break_on("window_fire", key="k", window_start=10)
    last = sim.run()
    fires = [e for e in last if e.kind == "window_fire"]
    assert [(e.data["window_start"], e.data["fire"]) for e in fires] == [(10, 1)]
    assert sim.stopped_by is not None
    assert sim.step_count == fires[0].step


def test_break_on_watermark_passes() -> None:
    """The window vertex's watermark (min over subtasks) crosses 400 exactly in the step run() stops at."""
    sim = silent_partition_job(idle_ms=300)
    sim.break_on("watermark", vertex=WINDOW, passes=400)
    sim.run()
    assert sim.current_watermark(WINDOW) >= 400
    sim.back(1)
    assert sim.current_watermark(WINDOW) < 400


def test_break_on_watermark_of_one_subtask_and_by_prefix() -> None:
    """break_on_watermark takes a unique name prefix and a subtask; an unknown name fails at once."""
    sim = silent_partition_job(idle_ms=300)
    sim.break_on_watermark("Window", 600, subtask=1)
    sim.run()
    assert sim.current_watermark("Window", subtask=1) >= 600
    with pytest.raises(KeyError, match="no vertex or operator"):
        sim.break_on_watermark("Nope", 1)
    with pytest.raises(ValueError, match="passes=T"):
        sim.break_on("window_fire", passes=3)


def test_a_stuck_watermark_never_triggers_the_breakpoint_until_the_end() -> None:
    """Without idleness the silent partition holds the watermark until the input ends (MAX)."""
    sim = silent_partition_job()
    sim.break_on_watermark(WINDOW, 400)
    sim.run()
    assert sim.current_watermark(WINDOW) == 2**63 - 1
    assert sim.now_ms >= 1500


def test_break_on_late_record() -> None:
    """run() stops at the first late record; its data names the watermark that made it late."""
    sim = late_job()
    sim.break_on("late_record")
    last = sim.run()
    (late,) = [e for e in last if e.kind == "late_record"]
    assert (late.data["timestamp"], late.data["watermark"], late.data["key"]) == (3, 11, "k")
    assert late.data["value"] == "('k', 3)"
