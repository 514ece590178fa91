"""ConsistentCutView (flowlab extension): for one checkpoint, which records of every source and channel are
inside it and which come after it — Chandy and Lamport's consistent cut in Flink's terms, read from the trace."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.consistent_cut import channel_state_counts, checkpoint_cut
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.cut_svg import render_cut
from flowlab.viz.view import Displayable

FOCUS = 0        # the drop-down's "follow the focus checkpoint" choice


class ConsistentCutView(Displayable):
    """The consistent cut of a checkpoint (flowlab extension): one row per source subtask and per channel,
    records in order, all rows meeting at the barrier. A source's cut is its read position; a channel's
    records are in the consumer's state (processed before its snapshot), stored as channel state (unaligned:
    before the barrier, processed after the snapshot), crossed (at-least-once: after the barrier, in the
    state) or after the checkpoint. Stepping through a checkpoint fills the picture in as barriers move.

    ``checkpoint_id`` picks a checkpoint (default: follow the focus checkpoint, the newest pending one, else the
    last); the drop-down changes it. Needs the trace (``record_trace=True``, the default). Channel state of an
    unaligned checkpoint is read from the live snapshot while pending and from ``sim.checkpoint_state(n)`` once
    completed; a checkpoint no longer retained cannot tell channel state from later records. Redraws whenever
    ``sim`` moves (``follow=False``: only on ``refresh``).
    Simplification: ``window`` records on each side of the cut are drawn (counts cover all since the trigger).
    """

    def __init__(self, sim: Steppable | None = None, checkpoint_id: int | None = None, window: int = 12,
                 follow: bool = True) -> None:
        self.sim = sim
        self.window = window
        self.chooser = widgets.Dropdown(options=[("newest", FOCUS)], value=FOCUS, description="checkpoint",
                                        layout=widgets.Layout(width="220px"))
        self.svg = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.chooser, self.svg])
        self.cut: dict[str, Any] | None = None
        self._snapshot: dict[str, Any] | None = None
        self._stored: dict[tuple, Any] = {}
        self._wanted = checkpoint_id
        self._choosing = False
        self.chooser.observe(self._on_choice, names="value")
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    @property
    def checkpoint_id(self) -> int | None:
        """The checkpoint drawn: the chosen one, or the focus checkpoint."""
        chosen = self.chooser.value or None
        return chosen if chosen is not None else ((self._snapshot or {}).get("checkpoints") or {}).get("focus")

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``) and the trace up to its step."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("ConsistentCutView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        self._snapshot = snapshot
        ck = snapshot.get("checkpoints") or {}
        ids = sorted({r["id"] for r in (ck.get("history") or []) + (ck.get("pending") or [])})
        options = [("newest", FOCUS)] + [(str(n), n) for n in ids]
        if options != list(self.chooser.options):
            current = self._wanted if self._wanted in ids else self.chooser.value
            self._choosing = True                  # one drawing below, not one per changed trait
            try:
                self.chooser.options = options
                self.chooser.value = current if current in ids else FOCUS
            finally:
                self._choosing = False
            if self._wanted in ids:
                self._wanted = None
        self._draw()

    def _on_choice(self, _change: dict[str, Any]) -> None:
        if not self._choosing:
            self._draw()

    def _draw(self) -> None:
        snap = self._snapshot
        if snap is None:
            return
        n = self.checkpoint_id
        ck = snap.get("checkpoints") or {}
        if not ck.get("enabled") or n is None:
            self.cut = None
            self.svg.value = ('<div class="flowlab-cut-empty" style="color:#5b6675">No checkpoint yet: '
                              + ("checkpointing is off." if not ck.get("enabled") else "none has been triggered.")
                              + "</div>")
            return
        events = _events(self.sim)
        self.cut = checkpoint_cut(events, snap, n, self._channel_state(snap, n), self.window)
        names = {v["id"]: v.get("name", v["id"]) for v in snap.get("vertices") or ()}
        self.svg.value = render_cut(self.cut, names)

    def _channel_state(self, snap: dict[str, Any], n: int) -> Any:
        """Records stored per channel by unaligned checkpoint ``n``: live while pending, read back once retained."""
        ck = snap.get("checkpoints") or {}
        if not ck.get("unaligned"):
            return None
        if n in {r["id"] for r in ck.get("pending") or ()} and ck.get("focus") == n:
            return channel_state_counts(snapshot=snap)
        row = next((r for r in ck.get("history") or () if r["id"] == n), None)
        if n not in (ck.get("retained") or ()) or row is None or self.sim is None:
            return None
        key = (n, row.get("trigger_time_ms"), row.get("duration_ms"), row.get("state_size"))
        if key not in self._stored:
            self._stored[key] = channel_state_counts(self.sim.checkpoint_state(n))
        return self._stored[key]


def _events(sim: Any) -> Any:
    """The simulation's events as a lazy sequence when it offers one (``event_log``), else as a list."""
    if sim is None:
        return []
    log = getattr(sim, "event_log", None)
    if log is not None:
        return log()
    return sim.events() if hasattr(sim, "events") else []
