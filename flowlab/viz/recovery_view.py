"""RecoveryTimelineView (flowlab extension): failures and restarts on a virtual-time line, per subtask — what ran
per attempt, the restart delay, the checkpoint restored, the records replayed and the gap in the sinks' output."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.recovery_timeline import TimelineTrace, timeline
from flowlab.viz.render.recovery_html import render_recovery_summary
from flowlab.viz.render.recovery_svg import render_recovery_timeline
from flowlab.viz.view import Displayable


class RecoveryTimelineView(Displayable):
    """Failure recovery as it happened (flowlab extension; Flink's Web UI lists exceptions and attempts): virtual
    time left to right, one lane per subtask showing its states — running (per attempt), deploying, failed or
    canceled and waiting for its restart — with each failure marked (its cause on hover); the checkpoints at
    their trigger times, and for every restart an arrow back to the checkpoint it restored ("from scratch"
    without one), the restart delay and the time to run again; source records emitted, those emitted again after
    the restore marked as replays; the records each sink received and the gap in that output around a restart.
    Above it the restart and failover strategies and one row per restart (what failed, cause, region, restored
    checkpoint, output gap, replayed records). Says "No failures yet" until something fails.

    Reads ``sim.snapshot()["recovery"]`` and the trace (``task_state``, ``task_failed``, ``recovery``,
    ``source_emit``, ``sink`` events), the trace incrementally: after the first drawing only new events are
    read. Redraws whenever ``sim`` moves (``follow=False``: only on ``refresh``).
    Simplification: records are drawn as ticks per 2-pixel column (the count on hover), the whole run on one axis.
    """

    def __init__(self, sim: Steppable | None = None, follow: bool = True) -> None:
        self.sim = sim
        self.trace = TimelineTrace()
        self.model: dict[str, Any] | None = None
        self.summary = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.svg = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.summary, self.svg])
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``) and the trace up to now."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("RecoveryTimelineView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        log = _event_log(self.sim)
        if log is not None:
            self.trace.update(log)
        self.model = model = timeline(snapshot, self.trace)
        with self.summary.hold_sync(), self.svg.hold_sync():
            self.summary.value = render_recovery_summary(model)
            failed = bool(model["restarts"] or model["failures"])
            self.svg.value = render_recovery_timeline(model) if failed else ""


def _event_log(sim: Any) -> Any:
    if sim is None:
        return None
    log = getattr(sim, "event_log", None)
    if log is not None:
        return log()
    return sim.events() if hasattr(sim, "events") else None
