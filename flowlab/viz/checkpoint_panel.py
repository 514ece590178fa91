"""The Dashboard's fault-tolerance tabs (flowlab extension): "Checkpoints" and "Consistent cut" when the job
takes checkpoints, "State" when an operator keeps state."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.checkpoint_view import CheckpointView, checkpointing_enabled
from flowlab.viz.cut_view import ConsistentCutView
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.state_view import StateView, has_state
from flowlab.viz.view import Displayable


class CheckpointPanel(Displayable):
    """Tabs "Checkpoints" (``CheckpointView``), "Consistent cut" (``ConsistentCutView``) and "State"
    (``StateView``) for the Dashboard (flowlab extension). The checkpoint tabs appear when checkpointing is
    enabled, the State tab when some operator keeps state; the panel stays hidden while neither holds. Only
    the selected tab redraws on a step (the others catch up when selected).
    """

    def __init__(self, sim: Steppable | None = None, follow: bool = False) -> None:
        self.sim = sim
        self.checkpoints = CheckpointView()
        self.cut = ConsistentCutView()
        self.cut.sim = sim                 # reads the trace and retained checkpoints; drawn only when selected
        self.state = StateView()
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
        shown = list(self.shown)
        if checkpointing_enabled(snapshot) and not any(v is self.checkpoints for _, v in shown):
            shown[:0] = [("Checkpoints", self.checkpoints), ("Consistent cut", self.cut)]
        if has_state(snapshot) and not any(v is self.state for _, v in shown):
            shown.append(("State", self.state))
        if len(shown) != len(self.shown):          # tabs only ever appear, in a fixed order
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
