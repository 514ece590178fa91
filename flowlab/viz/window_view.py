"""WindowView: per key, windows as spans on the event-time axis, their firings, the allowed-lateness band,
a table of what each window holds or held when it fired, and a panel listing every late record with the
watermark that made it late."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.late_html import render_late_records
from flowlab.viz.render.window_contents_html import render_window_contents
from flowlab.viz.render.window_svg import render_windows, window_operators
from flowlab.viz.view import Displayable


class WindowView(Displayable):
    """The windows of one window operator (pick it in the drop-down when the job has several).

    Models the state of Flink's ``WindowOperator`` (window contents per key and window, trigger firings,
    cleanup at max timestamp + allowed lateness, ``numLateRecordsDropped`` and the late side output). Hover a
    window for what it held at each firing; the table below lists the same. Redraws whenever ``sim`` moves
    (``follow=False``: only on ``refresh``).
    Simplification: at most ``max_keys`` keys and the last 30 closed windows per key are drawn.
    """

    def __init__(self, sim: Steppable | None = None, max_keys: int = 12, follow: bool = True) -> None:
        self.sim = sim
        self.max_keys = max_keys
        self.chooser = widgets.Dropdown(options=[], description="operator", layout=widgets.Layout(display="none"))
        self.svg = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.contents = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.late = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.chooser, self.svg, self.contents, self.late])
        self._snapshot: dict[str, Any] | None = None
        self.chooser.observe(lambda _c: self._draw(), names="value")
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    @property
    def operator(self) -> str | None:
        return self.chooser.value or None

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``)."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("WindowView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        self._snapshot = snapshot
        ops = [(name, op_id) for op_id, name in window_operators(snapshot)]
        if ops != list(self.chooser.options):
            current = self.chooser.value
            self.chooser.options = ops
            if current in [v for _, v in ops]:
                self.chooser.value = current
            self.chooser.layout.display = "flex" if len(ops) > 1 else "none"
        self._draw()

    def _draw(self) -> None:
        if self._snapshot is None:
            return
        self.svg.value = render_windows(self._snapshot, self.operator, self.max_keys)
        self.contents.value = render_window_contents(self._snapshot, self.operator)
        self.late.value = render_late_records(self._snapshot, self.operator)
