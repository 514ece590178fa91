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


def test_records_behind_the_watermark_are_late() -> None:
    """A process record whose event time is <= its subtask's combined watermark on arrival is marked late."""
    events = [ev(1, 1, "process", "w", "('k', 5) @5"),
              ev(2, 2, "watermark", "w", "", {"combined": 10}),
              ev(3, 3, "process", "w", "('k', 10) @10"),          # == watermark: late
              ev(4, 4, "process", "w", "('k', 11) @11"),          # on time
              ev(5, 5, "process", "w", "('k', 3) @3", subtask=1),  # subtask 1 has no watermark yet: on time
              ev(6, 6, "watermark", "w", "", {"combined": 20}, subtask=1),
              ev(7, 7, "process", "w", "('k', 4) @4", subtask=1)]
    assert event_time_series(events, "w")["behind"] == [(3.0, 10), (7.0, 4)]


def test_lesson03_probe_marks_the_two_late_records() -> None:
    """Lesson 03's first experiment: records 900 and 50 (late in the lesson's table) get the late marker and
    a legend entry in the SVG."""
    import flowlab
    from flowlab.common import Duration, Types, WatermarkStrategy
    from flowlab.datastream import KeyedProcessFunction, StreamExecutionEnvironment
    from flowlab.sources import ScriptedSource

    class Probe(KeyedProcessFunction):
        def process_element(self, value, ctx):
            yield ctx.timestamp(), ctx.timer_service().current_watermark()

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.get_config().set_auto_watermark_interval(5)
    env.set_buffer_timeout(0)
    times = [100, 500, 300, 1200, 900, 1199, 2500, 50, 3000]
    src = ScriptedSource([(i * 50, ("k", ts), ts) for i, ts in enumerate(times)])
    env.from_source(src, WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(200)), "events") \
       .key_by(lambda r: r[0], key_type=Types.STRING()).process(Probe()).print()
    sim = flowlab.Simulation(env)
    sim.run()
    view = EventTimeView(sim, vertex="v2")
    assert [p[1] for p in view.series["behind"]] == [900, 50]
    html = view.html.value
    marker = html[html.index('<g class="flowlab-late-marker"'):]
    assert marker[:marker.index("</g>")].count("<use ") == 2
    assert "late record (event time ≤ watermark on arrival)" in html
