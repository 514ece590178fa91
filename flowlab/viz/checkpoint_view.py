"""CheckpointView (flowlab extension): Flink's checkpoint barriers, live — barriers as marks inside the channels
of the job graph, channels blocked for alignment, every subtask's phase, channel state of unaligned checkpoints,
and the coordinator's pending and completed checkpoints as Flink's Web UI lists them."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.checkpoint_html import (
    render_barrier_channels,
    render_checkpoint_history,
    render_checkpoint_legend,
    render_checkpoint_summary,
    render_subtask_phases,
)
from flowlab.viz.render.checkpoint_svg import render_barrier_graph
from flowlab.viz.view import Displayable


class CheckpointView(Displayable):
    """The checkpoint protocol of a Simulation as it happens (flowlab extension; Flink's Web UI shows only the
    history): the CheckpointCoordinator's focus checkpoint (the newest pending one, else the last), each subtask
    tinted by its phase in it (not reached / aligning / snapshotting / acknowledged), one line per network
    channel with the barriers in it (records and buffers ahead of and behind each), channels blocked for
    alignment with the records waiting behind the barrier, the in-flight records an unaligned checkpoint
    stores as channel state, and the checkpoint history (id, status, trigger time, duration, state size,
    in-flight data persisted, alignment). Redraws whenever ``sim`` moves (``follow=False``: only on ``refresh``).
    Simplification: a barrier's place on its line is the share of the channel's records behind it, not a
    distance; above 64 channels on one edge only the channels holding something are drawn.
    """

    def __init__(self, sim: Steppable | None = None, follow: bool = True) -> None:
        self.sim = sim
        self.summary = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.legend = widgets.HTML(render_checkpoint_legend(), layout=widgets.Layout(width="100%"))
        self.graph = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.channels = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.subtasks = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.history = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.summary, self.legend, self.graph, self.channels, self.subtasks,
                                    self.history])
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``)."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("CheckpointView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        with self.summary.hold_sync(), self.graph.hold_sync(), self.channels.hold_sync(), \
                self.subtasks.hold_sync(), self.history.hold_sync():
            self.summary.value = render_checkpoint_summary(snapshot)
            self.graph.value = render_barrier_graph(snapshot)
            self.channels.value = render_barrier_channels(snapshot)
            self.subtasks.value = render_subtask_phases(snapshot)
            self.history.value = render_checkpoint_history(snapshot)


def checkpointing_enabled(snapshot: dict[str, Any]) -> bool:
    """True when the job takes checkpoints (then the Dashboard shows the checkpoint tabs)."""
    return bool((snapshot.get("checkpoints") or {}).get("enabled"))
