"""BackpressureView: Flink's backpressure monitoring, live — levels on the job graph, the likely bottleneck,
busy / back-pressured / idle time per subtask and over time, and the buffers and credits of each channel."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.backpressure_chart import RatioChart
from flowlab.viz.render.backpressure_html import (
    render_backpressure_graph,
    render_bottleneck,
    render_channels,
    render_subtask_table,
)
from flowlab.viz.view import Displayable


class BackpressureView(Displayable):
    """The Web UI's "BackPressure" tab, steppable: subtask rows of the job graph tinted by level (OK / LOW /
    HIGH from backPressuredTimeMsPerSecond), the likely bottleneck framed, and tabs with the per-subtask
    figures, the ratios over time (matplotlib) and per-channel buffers and credits.

    Only the selected tab redraws on a step; the chart redraws only when a new metrics sample exists.
    ``auto_hide=True`` keeps the view hidden until something is back-pressured; ``show_graph=False`` leaves
    the tinted job graph out (the Dashboard tints its one job graph instead of drawing a second). It redraws
    whenever ``sim`` moves (``follow=False``: only when ``refresh`` is called).
    Simplification: levels are computed over a window of virtual time, not Flink's REST refresh cycle.
    """

    TITLES = ("Subtasks", "Over time", "Channels")

    def __init__(self, sim: Steppable | None = None, auto_hide: bool = False, show_graph: bool = True,
                 follow: bool = True) -> None:
        self.sim = sim
        self.auto_hide = auto_hide
        self.show_graph = show_graph
        self.chart = RatioChart()
        self.banner = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.graph = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.panes = [widgets.HTML(layout=widgets.Layout(width="100%")) for _ in self.TITLES]
        self.tabs = widgets.Tab(children=self.panes)
        for i, title in enumerate(self.TITLES):
            self.tabs.set_title(i, title)
        self.tabs.selected_index = 0
        parts = [self.banner, self.graph, self.tabs] if show_graph else [self.banner, self.tabs]
        self.widget = widgets.VBox(parts, layout=widgets.Layout(display="none" if auto_hide else "flex"))
        self._snapshot: dict[str, Any] | None = None
        self._drawn: set[int] = set()
        self._chart_key: Any = None
        self.tabs.observe(self._on_select, names="selected_index")
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``)."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("BackpressureView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        self._snapshot = snapshot
        self._drawn.clear()
        if self.auto_hide and self.widget.layout.display == "none":
            if not pressure_seen(snapshot):
                return
            self.widget.layout.display = "flex"        # once shown, it stays
        self.banner.value = render_bottleneck(snapshot)
        if self.show_graph:
            self.graph.value = render_backpressure_graph(snapshot)
        self._draw(self.tabs.selected_index or 0)

    def _draw(self, i: int) -> None:
        snap = self._snapshot
        if snap is None or i in self._drawn:
            return
        self._drawn.add(i)
        if i == 0:
            self.panes[0].value = render_subtask_table(snap)
        elif i == 1:
            hist = (snap.get("backpressure") or {}).get("history") or {}
            times = hist.get("time_ms") or []
            key = (len(times), times[-1] if times else None, tuple(v["id"] for v in snap.get("vertices") or ()))
            if key != self._chart_key:
                self._chart_key = key
                from flowlab.viz.render.backpressure_chart import ratio_series
                self.chart.update(ratio_series(snap))
                self.panes[1].value = f'<div class="flowlab-bp-chart">{self.chart.svg()}</div>'
        else:
            self.panes[2].value = render_channels(snap)

    def _on_select(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:
            self._draw(change["new"])


def pressure_seen(snapshot: dict[str, Any]) -> bool:
    """True once some subtask is back-pressured or not at level OK."""
    bp = snapshot.get("backpressure") or {}
    return any(s.get("backpressured") or s.get("level", "OK") != "OK" for s in bp.get("subtasks") or ())
