"""WatermarkView: per subtask, every input channel's watermark, the combined minimum, idle channels and the
channel holding the watermark back ("why is my watermark stuck?")."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.watermark_html import render_watermarks
from flowlab.viz.view import Displayable


class WatermarkView(Displayable):
    """Watermarks as Flink's ``StatusWatermarkValve`` sees them, one card per subtask with inputs.

    Models the "Watermarks" tab of Flink's Web UI, plus what it does not show: per-channel values, idleness
    and the channel that holds the minimum. Redraws whenever ``sim`` moves (``follow=False``: only on
    ``refresh``). Simplification: sources show one watermark per subtask (Flink
    1.x+ FLIP-27 sources combine per-split watermarks inside the reader the same way).
    """

    def __init__(self, sim: Steppable | None = None, follow: bool = True) -> None:
        self.sim = sim
        self.html = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.html])
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``)."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("WatermarkView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        self.html.value = render_watermarks(snapshot)
