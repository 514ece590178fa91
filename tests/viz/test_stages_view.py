"""The BATCH views: stages table, blocking edges and stage numbers in the job graph, no watermark tab."""
from __future__ import annotations

from typing import Any

import flowlab
from flowlab.common import Time, WatermarkStrategy
from flowlab.datastream import RuntimeExecutionMode, StreamExecutionEnvironment
from flowlab.datastream.window import TumblingEventTimeWindows
from flowlab.sources import ScriptedSource
from flowlab.viz import Dashboard, StagesView
from flowlab.viz.event_time_view import EventTimePanel
from flowlab.viz.render import render_job_graph
from flowlab.viz.render.stages_html import render_stages


def _sim(mode: RuntimeExecutionMode = RuntimeExecutionMode.BATCH) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_runtime_mode(mode)
    env.set_parallelism(2)
    rows = [(i, (f"k{i % 3}", 1), i * 4) for i in range(30)]
    env.from_source(ScriptedSource(rows), WatermarkStrategy.for_monotonous_timestamps(), "events") \
        .key_by(lambda r: r[0]).window(TumblingEventTimeWindows.of(Time.milliseconds(20))) \
        .reduce(lambda a, b: (a[0], a[1] + b[1])).print()
    return flowlab.Simulation(env)


def _mid(sim: flowlab.Simulation) -> dict[str, Any]:
    sim.run(until=lambda e: e.kind == "task_state" and e.vertex == "v2" and e.data["to"] == "RUNNING")
    return sim.snapshot()


def test_the_stages_table_shows_each_stage_and_the_slots() -> None:
    """Stage 1 finished with its materialised records, stage 2 running; slots in use, at most and needed."""
    html = render_stages(_mid(_sim()))
    assert 'data-stage="1" data-status="finished"' in html and 'data-stage="2" data-status="running"' in html
    assert "30 records materialised" in html
    assert "slots in use 2 of 2 · most at once 2 · slots needed 2" in html


def test_the_stages_table_is_empty_for_streaming() -> None:
    """A STREAMING job has no stages to show."""
    sim = _sim(RuntimeExecutionMode.STREAMING)
    assert render_stages(sim.snapshot()) == ""
    view = StagesView(sim)
    assert view.widget.layout.display == "none"


def test_the_job_graph_marks_blocking_edges_and_stages() -> None:
    """The edge label says blocking, the badge counts the materialised records, boxes name their stage."""
    svg = render_job_graph(_mid(_sim()))
    assert "HASH · blocking" in svg
    assert 'data-buffers="0"' in svg and "30 rec materialised" in svg
    assert "stage 1 · parallelism 2" in svg and "stage 2 · parallelism 2" in svg


def test_the_dashboard_shows_stages_and_no_watermark_tab_in_batch() -> None:
    """BATCH: the StagesView is shown; the event-time panel keeps the plot and the windows, not the watermarks."""
    sim = _sim()
    sim.run()
    dash = Dashboard(sim)
    stages = next(v for v in dash.views if isinstance(v, StagesView))
    panel = next(v for v in dash.views if isinstance(v, EventTimePanel))
    assert stages.widget.layout.display == "flex"
    assert [panel.tabs.get_title(i) for i in range(len(panel.tabs.children))] == ["Event time (plot)",
                                                                                   "Windows & late data"]


def test_streaming_keeps_the_watermark_tab() -> None:
    """The contrast: the same job in STREAMING shows all three event-time tabs and no stages."""
    sim = _sim(RuntimeExecutionMode.STREAMING)
    sim.run()
    dash = Dashboard(sim)
    panel = next(v for v in dash.views if isinstance(v, EventTimePanel))
    assert len(panel.tabs.children) == 3
    assert next(v for v in dash.views if isinstance(v, StagesView)).widget.layout.display == "none"


def test_a_rerun_subtask_shows_its_attempt_in_the_job_graph() -> None:
    """After a region restart the subtask's row says which attempt runs."""
    from flowlab.common import Configuration
    env = StreamExecutionEnvironment.get_execution_environment(
        Configuration.from_dict({"restart-strategy.type": "fixed-delay"}))
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    env.from_collection(list(range(50))).rebalance().map(lambda x: x).name("double").print()
    sim = flowlab.Simulation(env)
    sim.fail("double", 0, at_ms=0.06)
    sim.run()
    assert sim.snapshot()["vertices"][1]["subtasks"][0]["attempt"] == 1
    assert "state: FINISHED (attempt 1)" in render_job_graph(sim.snapshot())


def test_the_widest_blocking_label_fits_between_the_boxes() -> None:
    """'REBALANCE · blocking' lies wholly between the two boxes it joins (BATCH columns are wider apart)."""
    import re
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    env.set_parallelism(2)
    env.from_collection(list(range(10))).map(lambda x: x).print()
    svg = render_job_graph(flowlab.Simulation(env).snapshot())
    box = {vid: (float(x), float(w)) for vid, x, w in re.findall(
        r'<g class="flowlab-vertex" data-id="(v\d)"><title>[^<]*</title><rect x="([\d.]+)" y="[\d.]+" '
        r'width="([\d.]+)"', svg)}
    edge = svg[svg.index('data-partitioner="REBALANCE"'):]
    x, w = map(float, re.search(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="13"', edge).groups())
    assert "REBALANCE · blocking" in edge
    assert box["v1"][0] + box["v1"][1] < x and x + w < box["v2"][0]
