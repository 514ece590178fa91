"""WindowView: windows per key on the event-time axis, firings, lateness region, and the late-records panel."""
from __future__ import annotations

import re
from html import unescape

from flowlab.viz import WindowView
from flowlab.viz.render.late_html import render_late_records
from flowlab.viz.render.window_contents_html import render_window_contents
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
    assert "fired at t=16 ms, watermark 11 ms\nre-fired at t=21 ms, watermark 11 ms" in svg
    assert "✓↻ wm 11 ms" in svg and "cleaned up at t=36 ms" in svg
    assert "allowed lateness of [40, 50): [50, 55) ms" in svg and "allowed lateness of [0, 10): [10, 15) ms" in svg
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
    assert "window [0, 500) of key &#x27;b&#x27;: 3 element(s)" in svg and "not fired" in svg


def _no_lateness() -> dict:
    snap = hand_made()
    snap["event_time"]["windows"][0]["allowed_lateness"] = 0
    return snap


def test_lateness_band_and_legend_only_with_allowed_lateness() -> None:
    """allowed lateness 5: a band per window (also cleaned-up ones) and a legend entry; 0: neither."""
    with_band = render_windows(hand_made())
    assert with_band.count('<rect class="flowlab-lateness"') == 2 and "▨ allowed lateness" in with_band
    without = render_windows(_no_lateness())
    assert "flowlab-lateness\"" not in without.replace('id="flowlab-lateness"', "") and "allowed lateness</tspan>" \
        not in without


def test_legend_names_only_marks_that_appear() -> None:
    """A dropped late record puts ✕ in the legend; no side output record, no ▲."""
    svg = render_windows(hand_made())
    assert "✕ dropped" in svg and "▲ side output" not in svg


def test_title_is_not_clipped() -> None:
    """A long operator name is wrapped over lines, never cut with an ellipsis; details on their own line."""
    snap = hand_made()
    name = "Window(SlidingEventTimeWindows(10000, 500), EventTimeTrigger, ProcessWindowFunction(my_very_long_name))"
    snap["event_time"]["windows"][0]["name"] = name
    svg = unescape(render_windows(snap))
    title = svg[svg.index('<g class="flowlab-windows-title">'):svg.index("</g>")]
    lines = re.findall(r'font-weight="600" fill="[^"]+">([^<]+)</text>', title)
    assert " ".join(lines).replace("( ", "(") == name and "…" not in title
    assert "allowed lateness 5 ms · late data is dropped · watermark 39 ms" in title


def test_fired_windows_are_drawn_in_readable_green() -> None:
    """A fired window (even cleaned up) has the fired green stroke and dark text, not the grey of a dead one."""
    svg = render_windows(hand_made())
    closed = svg[svg.index('data-window="[0, 10)"'):]
    closed = closed[:closed.index("</g>")]
    assert 'stroke="#2f9e6e"' in closed and 'fill="#17633f"' in closed


def test_contents_table_lists_what_each_firing_held() -> None:
    """The table has one row per window; a closed window shows what it fired with at each firing."""
    snap = hand_made()
    snap["event_time"]["windows"][0]["closed"][0]["fires"] = [
        {"time_ms": 16.0, "watermark": 11, "contents": ["('k', 3)"], "contents_total": 1},
        {"time_ms": 21.0, "watermark": 11, "contents": ["('k', 3)", "('k', 4)"], "contents_total": 2}]
    html = unescape(render_window_contents(snap))
    rows = re.findall(r'<tr class="flowlab-window-row" data-key="k" data-window="([^"]+)">', html)
    assert rows == ["[0, 10)", "[40, 50)"]
    assert "fired 2×, cleaned up" in html and "open" in html
    assert "t = 16 ms, wm 11 ms: ('k', 3)<br>t = 21 ms, wm 11 ms: ('k', 3), ('k', 4)" in html
    assert "('k', 40)" in html


def test_real_run_shows_contents_of_windows_already_cleaned_up() -> None:
    """late_job run to the end: every window is gone, yet the table lists what each one fired with."""
    sim = late_job(lateness=5, side_output=True)
    sim.run()
    view = WindowView(sim)
    html = unescape(view.contents.value)
    assert html.count('class="flowlab-window-row"') >= 2 and "cleaned up" in html and ": (" in html
