"""StagesView: the stages of a BATCH job — which run, which are materialised, the slots they take."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.stages_html import is_batch, render_stages
from flowlab.viz.view import Displayable


class StagesView(Displayable):
    """One row per stage of a BATCH job (Flink's scheduling of pipelined regions over blocking exchanges):
    waiting, running or finished, with the subtasks' states, the sorted inputs' progress and the records each
    stage materialised; slots in use, at most and needed; region restarts. Hidden for a STREAMING job.
    Redraws whenever ``sim`` moves (``follow=False``: only on ``refresh``)."""

    def __init__(self, sim: Steppable | None = None, follow: bool = True) -> None:
        self.sim = sim
        self.html = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.html], layout=widgets.Layout(display="none"))
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``)."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("StagesView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        batch = is_batch(snapshot)
        self.widget.layout.display = "flex" if batch else "none"
        self.html.value = render_stages(snapshot) if batch else ""
