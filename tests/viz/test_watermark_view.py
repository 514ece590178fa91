"""WatermarkView: channel watermarks, the combined minimum, idle channels, the holding channel named."""
from __future__ import annotations

import re

from flowlab.viz import WatermarkView
from flowlab.viz.render.watermark_html import render_watermarks, wm_text
from tests.runtime.event_time_jobs import silent_partition_job

MIN, MAX = -2**63, 2**63 - 1


def hand_made() -> dict:
    chans = [{"from": "src[0]", "watermark": 649, "idle": False, "aligned": True},
             {"from": "src[1]", "watermark": 99, "idle": False, "aligned": True},
             {"from": "src[2]", "watermark": MIN, "idle": True, "aligned": False}]
    return {"step": 5, "event_time": {
        "subtasks": [{"vertex": "w", "subtask": 0, "name": "Window", "inputs": [
            {"input": 1, "combined": 99, "idle": False, "holding_back": "src[1]", "channels": chans}],
            "operators": [{"id": "n2", "name": "Window", "watermark": 99}]}],
        "generators": [{"vertex": "src", "subtask": 1, "operator": "n1", "name": "Source: events", "kind": "source",
                        "watermark": 99, "strategy": True, "idle": False, "max_timestamp": 150, "finished": False,
                        "splits": [{"split": 1, "read": 3, "total": 3, "last_timestamp": 120,
                                    "next_arrival_ms": None}]},
                       {"vertex": "src", "subtask": 2, "operator": "n1", "name": "Source: events", "kind": "source",
                        "watermark": MAX, "strategy": True, "idle": False, "finished": True, "splits": None}]}}


def test_wm_text_labels_ms_and_long_extremes() -> None:
    """Every time value has its unit; Long.MIN/MAX are named."""
    assert [wm_text(x) for x in (MIN, MAX, 0, 12)] == ["Long.MIN_VALUE", "Long.MAX_VALUE", "0 ms", "12 ms"]


def test_hand_made_snapshot_shows_channels_minimum_idle_and_holder() -> None:
    """Each channel's value, the combined minimum, the idle channel, and the holding channel with its source."""
    html = render_watermarks(hand_made())
    assert re.findall(r'class="flowlab-wm-channel">([^<]+)<', html) == ["649 ms", "99 ms", "Long.MIN_VALUE"]
    assert re.findall(r'class="flowlab-wm-combined">([^<]+)<', html) == ["99 ms"]
    assert "IDLE — left out" in html
    row = html[html.index("◀ holding the watermark back") - 900:html.index("◀ holding the watermark back")]
    assert "src[1]" in row and "src[0]" not in row
    assert "partition 1, max event time 150 ms, p1 last event 120 ms, p1 has no more data" in html
    assert "Long.MAX_VALUE" in html and "finished" in html


def test_all_idle_input_and_empty_snapshot() -> None:
    """An input whose channels are all idle says so; a snapshot without event time renders a note."""
    snap = hand_made()
    inp = snap["event_time"]["subtasks"][0]["inputs"][0]
    inp["idle"] = True
    for c in inp["channels"]:
        c["idle"] = True
    html = render_watermarks(snap)
    assert "all inputs idle" in html and "holding the watermark back" not in html
    assert "No subtasks yet" in render_watermarks({})


def test_real_run_names_the_silent_partition_channel() -> None:
    """Two partitions, one silent: both window subtasks are held back by the channel from source subtask 1."""
    sim = silent_partition_job()
    sim.run(until_ms=900)
    view = WatermarkView(sim)
    html = view.html.value
    assert html.count("◀ holding the watermark back") == 2
    for card in html.split('class="flowlab-wm-subtask"')[1:]:
        held = card[:card.index("◀ holding")]
        assert held.rindex("v1[1]") > held.rindex("v1[0]")
    assert "p1 has no more data" in html


def test_real_run_with_idleness_shows_the_idle_channel() -> None:
    """With with_idleness the silent partition's channel is marked idle and left out of the minimum."""
    sim = silent_partition_job(idle_ms=300)
    sim.run(until_ms=900)
    html = render_watermarks(sim.snapshot())
    assert html.count("IDLE — left out") == 2
    assert 'class="flowlab-wm-idle"' in html
    assert re.findall(r'class="flowlab-wm-combined">([^<]+)<', html) == ["749 ms", "749 ms"]


def _one_input(*channels: tuple[str, int, bool]) -> dict:
    chans = [{"from": f, "watermark": wm, "idle": idle, "aligned": True} for f, wm, idle in channels]
    active = [c for c in chans if not c["idle"]]
    low = min(active, key=lambda c: c["watermark"]) if active else None
    return {"step": 1, "event_time": {"generators": [], "subtasks": [{
        "vertex": "w", "subtask": 0, "name": "Window", "operators": [{"id": "n2", "name": "Window", "watermark": 0}],
        "inputs": [{"input": 1, "combined": low["watermark"] if low else MIN, "idle": not active,
                    "holding_back": low["from"] if low else None, "channels": chans}]}]}}


def test_the_only_active_channel_is_not_marked_as_holding() -> None:
    """One active channel and one idle: the active one sets the watermark but holds nothing back."""
    html = render_watermarks(_one_input(("src[0]", 500, False), ("src[1]", MIN, True)))
    assert "holding the watermark back" not in html


def test_channels_all_at_long_max_are_not_marked() -> None:
    """After the job finished every channel is at Long.MAX_VALUE: no channel is marked."""
    html = render_watermarks(_one_input(("src[0]", MAX, False), ("src[1]", MAX, False)))
    assert "holding the watermark back" not in html


def test_equal_channels_are_not_marked() -> None:
    """Two active channels at the same watermark: nothing is held back."""
    assert "holding the watermark back" not in render_watermarks(_one_input(("a[0]", 7, False), ("a[1]", 7, False)))


def test_a_channel_below_another_active_one_is_marked() -> None:
    """The channel at the minimum below another active channel is marked, once."""
    html = render_watermarks(_one_input(("a[0]", 700, False), ("a[1]", 300, False), ("a[2]", MIN, True)))
    assert html.count("◀ holding the watermark back") == 1
    row = html[:html.index("◀ holding the watermark back")]
    assert row.rindex("a[1]") > row.rindex("a[0]")


def test_a_finished_run_marks_no_channel() -> None:
    """The silent-partition job run to its end: every channel at Long.MAX_VALUE, nothing marked."""
    sim = silent_partition_job()
    sim.run()
    assert sim.done
    assert "holding the watermark back" not in WatermarkView(sim).html.value
