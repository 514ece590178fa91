"""A Dashboard panel of tabs that appear when they become relevant (flowlab extension: widget plumbing)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.view import Displayable

Relevant = Callable[[dict[str, Any]], bool]


class TabPanel(Displayable):
    """Tabs for the Dashboard (flowlab extension): each ``(title, view, relevant)`` entry shows once ``relevant(snapshot)`` holds
    and stays (tabs only ever appear, in the entries' order); the panel stays hidden while none is shown.
    Only the selected tab redraws on a step (the others catch up when selected)."""

    def __init__(self, sim: Steppable | None, entries: list[tuple[str, Any, Relevant]], follow: bool = False) -> None:
        self.sim = sim
        self.entries = entries
        self.tabs = widgets.Tab(children=[])
        self.widget = widgets.VBox([self.tabs], layout=widgets.Layout(display="none"))
        self.shown: list[tuple[str, Any]] = []
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
        shown = [(title, view) for title, view, relevant in self.entries
                 if any(v is view for _, v in self.shown) or relevant(snapshot)]
        if len(shown) != len(self.shown):
            self.shown = shown
            self.tabs.children = [v.widget for _, v in shown]
            for i, (title, _) in enumerate(shown):
                self.tabs.set_title(i, title)
            if self.tabs.selected_index is None:
                self.tabs.selected_index = 0
            self.widget.layout.display = "flex"
        if self.shown:
            self._draw(self.tabs.selected_index or 0)

    def _draw(self, i: int) -> None:
        if self._snapshot is not None and i not in self._drawn and i < len(self.shown):
            self._drawn.add(i)
            self.shown[i][1].refresh(self._snapshot)

    def _on_select(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:
            self._draw(change["new"])
