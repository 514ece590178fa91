"""StateView (flowlab extension): per stateful subtask its key-group range, the keys and values it holds per
state name (window contents included), sizes and the state backend, live."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.state_html import render_state, state_operators
from flowlab.viz.view import Displayable

ALL = ""


class StateView(Displayable):
    """The state of every stateful operator subtask (flowlab extension; Flink shows only sizes): the key groups
    it owns (keys hash to key groups, key groups are split into contiguous ranges per subtask), per state name
    its kind, type and time-to-live and its entries (key, key group, window, value; list elements and map
    entries spelled out; TTL values with their last access), sizes (bytes on RocksDB), operator list state and
    each subtask's copy of broadcast state; the backend (hashmap / rocksdb) and RocksDB's directories.
    Pick one operator in the drop-down when the job has several. Redraws whenever ``sim`` moves
    (``follow=False``: only on ``refresh``).
    Simplification: at most 20 entries per state and subtask are listed (the snapshot holds up to 100).
    """

    def __init__(self, sim: Steppable | None = None, follow: bool = True) -> None:
        self.sim = sim
        self.chooser = widgets.Dropdown(options=[("all operators", ALL)], value=ALL, description="operator",
                                        layout=widgets.Layout(display="none"))
        self.html = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.chooser, self.html])
        self._snapshot: dict[str, Any] | None = None
        self.chooser.observe(lambda _c: self._draw(), names="value")
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``)."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("StateView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        self._snapshot = snapshot
        ops = [("all operators", ALL)] + [(f"{name} ({op})", op) for op, name in state_operators(snapshot)]
        if ops != list(self.chooser.options):
            current = self.chooser.value
            self.chooser.options = ops
            self.chooser.value = current if current in [v for _, v in ops] else ALL
            self.chooser.layout.display = "flex" if len(ops) > 2 else "none"
        self._draw()

    def _draw(self) -> None:
        if self._snapshot is not None:
            self.html.value = render_state(self._snapshot, self.chooser.value or None)


def has_state(snapshot: dict[str, Any]) -> bool:
    """True when some operator keeps state (then the Dashboard shows the State tab)."""
    return bool((snapshot.get("state") or {}).get("operators"))
