"""render_status and the event-log HTML: the numbers the browser test reads, escaped text, short lists."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from flowlab.viz import render_event_log, render_status
from flowlab.viz.render.events_html import render_last_events, where


def span(html: str, css: str) -> str:
    m = re.search(rf'<span class="{css}">([^<]*)</span>', html)
    assert m, f"no span.{css} in {html}"
    return m.group(1)


def test_status_has_step_count_and_records_total(snapshot_factory):
    """step and the sum of records_in over all task subtasks, as plain integers."""
    html = render_status(snapshot_factory(step=7))
    assert span(html, "flowlab-step-count") == "7"
    assert span(html, "flowlab-records-total") == str(21 + 0 + 21)


def test_status_shows_records_emitted_by_sources(snapshot_factory):
    """Next to records in (0 for a source task), the records the sources emitted: records_out of source operators."""
    html = render_status(snapshot_factory(step=7))
    assert span(html, "flowlab-records-emitted") == "21"
    assert 'title="records every task received from another task (numRecordsIn; a source task receives none)"' in html


def test_status_is_well_formed_markup(snapshot):
    """The status line parses as XML (so it is balanced and escaped)."""
    ET.fromstring(render_status(snapshot))


def test_status_shows_virtual_time_in_ms_and_job_status(snapshot_factory):
    """Time is always labelled in ms; the job status is shown."""
    html = render_status(snapshot_factory(step=3))
    assert 't = <span class="flowlab-time-ms">4.5</span> ms' in html
    assert ">RUNNING</span>" in html
    assert "t = <span class=\"flowlab-time-ms\">0</span> ms" in render_status(snapshot_factory(step=0))


def test_status_marks_done_and_escapes_failures(snapshot_factory):
    """A finished job says so; a failure message is shown escaped."""
    assert "flowlab-done" in render_status(snapshot_factory(done=True))
    snap = snapshot_factory()
    snap["job"].update(status="FAILED", failure="boom <script>&")
    html = render_status(snap)
    assert "boom &lt;script&gt;&amp;" in html and "<script>" not in html


def test_status_lists_last_step_events(snapshot_factory):
    """The last step's events appear with kind, vertex[subtask] and detail."""
    html = render_status(snapshot_factory(step=2))
    assert "process" in html and "v2[0] · Sink: Print to Std. Out" in html and "record #2" in html
    assert "no events in this step" in render_status(snapshot_factory(step=0))


def test_status_keeps_only_the_latest_step_of_a_batch(snapshot_factory):
    """After sim.step(n) the snapshot may carry n steps of events; the status shows the last step's."""
    snap = snapshot_factory(step=3)
    snap["last_events"] = [{"step": s, "kind": "process", "vertex": "v1", "subtask": 0, "detail": f"at {s}"}
                           for s in (1, 2, 3, 3)]
    html = render_status(snap)
    assert html.count("at 3") == 2 and "at 2" not in html


def test_last_events_list_is_short():
    """More than ``limit`` events collapse into a count."""
    events = [{"step": 1, "kind": "process", "vertex": "v1", "subtask": 0, "detail": str(i)}
              for i in range(9)]
    html = render_last_events(events, limit=4)
    assert html.count("<li") == 5 and "… and 5 more" in html


def test_where_formats_vertex_subtask_and_operator():
    """where() reads like the job graph: v1[0] · operator."""
    assert where({"vertex": "v1", "subtask": 0}) == "v1[0]"
    assert where({"vertex": "v1", "subtask": None}) == "v1"
    assert where({"vertex": None}) == ""
    assert where({"vertex": "v1", "subtask": 2, "operator": "Map"}) == "v1[2] · Map"
    assert where({"vertex": "v1", "subtask": 2, "operator": "n2"}, {"n2": "FlatMap"}) == "v1[2] · FlatMap"


def test_event_log_shows_the_most_recent_rows():
    """Only the last ``limit`` events, with step, time in ms, kind, where and detail columns."""
    events = [{"step": i, "time_us": 1500 * i, "kind": "process", "vertex": "v1", "subtask": 0,
               "detail": f"e{i}"} for i in range(1, 21)]
    html = render_event_log(events, limit=12)
    ET.fromstring(html)
    assert html.count("<tr") == 13  # header + 12
    assert ">e8<" not in html and ">e9<" in html and ">e20<" in html
    assert ">30<" in html  # 30000 µs -> 30 ms
    for head in ("step", "t (ms)", "kind", "where", "detail"):
        assert f">{head}</th>" in html


def test_event_log_escapes_details_and_handles_no_events():
    """Details are escaped; an empty log says so."""
    html = render_event_log([{"step": 1, "time_us": 0, "kind": "sink", "detail": "<b>&"}])
    assert "&lt;b&gt;&amp;" in html
    assert "no events yet" in render_event_log([])
