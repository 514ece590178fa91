"""EventTimeView: records, watermark steps and late records extracted from the trace, drawn by matplotlib."""
from __future__ import annotations

from flowlab.viz import Dashboard, EventTimeView
from flowlab.viz.event_time_view import EventTimePanel, has_event_time
from flowlab.viz.render.watermark_plot import event_time_series
from tests.runtime.event_time_jobs import late_job
from tests.viz.helpers import finish

MAX = 2**63 - 1


def ev(step: int, t: float, kind: str, vertex: str, detail: str = "", data: dict | None = None,
       subtask: int = 0) -> dict:
    return {"step": step, "time_ms": t, "kind": kind, "vertex": vertex, "subtask": subtask, "detail": detail,
            "data": data or {}}


def test_series_from_hand_made_events() -> None:
    """process '@ts' at the vertex → records; combined watermarks → steps; late_record → late points."""
    events = [ev(1, 0, "source_emit", "s", "('k', 1) @1"),
              ev(2, 1, "process", "w", "('k', 1) @1"),
              ev(3, 5, "watermark", "w", "", {"combined": -2**63}),
              ev(4, 6, "watermark", "w", "", {"combined": 11}),
              ev(5, 7, "watermark", "w", "", {"combined": 11}),
              ev(6, 8, "window_fire", "w", "", {"max_timestamp": 9}),
              ev(7, 9, "late_record", "w", "", {"timestamp": 3, "side_output": True}),
              ev(8, 9, "window_fire", "w", "", {"max_timestamp": MAX})]
    s = event_time_series(events)
    assert s["vertex"] == "w"
    assert s["records"] == [(1.0, 1)] and s["emitted"] == [(0.0, 1)]
    assert s["watermarks"] == {0: [(6.0, 11)]}
    assert s["late"] == [(9.0, 3, True)] and s["fires"] == [(8.0, 9)]


def test_view_on_a_real_run_draws_an_svg_with_ms_axes() -> None:
    """The plot marks the dropped records and labels both axes in ms."""
    sim = late_job()
    sim.run()
    view = EventTimeView(sim)
    assert [p[1] for p in view.series["late"]] == [3, 1]
    html = view.html.value
    assert "<svg" in html and "processing time (virtual ms)" in html and "event time (ms)" in html
    assert "late record: dropped" in html and "Long.MAX_VALUE" in html


def test_hidden_view_defers_drawing() -> None:
    """While not visible, refresh only remembers the snapshot; showing the view draws it."""
    sim = late_job()
    view = EventTimeView(sim)
    view.visible = False
    sim.run()
    view.refresh()
    assert view.series["late"] == []
    view.visible = True
    assert len(view.series["late"]) == 2


def test_dashboard_gets_event_time_tabs_for_event_time_jobs(fake_sim) -> None:
    """A job with watermarks shows the tabs; the fake job without event time keeps them hidden."""
    dash = Dashboard(late_job())
    panel = next(v for v in dash.views if isinstance(v, EventTimePanel))
    assert panel.widget.layout.display == "flex"
    dash.run_to_end()
    finish(dash)
    assert "holding" in panel.watermarks.html.value or "Watermark generators" in panel.watermarks.html.value
    panel.tabs.selected_index = 2
    assert "late record" in panel.windows.svg.value
    plain = Dashboard(fake_sim)
    assert next(v for v in plain.views if isinstance(v, EventTimePanel)).widget.layout.display == "none"
    assert not has_event_time({})
