"""The explainer: "why hasn't this window fired?" and "why is my watermark stuck?", on real runs and snapshots."""
from __future__ import annotations

import copy

import pytest

from flowlab.runtime.simulation.explain import explain_watermark, explain_window, fmt_ms
from tests.runtime.event_time_jobs import WINDOW, late_job, silent_partition_job


def test_fmt_ms_spells_out_long_min_and_max() -> None:
    """Times carry their unit; Long.MIN/MAX are named, not printed as 19-digit numbers."""
    assert (fmt_ms(-2**63), fmt_ms(2**63 - 1), fmt_ms(99), fmt_ms(1.5)) == (
        "Long.MIN_VALUE", "Long.MAX_VALUE", "99 ms", "1.5 ms")


def test_waiting_window_names_the_silent_partition() -> None:
    """A window waits for its max timestamp; the silent partition's channel and split are named."""
    sim = silent_partition_job()
    sim.run(until_ms=900)
    ans = sim.explain_window("a", 0, 500)
    assert ans.status == "waiting"
    assert ans.facts["waits_for"] == 499 and ans.facts["watermark"] == 99
    assert ans.facts["holding_back"] == "v1[1]"
    assert ans.facts["partitions"] == [1] and ans.facts["quiet"] is True and ans.facts["idle"] is False
    text = str(ans)
    assert "max timestamp 499 ms" in text and "current watermark is 99 ms" in text
    assert "channel v1[1] holds it back at 99 ms" in text and "v1[0] at 749 ms" in text
    assert "reading partition 1" in text and "150 - 50 - 1 = 99 ms" in text
    assert "with_idleness" in text


def test_with_idleness_the_idle_channel_is_left_out() -> None:
    """With with_idleness the silent partition is idle: the window waits on the active one, then fires."""
    sim = silent_partition_job(idle_ms=300)
    sim.run(until_ms=900)
    ans = sim.explain_window("a", 500, 1000)
    assert ans.status == "waiting" and ans.facts["holding_back"] == "v1[0]"
    assert "idle, left out: v1[1]" in str(ans)
    why = sim.explain_watermark("v1", 1)
    assert why.status == "idle" and "IDLE" in str(why)


def test_fired_window_tells_when_and_at_which_watermark() -> None:
    """A fired window (with allowed lateness, still open) reports the firing and the re-firing for late data."""
    sim = late_job(lateness=5)
    sim.run(until_ms=25)
    ans = sim.explain_window("k", 0, 10)
    assert ans.status == "fired"
    assert [f["watermark"] for f in ans.facts["fires"]] == [11, 11]
    assert "fired at t = 16 virtual ms when the watermark reached 11 ms" in str(ans)
    assert "re-fired for late data at t = 21 virtual ms" in str(ans)
    assert "cleanup time 14 ms" in str(ans)


def test_cleaned_window_and_its_late_records() -> None:
    """After cleanup the answer says so, and lists the late records with the watermark that made them late."""
    sim = late_job(lateness=0)
    sim.run()
    ans = sim.explain_window("k", 0, 10)
    assert ans.status == "cleaned_up"
    assert "cleaned up at t = 16 virtual ms when the watermark reached 11 ms" in str(ans)
    assert "('k', 3) @ 3 ms arrived at t = 21 virtual ms when the watermark was 11 ms" in str(ans)
    assert "were dropped" in str(ans)


def test_window_known_only_from_late_records() -> None:
    """A window whose only records came late is explained by those records (history of closed windows gone)."""
    sim = late_job(lateness=0, side_output=True)
    sim.run()
    snap = copy.deepcopy(sim.snapshot())
    for w in snap["event_time"]["windows"]:
        w["closed"] = []
    ans = explain_window(snap, "k", 0, 10)
    assert ans.status == "late"
    assert "side output 'late'" in str(ans) and "watermark was 39 ms" in str(ans)


def test_window_not_opened_and_unknown_operator() -> None:
    """A window nobody wrote to is 'not_opened'; a vertex filter matching no window operator is an error."""
    sim = silent_partition_job()
    sim.run(until_ms=300)
    assert sim.explain_window("zzz", 0, 500, vertex=WINDOW).status == "not_opened"
    with pytest.raises(ValueError, match="no window operator"):
        sim.explain_window("a", 0, 500, vertex="nope")


def test_explainer_on_a_hand_made_snapshot() -> None:
    """Pure function: a hand-written snapshot is enough (all inputs idle is reported as such)."""
    snap = {"now_ms": 10, "event_time": {
        "subtasks": [{"vertex": "w", "subtask": 0, "name": "Window", "inputs": [
            {"input": 1, "combined": 5, "idle": True, "holding_back": None,
             "channels": [{"from": "s[0]", "watermark": 5, "idle": True, "aligned": False}]}],
            "operators": [{"id": "n2", "name": "Window", "watermark": 5}]}],
        "generators": [],
        "windows": [{"vertex": "w", "subtask": 0, "operator": "n2", "name": "Window", "event_time": True,
                     "trigger": "EventTimeTrigger", "allowed_lateness": 0, "late_side_output": None,
                     "watermark": 5, "windows": [{"key": "x", "start": 0, "end": 10, "max_timestamp": 9,
                                                  "window": "[0, 10)", "cleanup_time": 9, "fires": []}],
                     "closed": [], "late": []}]}}
    ans = explain_window(snap, "x", 0)
    assert ans.status == "waiting" and "Every input channel of w[0] is idle" in str(ans)
    assert explain_watermark(snap, "w", 0).status == "all_idle"
