"""FileSinkView (flowlab extension): a FileSink's part files by bucket, in-progress / pending / finished, live."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.file_sink_html import render_file_sinks
from flowlab.viz.view import Displayable


class FileSinkView(Displayable):
    """Every ``FileSink`` of the job with its part files (flowlab extension; Flink shows none): per bucket
    directory each file's name, state — in-progress (hidden, written now), pending (rolled, committed when the
    next checkpoint completes), finished (what a reader sees), left behind (hidden, written by a failed attempt
    after the checkpoint it restarted from) — size and lines, and what a reader of the output sees.
    Redraws whenever ``sim`` moves (``follow=False``: only on ``refresh``).
    Simplification: at most 60 files per sink are listed.
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
                raise ValueError("FileSinkView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        self.html.value = render_file_sinks(snapshot)


def has_file_sinks(snapshot: dict[str, Any]) -> bool:
    """True when the job has a FileSink (then the Dashboard shows the Files tab)."""
    return bool(snapshot.get("file_sinks"))
