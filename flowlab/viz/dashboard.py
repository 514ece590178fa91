"""Dashboard: step/play/back/reset and long-run controls, a status line, the views and the recent events of
one Simulation, all redrawn whenever the Simulation moves — whoever moved it."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.backpressure_view import BackpressureView, pressure_seen
from flowlab.viz.checkpoint_panel import CheckpointPanel
from flowlab.viz.event_time_view import EventTimePanel
from flowlab.viz.follow import Follower
from flowlab.viz.job_graph_view import JobGraphView
from flowlab.viz.long_run import LongRun
from flowlab.viz.playback import Playback
from flowlab.viz.recovery_panel import RecoveryPanel
from flowlab.viz.render.events_html import event_dict, operator_names, render_event_log
from flowlab.viz.render.status_html import records_emitted, render_progress, render_status
from flowlab.viz.stages_view import StagesView
from flowlab.viz.view import Displayable, View

LOG_STEPS = 10          # "Recent events" lists the events of the last LOG_STEPS steps ...
LOG_ROWS = 24           # ... at most this many rows (the newest)


class Dashboard(Displayable):
    """Controls, status line, views and recent events for a Simulation: Flink's Web UI, but steppable.

    ``views`` are objects with ``widget`` and ``refresh(snapshot)`` (default: a JobGraphView, the StagesView
    of a BATCH job, then the event-time tabs — watermarks, event-time plot, windows and late data — shown
    when the job has watermarks or windows (a BATCH job has none: no watermark tab), the BackpressureView,
    shown once something is back-pressured, whose levels then tint the one job graph, and the checkpoint and
    state tabs — ``CheckpointView``, ``ConsistentCutView`` when checkpointing is enabled, ``StateView`` and
    ``KeyGroupView`` when an operator keeps (keyed) state — and the end-to-end tabs — ``RecoveryTimelineView`` once
    something failed, ``KafkaTopicView`` when the job uses the simulated Kafka, ``FileSinkView`` with a FileSink);
    all of them redraw from one ``sim.snapshot()`` after every move of the
    simulation, also one made from a code cell (``sim.run(...)``). "Run to end" and "Run to … ms" run in
    chunks (``LongRun``) and can be stopped. "Recent events" is read from the trace: the events of the
    last ``log_steps`` steps, at most ``log_size`` rows.
    """

    def __init__(self, sim: Steppable, views: Sequence[View] | None = None, log_size: int = LOG_ROWS,
                 speed: int = 4, log_steps: int = LOG_STEPS) -> None:
        self.sim = sim
        self.graph_view: JobGraphView | None = None
        self.backpressure_view: BackpressureView | None = None
        if views is None:
            self.graph_view = JobGraphView(sim, follow=False)
            self.backpressure_view = BackpressureView(sim, auto_hide=True, show_graph=False, follow=False)
            views = [self.graph_view, StagesView(sim, follow=False), EventTimePanel(sim), self.backpressure_view,
                     CheckpointPanel(sim), RecoveryPanel(sim)]
        self.views: list[View] = list(views)
        self.log_size = log_size
        self.log_steps = log_steps
        self.snapshot: dict[str, Any] = {}
        self._busy = 0
        self._failed = False
        self.redraws = 0

        def button(description: str, icon: str, tooltip: str, action: Callable[[], None]) -> widgets.Button:
            b = widgets.Button(description=description, icon=icon, tooltip=tooltip,
                               layout=widgets.Layout(width="auto"))
            b.on_click(lambda _b: self._run(action))
            return b

        self.reset_button = button("Reset", "fast-backward", "Back to step 0 (also stops a run)", self.reset)
        self.back_button = button("Back", "step-backward", "Undo the last step (replays deterministically)",
                                  self.back)
        self.step_button = button("Step", "step-forward", "Perform the next observable event", self.step)
        self.step10_button = button("Step ×10", "forward", "Perform the next 10 events", lambda: self.step(10))
        self.playback = Playback(lambda n: self._run(lambda: self._advance(n)),
                                 lambda: bool(self.sim.done or getattr(self.sim, "waiting", False)), speed=speed)
        self.play_button = self.playback.button
        self.goto_button = button("Go to step", "crosshairs", "Travel to the step in the box on the right",
                                  lambda: self.goto(self.goto_input.value))
        self.goto_input = widgets.BoundedIntText(value=0, min=0, max=2**31 - 1,
                                                 layout=widgets.Layout(width="90px"))
        self.runner = LongRun(sim, self.refresh, guard=self._acting)
        self.run_button = button("Run to end", "fast-forward", "Run in chunks until the job is done (a job that "
                                 "never ends: for the simulation's horizon of virtual time); Stop interrupts",
                                 self.run_to_end)
        self.run_to_button = button("Run to", "hourglass-end", "Run in chunks until the virtual time in the box "
                                    "(ms); Stop interrupts", lambda: self.run_to(self.run_to_input.value))
        self.run_to_input = widgets.BoundedFloatText(value=1000.0, min=0, max=1e15, step=100,
                                                     layout=widgets.Layout(width="100px"))
        self.stop_button = button("Stop", "stop", "Stop the running Run to end / Run to … ms", self.stop)
        self.stop_button.disabled = True
        self.status = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.progress = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.log = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.errors = widgets.Output()
        row = widgets.Layout(flex_flow="row wrap", align_items="center")
        controls = widgets.HBox(
            [self.reset_button, self.back_button, self.step_button, self.step10_button, self.play_button,
             self.playback.speed, self.goto_button, self.goto_input, self.playback.ticker], layout=row)
        runs = widgets.HBox([self.run_button, self.run_to_button, self.run_to_input, widgets.Label("ms"),
                             self.stop_button, self.runner.ticker, self.progress], layout=row)
        self.widget = widgets.VBox([controls, runs, self.status, self.errors, *[v.widget for v in self.views],
                                    self.log])
        self.follower = Follower(sim, self._on_sim_moved, self.widget)
        self.widget._flowlab_follower = self.follower          # alive while the widget is open
        self.refresh()

    # ---- actions (the buttons call these; so can a notebook) ----------------------------------------

    def step(self, n: int = 1) -> None:
        """Perform the next ``n`` steps, then redraw."""
        self._advance(n)

    def back(self, n: int = 1) -> None:
        """Travel ``n`` steps back, then redraw."""
        self._halt()
        with self._acting():
            self.sim.back(n)
        self.refresh()

    def goto(self, step: int) -> None:
        """Travel to ``step`` (back or forward), then redraw."""
        self._halt()
        with self._acting():
            self.sim.goto(step)
        self.refresh()

    def reset(self) -> None:
        """Back to step 0 (stopping a run or playback), then redraw."""
        self._halt("Reset: back to step 0.")
        with self._acting():
            self.sim.reset()
        self.refresh()

    def run_to_end(self) -> None:
        """Start a chunked run to the end (an endless job: ``horizon_ms`` of virtual time); Stop interrupts."""
        self.playback.pause()
        self.runner.start(None)

    def run_to(self, until_ms: float) -> None:
        """Start a chunked run to virtual time ``until_ms``; Stop interrupts."""
        self.playback.pause()
        self.runner.start(float(until_ms))

    def stop(self) -> None:
        """Stop a chunked run (and playback)."""
        self.playback.pause()
        self.runner.stop()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw the status line, every view and the recent events from one snapshot (default: a fresh one)."""
        snap = self.sim.snapshot() if snapshot is None else snapshot
        self.snapshot = snap
        self.redraws += 1
        done = bool(snap.get("done", self.sim.done))
        running = self.runner.active
        if self.backpressure_view is not None and self.graph_view is not None:
            self.graph_view.backpressure_tints = pressure_seen(snap) or self.graph_view.backpressure_tints
        with ExitStack() as stack:
            for w in (self.status, self.log, self.progress, self.step_button, self.step10_button, self.run_button,
                      self.run_to_button, self.stop_button, self.back_button, self.play_button, self.goto_button):
                stack.enter_context(w.hold_sync())
            self.status.value = render_status(snap)
            for view in self.views:
                view.refresh(snap)
            self.log.value = render_event_log(self._recent(snap), self.log_size, operator_names(snap))
            self.progress.value = render_progress(self.runner.progress(records_emitted(snap)) if running
                                                  else self.runner.message, running)
            for b in (self.step_button, self.step10_button, self.run_button, self.run_to_button):
                b.disabled = done or running
            self.play_button.disabled = done or running
            self.goto_button.disabled = running
            self.stop_button.disabled = not running
            self.back_button.disabled = running or int(snap.get("step", self.sim.step_count)) <= 0

    # ---- internals ------------------------------------------------------------------------------------

    def _recent(self, snap: dict[str, Any]) -> list[dict[str, Any]]:
        """The events of the last ``log_steps`` steps, from the trace (or the snapshot's last step)."""
        recent = getattr(self.sim, "recent_events", None)
        events = recent(self.log_steps) if recent is not None else snap.get("last_events") or []
        return [event_dict(e) for e in events]

    def _advance(self, n: int) -> None:
        with self._acting():
            self.sim.step(n)
        if self.sim.done:
            self.playback.pause()
        self.refresh()

    def _halt(self, message: str = "") -> None:
        """Pause playback and end a chunked run quietly (the move that follows redraws)."""
        self.playback.pause()
        self.runner.halt(message)

    @contextmanager
    def _acting(self) -> Iterator[None]:
        """While the dashboard moves the simulation itself, its follower does not redraw (it does, after)."""
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1

    def _on_sim_moved(self) -> None:
        """Someone else moved the simulation (a code cell, another view): redraw."""
        if not self._busy:
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
