"""WindowView: windows per key on the event-time axis, firings, lateness region, and the late-records panel."""
from __future__ import annotations

import re
from html import unescape

from flowlab.viz import WindowView
from flowlab.viz.render.late_html import render_late_records
from flowlab.viz.render.window_svg import render_windows
from tests.runtime.event_time_jobs import late_job, silent_partition_job


def hand_made() -> dict:
    return {"event_time": {"windows": [{
        "vertex": "w", "subtask": 0, "operator": "n2", "name": "Window(TumblingEventTimeWindows(10))",
        "event_time": True, "trigger": "EventTimeTrigger", "allowed_lateness": 5, "late_side_output": None,
        "watermark": 39, "fires": 3, "late_records_dropped": 1,
        "windows": [{"key": "k", "start": 40, "end": 50, "max_timestamp": 49, "window": "[40, 50)",
                     "cleanup_time": 54, "elements": 1, "late_accepted": 0, "fires": [], "aggregate": "('k', 40)",
                     "contents": None}],
        "closed": [{"key": "k", "start": 0, "end": 10, "max_timestamp": 9, "window": "[0, 10)", "elements": 2,
                    "late_accepted": 1, "fires": [{"time_ms": 16.0, "watermark": 11}, {"time_ms": 21.0, "watermark": 11}],
                    "cleaned_ms": 36.0, "cleaned_watermark": 39}],
        "late": [{"key": "k", "value": "('k', 1)", "timestamp": 1, "watermark": 39, "allowed_lateness": 5,
                  "side_output": None, "time_ms": 41.0, "windows": ["[0, 10)"], "reason": "..."}]}]}}


def test_windows_drawn_per_key_with_firings_and_lateness() -> None:
    """Open and closed windows of key 'k', the re-firing mark, the lateness region and the dropped record."""
    svg = unescape(render_windows(hand_made()))
    assert re.findall(r'data-window="([^"]+)"', svg) == ["[0, 10)", "[40, 50)"]
    assert "fired at t=16 ms, watermark 11 ms; re-fired at t=21 ms, watermark 11 ms" in svg
    assert "✓↻ wm 11 ms" in svg
    assert "allowed lateness: [50, 55) ms" in svg
    assert "late record ('k', 1) @ 1 ms, arrived at t=41 ms; watermark 39 ms; dropped" in svg
    assert "watermark of subtask 0: 39 ms" in svg
    assert svg.startswith("<svg")


def test_late_panel_lists_every_record_with_its_watermark() -> None:
    """Each late record is a row: key, value, event time, watermark then, lateness, where it went."""
    html = render_late_records(hand_made())
    (row,) = re.findall(r'<tr class="flowlab-late-row">(.*?)</tr>', html)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[1:8] == ["t = 41 ms", "w[0]", "&#x27;k&#x27;", "(&#x27;k&#x27;, 1)", "1 ms", "39 ms", "5 ms"]
    assert "dropped" in cells[9]
    assert 'class="flowlab-late-count">1<' in html


def test_no_window_operator() -> None:
    """Jobs without windows get a note, not an error."""
    assert "No window operator" in render_windows({})
    assert "No late record so far" in render_late_records({})


def test_real_run_late_records_side_output_and_refire() -> None:
    """allowed lateness 5: [0, 10) re-fires for ts 3; ts 1 after watermark 39 goes to the side output."""
    sim = late_job(lateness=5, side_output=True)
    sim.run()
    view = WindowView(sim)
    assert "✓↻" in view.svg.value
    assert "side output &#x27;late&#x27;" in view.late.value and "39 ms" in view.late.value


def test_real_run_shows_both_keys_of_the_silent_partition_job() -> None:
    """Keys 'a' and 'b' each get a lane; their first window is open (not fired) while the watermark is stuck."""
    sim = silent_partition_job()
    sim.run(until_ms=900)
    svg = render_windows(sim.snapshot())
    assert re.findall(r'data-key="([^"]+)"', svg) == ["a", "b"]
    assert "[0, 500) key &#x27;b&#x27;: 3 element(s)" in svg and "not fired" in svg
