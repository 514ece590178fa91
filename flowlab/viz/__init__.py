"""flowlab.viz: live views of a Simulation in JupyterLab (ipywidgets) and the pure renderers behind them.

``Dashboard(sim)`` gives controls, a status line, the job graph, the event-time tabs (``WatermarkView``,
``EventTimeView``, ``WindowView``) and an event log; every drawing is a pure
function from a snapshot dict to SVG/HTML (``flowlab.viz.render``), testable without Jupyter.
"""
from flowlab.viz.backpressure_view import BackpressureView
from flowlab.viz.dashboard import Dashboard
from flowlab.viz.event_time_view import EventTimePanel, EventTimeView
from flowlab.viz.job_graph_view import JobGraphView
from flowlab.viz.render import compute_layout, render_event_log, render_job_graph, render_status
from flowlab.viz.view import View
from flowlab.viz.watermark_view import WatermarkView
from flowlab.viz.window_view import WindowView

__all__ = ["BackpressureView", "Dashboard", "EventTimePanel", "EventTimeView", "JobGraphView", "View",
           "WatermarkView", "WindowView",
           "compute_layout", "render_event_log", "render_job_graph", "render_status"]
