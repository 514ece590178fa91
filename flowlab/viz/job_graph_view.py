"""JobGraphView: the job graph as Flink's Web UI draws it (tasks), or with every operator shown."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.backpressure_html import bottleneck_vertex, level_tints
from flowlab.viz.render.jobgraph_svg import render_job_graph
from flowlab.viz.view import Displayable

CHAINED, UNCHAINED = "Chained (tasks)", "Unchained (operators)"


class JobGraphView(Displayable):
    """The job graph of a Simulation: one box per task (chained), or per operator grouped by task.

    Models the job overview of Flink's Web UI (JobGraph vertices with their subtasks); the unchained view
    shows what operator chaining hides. It redraws whenever ``sim`` moves (``follow=False``: only when
    ``refresh`` is called). ``backpressure_tints`` colours the task view's subtask rows by backpressure level
    and frames the likely bottleneck (the Dashboard turns it on once something is back-pressured).
    Simplification: no zoom or pan; hover for details.
    """

    def __init__(self, sim: Steppable | None = None, chained: bool = True, follow: bool = True,
                 backpressure_tints: bool = False) -> None:
        self.sim = sim
        self.backpressure_tints = backpressure_tints
        self.toggle = widgets.ToggleButtons(
            options=[(CHAINED, True), (UNCHAINED, False)], value=chained,
            tooltips=["One box per task: chained operators share a box, as in Flink's Web UI",
                      "One box per operator; a dashed frame shows which task runs it"],
            style={"button_width": "auto"})
        self.html = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.toggle, self.html])
        self._snapshot: dict[str, Any] | None = None
        self.toggle.observe(self._on_toggle, names="value")
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    @property
    def chained(self) -> bool:
        """True when the task (chained) view is shown."""
        return bool(self.toggle.value)

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot``, or from ``sim.snapshot()`` when none is given."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("JobGraphView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        self._snapshot = snapshot
        if self.backpressure_tints and self.chained:
            self.html.value = render_job_graph(snapshot, chained=True, tints=level_tints(snapshot),
                                               highlight=bottleneck_vertex(snapshot))
        else:
            self.html.value = render_job_graph(snapshot, chained=self.chained)

    def _on_toggle(self, _change: dict[str, Any]) -> None:
        if self._snapshot is not None:
            self.refresh(self._snapshot)
