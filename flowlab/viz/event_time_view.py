"""EventTimeView: processing time against event time — each record, the watermark, late records — drawn
with matplotlib into an HTML widget (SVG); the figure is built once and only its data changes."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.stages_html import is_batch
from flowlab.viz.render.watermark_plot import EventTimePlot, event_time_series
from flowlab.viz.view import Displayable


class EventTimeView(Displayable):
    """The classic plot of Flink's event-time docs, live: records at one vertex (default: the window
    operator's) by arrival time and event time, its input watermark per subtask as a step line, late
    records (dropped ✕, side output ▲) and window firings (★ at the window's max timestamp).

    Reads the trace (``sim.events()``) up to the snapshot's step. ``visible = False`` defers drawing until
    the view is shown again (the Dashboard does this for hidden tabs). Simplification: no zoom or pan.
    """

    def __init__(self, sim: Steppable | None = None, vertex: str | None = None, follow: bool = True) -> None:
        self.sim = sim
        self.vertex = vertex
        self._plot: EventTimePlot | None = None      # built on first draw (importing matplotlib takes a while)
        self.html = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.html])
        self._visible = True
        self._pending: dict[str, Any] | None = None
        self.series: dict[str, Any] = {}
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    @property
    def plot(self) -> EventTimePlot:
        """The matplotlib figure behind the view (``view.plot.fig``), built once."""
        if self._plot is None:
            self._plot = EventTimePlot()
        return self._plot

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        self._visible = bool(value)
        if self._visible and self._pending is not None:
            self.refresh(self._pending)

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from the trace up to ``snapshot["step"]`` (default: the simulation's current state)."""
        if snapshot is None:
            snapshot = self.sim.snapshot() if self.sim is not None else {}
        if not self._visible:
            self._pending = snapshot
            return
        self._pending = None
        events = list(self.sim.events()) if self.sim is not None and hasattr(self.sim, "events") else []
        step = snapshot.get("step")
        if step is not None:
            events = [e for e in events if (e.get("step") if isinstance(e, dict) else e.step) <= step]
        vertex = self.vertex or _window_vertex(snapshot)
        self.series = event_time_series(events, vertex)
        self.plot.update(self.series, snapshot.get("now_ms"))
        self.html.value = f'<div class="flowlab-event-time">{self.plot.svg()}</div>'


def _window_vertex(snapshot: dict[str, Any]) -> str | None:
    ops = (snapshot.get("event_time") or {}).get("windows") or []
    return ops[0]["vertex"] if ops else None


EVENT_TIME_KINDS = frozenset({"window", "timestamps", "interval_join"})


def has_event_time(snapshot: dict[str, Any]) -> bool:
    """True when the job generates watermarks or has window operators (then the event-time tabs show)."""
    et = snapshot.get("event_time") or {}
    if any(o.get("kind") in EVENT_TIME_KINDS for o in snapshot.get("operators") or ()):
        return True
    return bool(et.get("windows")) or any(g.get("strategy") for g in et.get("generators") or ())


class EventTimePanel(Displayable):
    """Tabs "Watermarks", "Event time" and "Windows & late data" for the Dashboard.

    Only the selected tab redraws on a step (the others catch up when selected); the whole panel stays
    hidden while the job has neither watermarks nor windows.
    """

    TITLES = ("Watermarks", "Event time (plot)", "Windows & late data")

    def __init__(self, sim: Steppable | None = None, follow: bool = False) -> None:
        from flowlab.viz.watermark_view import WatermarkView
        from flowlab.viz.window_view import WindowView
        self.sim = sim
        self.watermarks = WatermarkView()
        self.plot = EventTimeView(None)
        self.plot.sim = sim                 # set after construction: the plot draws only when its tab is shown
        self.windows = WindowView()
        self.views = [self.watermarks, self.plot, self.windows]
        self.tabs = widgets.Tab(children=[v.widget for v in self.views])
        for i, title in enumerate(self.TITLES):
            self.tabs.set_title(i, title)
        self.tabs.selected_index = 0
        self.widget = widgets.VBox([self.tabs], layout=widgets.Layout(display="none"))
        self._snapshot: dict[str, Any] | None = None
        self._drawn: set[int] = set()
        self.tabs.observe(self._on_select, names="selected_index")
        self.follower = follow_sim(self, sim, follow)

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw the selected tab from ``snapshot`` (default: ``sim.snapshot()``)."""
        if snapshot is None:
            snapshot = self.sim.snapshot() if self.sim is not None else {}
        self._snapshot = snapshot
        self._drawn.clear()
        show = self.widget.layout.display == "flex" or has_event_time(snapshot)   # once shown, it stays
        self.widget.layout.display = "flex" if show else "none"
        if show and is_batch(snapshot) and self.views[0] is self.watermarks:
            self._drop_watermarks()
        if show:
            self._draw(self.tabs.selected_index or 0)

    def _drop_watermarks(self) -> None:
        """BATCH: no watermarks while the input is processed (only MAX at each key's end): no watermark tab."""
        self.views = self.views[1:]
        self.tabs.children = [v.widget for v in self.views]
        for i, title in enumerate(self.TITLES[1:]):
            self.tabs.set_title(i, title)
        self.tabs.selected_index = 0

    def _draw(self, i: int) -> None:
        if self._snapshot is not None and i not in self._drawn:
            self._drawn.add(i)
            self.views[i].refresh(self._snapshot)

    def _on_select(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:
            self._draw(change["new"])
