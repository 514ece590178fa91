"""flowlab.viz: live views of a Simulation in JupyterLab (ipywidgets) and the pure renderers behind them.

``Dashboard(sim)`` gives controls, a status line, the job graph and an event log; every drawing is a pure
function from a snapshot dict to SVG/HTML (``flowlab.viz.render``), testable without Jupyter.
"""
from flowlab.viz.dashboard import Dashboard
from flowlab.viz.job_graph_view import JobGraphView
from flowlab.viz.render import compute_layout, render_event_log, render_job_graph, render_status
from flowlab.viz.view import View

__all__ = ["Dashboard", "JobGraphView", "View", "compute_layout", "render_event_log", "render_job_graph",
           "render_status"]
