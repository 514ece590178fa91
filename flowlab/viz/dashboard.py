"""Dashboard: step/play/back/reset controls, a status line, the views and an event log for one Simulation."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.backpressure_view import BackpressureView
from flowlab.viz.event_time_view import EventTimePanel
from flowlab.viz.job_graph_view import JobGraphView
from flowlab.viz.playback import Playback
from flowlab.viz.render.events_html import event_dict, operator_names, render_event_log
from flowlab.viz.render.status_html import render_status
from flowlab.viz.view import Displayable, View

LOG_KEEP = 500          # events remembered for the log (it shows the last ``log_size``)
RUN_CHUNK = 1000        # "Run to end" steps in chunks of this size ...
RUN_LIMIT = 100_000     # ... and stops after this many steps (an unbounded source never ends)


class Dashboard(Displayable):
    """Controls, status line, views and event log for a Simulation: Flink's Web UI, but steppable.

    ``views`` are objects with ``widget`` and ``refresh(snapshot)`` (default: a JobGraphView, then the
    event-time tabs — watermarks, event-time plot, windows and late data — shown when the job has
    watermarks or windows, and the BackpressureView, shown once something is back-pressured); all of
    them redraw from one ``sim.snapshot()`` after every control action. Display it like a widget.
    Simplification: the event log only holds events this dashboard saw returned by ``sim.step``.
    """

    def __init__(self, sim: Steppable, views: Sequence[View] | None = None, log_size: int = 12,
                 speed: int = 4) -> None:
        self.sim = sim
        if views is None:
            views = [JobGraphView(sim), EventTimePanel(sim), BackpressureView(sim, auto_hide=True)]
        self.views: list[View] = list(views)
        self.log_size = log_size
        self._events: deque[dict[str, Any]] = deque(maxlen=LOG_KEEP)
        self.snapshot: dict[str, Any] = {}
        self._failed = False

        def button(description: str, icon: str, tooltip: str, action: Callable[[], None]) -> widgets.Button:
            b = widgets.Button(description=description, icon=icon, tooltip=tooltip,
                               layout=widgets.Layout(width="auto"))
            b.on_click(lambda _b: self._run(action))
            return b

        self.reset_button = button("Reset", "fast-backward", "Back to step 0", self.reset)
        self.back_button = button("Back", "step-backward", "Undo the last step (replays deterministically)",
                                  self.back)
        self.step_button = button("Step", "step-forward", "Perform the next observable event", self.step)
        self.step10_button = button("Step ×10", "forward", "Perform the next 10 events",
                                    lambda: self.step(10))
        self.run_button = button("Run to end", "fast-forward", f"Step until the job is done (at most "
                                 f"{RUN_LIMIT:,} steps)", self.run_to_end)
        self.playback = Playback(lambda n: self._run(lambda: self._advance(n)), lambda: bool(self.sim.done or getattr(self.sim, "waiting", False)),
                                 speed=speed)
        self.play_button = self.playback.button
        self.goto_button = button("Go to step", "crosshairs", "Travel to the step in the box on the right",
                                  lambda: self.goto(self.goto_input.value))
        self.goto_input = widgets.BoundedIntText(value=0, min=0, max=2**31 - 1,
                                                 layout=widgets.Layout(width="80px"))
        self.status = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.log = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.errors = widgets.Output()
        controls = widgets.HBox(
            [self.reset_button, self.back_button, self.step_button, self.step10_button, self.run_button,
             self.play_button, self.playback.speed, self.goto_button, self.goto_input, self.playback.ticker],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = widgets.VBox([controls, self.status, self.errors, *[v.widget for v in self.views],
                                    self.log])
        self.refresh()

    # ---- actions (the buttons call these; so can a notebook) ----------------------------------------

    def step(self, n: int = 1) -> None:
        """Perform the next ``n`` steps, then redraw."""
        self._advance(n)

    def back(self, n: int = 1) -> None:
        """Travel ``n`` steps back, then redraw."""
        self.playback.pause()
        self.sim.back(n)
        self._after_travel()

    def goto(self, step: int) -> None:
        """Travel to ``step`` (back or forward), then redraw."""
        self.playback.pause()
        self.sim.goto(step)
        self._after_travel()

    def reset(self) -> None:
        """Back to step 0, then redraw."""
        self.playback.pause()
        self.sim.reset()
        self._events.clear()
        self.refresh()

    def run_to_end(self, max_steps: int = RUN_LIMIT) -> None:
        """Step until the job is done (or ``max_steps`` steps were taken), then redraw once."""
        self.playback.pause()
        taken = 0
        while not self.sim.done and taken < max_steps:
            n = min(RUN_CHUNK, max_steps - taken)
            events = self.sim.step(n)
            self._record(events)
            taken += n
            if not events:
                break
        self.refresh()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw the status line, every view and the event log from one snapshot (default: a fresh one)."""
        snap = self.sim.snapshot() if snapshot is None else snapshot
        self.snapshot = snap
        done = bool(snap.get("done", self.sim.done))
        with ExitStack() as stack:
            for w in (self.status, self.log, self.step_button, self.step10_button, self.run_button,
                      self.back_button, self.play_button):
                stack.enter_context(w.hold_sync())
            self.status.value = render_status(snap)
            for view in self.views:
                view.refresh(snap)
            self.log.value = render_event_log(self._events, self.log_size, operator_names(snap))
            for b in (self.step_button, self.step10_button, self.run_button):
                b.disabled = done
            self.play_button.disabled = done
            self.back_button.disabled = int(snap.get("step", self.sim.step_count)) <= 0

    # ---- internals ------------------------------------------------------------------------------------

    def _advance(self, n: int) -> None:
        self._record(self.sim.step(n))
        if self.sim.done:
            self.playback.pause()
        self.refresh()

    def _run(self, action: Callable[[], None]) -> None:
        """Run a control action; in a notebook an exception shows up under the controls until the next one."""
        if self._failed:
            self.errors.clear_output()
            self._failed = False
        with self.errors:
            try:
                action()
            except BaseException:
                self._failed = True
                raise

    def _record(self, events: Iterable[Any]) -> None:
        self._events.extend(event_dict(e) for e in events)

    def _after_travel(self) -> None:
        """After back/goto: forget events of steps not (re)done yet, add the current step's, redraw."""
        snap = self.sim.snapshot()
        current = int(snap.get("step", self.sim.step_count))
        kept = [e for e in self._events if int(e.get("step", 0)) <= current]
        self._events.clear()
        self._events.extend(kept)
        last = [event_dict(e) for e in snap.get("last_events") or ()]
        if last and (not kept or int(kept[-1].get("step", 0)) < int(last[0].get("step", 0))):
            self._events.extend(last)
        self.refresh(snap)
