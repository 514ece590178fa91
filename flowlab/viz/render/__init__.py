"""Pure renderers: snapshot dict in, SVG/HTML string out (no widgets, no Jupyter needed)."""
from flowlab.viz.render.events_html import render_event_log, render_last_events
from flowlab.viz.render.jobgraph_svg import render_job_graph
from flowlab.viz.render.layout import compute_layout
from flowlab.viz.render.status_html import records_total, render_status

__all__ = ["compute_layout", "records_total", "render_event_log", "render_job_graph", "render_last_events",
           "render_status"]
