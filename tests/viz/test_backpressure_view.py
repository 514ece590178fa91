"""BackpressureView and its pure renderers, on hand-written snapshots (no runtime, no Jupyter)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import ipywidgets as widgets

from flowlab.viz import BackpressureView, Dashboard
from flowlab.viz.render.backpressure_chart import RatioChart, ratio_series, render_ratio_chart
from flowlab.viz.render.backpressure_html import (
    LEVEL_TINT,
    level_tints,
    render_backpressure_graph,
    render_bottleneck,
    render_channels,
    render_subtask_table,
)


def _sub(v: str, i: int, level: str, busy: float, bp: float, sampled: float | None = 0.5) -> dict:
    return {"vertex": v, "subtask": i, "backpressured": bp > 500, "out_pool_usage": 1.0 if bp else 0.0,
            "in_pool_usage": 0.5, "level": level, "vertex_level": level, "bp_ms": bp, "busy_ms": busy,
            "idle_ms": 1000 - busy - bp, "sampled_ratio": sampled, "records_in_per_s": 100.0,
            "records_out_per_s": 90.0}


def _with_bp(snapshot: dict, bottleneck: bool = True) -> dict:
    snap = dict(snapshot)
    snap["backpressure"] = {
        "window_ms": 1000,
        "subtasks": [_sub("v1", 0, "HIGH", 10, 990), _sub("v1", 1, "LOW", 500, 300), _sub("v2", 0, "OK", 995, 0)],
        "vertices": [{"id": "v1", "name": "src", "level": "HIGH", "bp_ms": 990, "busy_ms": 500, "busiest": 1},
                     {"id": "v2", "name": "sink", "level": "OK", "bp_ms": 0, "busy_ms": 995, "busiest": 0}],
        "channels": [{"edge": 0, "source": "v1", "target": "v2", "from": i, "to": 0, "out_buffers": 10 - i,
                      "out_capacity": 10, "credit": i, "backlog": 3 - i, "in_flight": 0, "in_buffers": 4,
                      "in_capacity": 6, "exclusive": 2, "floating": 4} for i in range(2)],
        "bottleneck": {"vertex": "v2", "subtask": 0, "busyTimeMsPerSecond": 995.0, "upstream": ["v1"]}
        if bottleneck else None,
        "history": {"time_ms": [100.0, 200.0, 300.0],
                    "vertices": {"v1": {"busy": [10, 10, 10], "bp": [0, 800, 990], "idle": [990, 190, 0]},
                                 "v2": {"busy": [900, 995, 995], "bp": [0, 0, 0], "idle": [100, 5, 5]}}},
    }
    return snap


def test_level_tints_colour_each_subtask_by_level(snapshot_factory):
    """v1: HIGH and LOW rows, v2: OK."""
    tints = level_tints(_with_bp(snapshot_factory()))
    assert tints == {"v1": [LEVEL_TINT["HIGH"], LEVEL_TINT["LOW"]], "v2": [LEVEL_TINT["OK"]]}


def test_graph_tints_rows_and_frames_the_bottleneck(snapshot_factory):
    """The SVG parses, has the level colours on the subtask rows and one highlight frame around v2."""
    svg = render_backpressure_graph(_with_bp(snapshot_factory()))
    root = ET.fromstring(svg)
    assert LEVEL_TINT["HIGH"] in svg and LEVEL_TINT["OK"] in svg
    frames = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "flowlab-highlight"]
    assert [f.get("data-vertex") for f in frames] == ["v2"]


def test_graph_without_bottleneck_has_no_frame(snapshot_factory):
    svg = render_backpressure_graph(_with_bp(snapshot_factory(), bottleneck=False))
    assert "flowlab-highlight" not in svg


def test_bottleneck_banner_names_the_vertex_and_its_pressured_input(snapshot_factory):
    html = render_bottleneck(_with_bp(snapshot_factory()))
    assert "Likely bottleneck" in html and "v2" in html and "995 ms/s" in html
    assert "No back-pressure" in render_bottleneck(snapshot_factory())


def test_subtask_table_one_row_per_subtask_with_level_and_sampled_share(snapshot_factory):
    html = render_subtask_table(_with_bp(snapshot_factory()))
    rows = re.findall(r'class="flowlab-bp-row" data-vertex="(\w+)" data-subtask="(\d)" data-level="(\w+)"', html)
    assert rows == [("v1", "0", "HIGH"), ("v1", "1", "LOW"), ("v2", "0", "OK")]
    assert "50%" in html and "990" in html


def test_channels_show_buffers_credit_and_starved_senders(snapshot_factory):
    html = render_channels(_with_bp(snapshot_factory()))
    assert re.findall(r'data-from="(\d)" data-to="0" data-credit="(\d)"', html) == [("0", "0"), ("1", "1")]
    assert "10/10" in html and "4/6" in html
    assert "No network channels" in render_channels(snapshot_factory())


def test_ratio_series_and_chart_render_deterministically(snapshot_factory):
    snap = _with_bp(snapshot_factory())
    series = ratio_series(snap)
    assert series["time_ms"] == [100.0, 200.0, 300.0] and [v[0] for v in series["vertices"]] == ["v1", "v2"]
    chart = RatioChart()
    first = render_ratio_chart(snap, chart)
    assert first.startswith("<svg") and render_ratio_chart(snap, RatioChart()) == first
    fig = chart.fig
    render_ratio_chart(snap, chart)
    assert chart.fig is fig          # same graph shape: the figure is reused, only its data changes


def test_view_refreshes_from_snapshots_and_auto_hides(snapshot_factory):
    """A view with auto_hide stays hidden on a calm snapshot and shows once pressure appears."""
    view = BackpressureView(auto_hide=True)
    calm = snapshot_factory()
    calm["backpressure"] = {"subtasks": [_sub("v1", 0, "OK", 10, 0)]}
    view.refresh(calm)
    assert view.widget.layout.display == "none"
    view.refresh(_with_bp(snapshot_factory()))
    assert view.widget.layout.display == "flex" and "Likely bottleneck" in view.banner.value
    assert "flowlab-bp-row" in view.panes[0].value
    view.tabs.selected_index = 1
    assert view.panes[1].value.startswith('<div class="flowlab-bp-chart"><svg')
    view.tabs.selected_index = 2
    assert "flowlab-channels" in view.panes[2].value


def test_dashboard_includes_the_backpressure_view(fake_sim):
    dash = Dashboard(fake_sim)
    assert any(isinstance(v, BackpressureView) for v in dash.views)


def test_dashboard_draws_the_job_graph_once_tinted_by_backpressure(fake_sim, snapshot_factory):
    """Once back-pressure shows, the Dashboard has one job graph (tinted, bottleneck framed), not two."""
    dash = Dashboard(fake_sim)
    dash.refresh(_with_bp(snapshot_factory()))
    bp = next(v for v in dash.views if isinstance(v, BackpressureView))
    assert bp.widget.layout.display == "flex" and "Likely bottleneck" in bp.banner.value
    stack, htmls = [dash.widget], []
    while stack:
        w = stack.pop()
        if isinstance(w, widgets.HTML) and w.layout.display != "none":
            htmls.append(w.value)
        stack.extend(getattr(w, "children", ()))
    graphs = sum(h.count('class="flowlab-jobgraph"') for h in htmls)
    assert graphs == 1
    assert LEVEL_TINT["HIGH"] in dash.graph_view.html.value and 'class="flowlab-highlight"' in dash.graph_view.html.value
