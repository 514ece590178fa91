"""Long runs that never block the kernel: "Run to end" and "Run to … ms" advance in chunks, one per tick.

A hidden ``ipywidgets.Play`` ticks in the browser; each tick runs one chunk of ``sim.run(until_ms=...,
max_steps=n)``, sized so that a chunk takes about ``budget_s`` of wall time, then the views redraw with the
progress (virtual time, steps, records). Between chunks the kernel is free, so a **Stop** (or **Reset**)
click is handled at once. Ticks that queued up while a chunk ran arrive back to back; a tick that comes less
than ``min_gap_s`` after the previous chunk ended is such a stale tick and is skipped (coalescing). No
threads, no sleeps; wall-clock time is only used to size chunks.

"Run to end" on a job that never ends (``sim.unbounded``) runs to ``now + sim.horizon_ms`` and says so.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import ipywidgets as widgets

from flowlab.viz.render.svg import ms as fmt_ms

TICK_MS = 100            # the ticker's interval in the browser
BUDGET_S = 0.12          # wall time one chunk may take (the redraw comes on top)
MIN_GAP_S = 0.03         # a tick closer than this to the end of the previous chunk had queued up: skip it
FIRST_CHUNK = 200
MAX_CHUNK = 200_000


def thousands(value: float) -> str:
    """``12 345.5``: numbers with a space between thousands (as the status line writes them)."""
    text = fmt_ms(value)
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sign + " ".join(groups) + (f".{frac}" if frac else "")


class LongRun:
    """One chunked run at a time: ``start(until_ms)`` (None: to the end), ``tick()`` per chunk, ``stop()``.

    ``on_change()`` is called after every chunk and when the run starts or ends (the Dashboard redraws).
    ``clock`` is injectable so the chunking can be tested without waiting.
    """

    def __init__(self, sim: Any, on_change: Callable[[], None], clock: Callable[[], float] = time.perf_counter,
                 budget_s: float = BUDGET_S, min_gap_s: float = MIN_GAP_S,
                 guard: Callable[[], AbstractContextManager[Any]] = nullcontext) -> None:
        self.sim = sim
        self.on_change = on_change
        self.guard = guard
        self.clock = clock
        self.budget_s = budget_s
        self.min_gap_s = min_gap_s
        self.active = False
        self.limit_ms: float | None = None
        self.to_end = False
        self.chunk = FIRST_CHUNK
        self.chunks = 0
        self.skipped = 0
        self.message = ""
        self._ended_at: float | None = None
        self._endless: str | None = None
        self.ticker = widgets.Play(value=0, min=0, max=2**31 - 1, interval=TICK_MS, show_repeat=False,
                                   layout=widgets.Layout(display="none"))
        self.ticker.observe(self._on_tick, names="value")

    # ---- control ------------------------------------------------------------------------------------
    def start(self, until_ms: float | None = None) -> None:
        """Run to ``until_ms`` virtual ms (None: to the end, or ``horizon_ms`` further for an endless job)."""
        sim = self.sim
        self.to_end = until_ms is None
        self._endless = getattr(sim, "unbounded", None) if until_ms is None else None
        horizon = getattr(sim, "horizon_ms", None)
        if self._endless and horizon is not None:
            until_ms = sim.now_ms + horizon
        self.limit_ms = until_ms
        self.active = True
        self.chunk = FIRST_CHUNK
        self.chunks = 0
        self._ended_at = None
        self.message = ""
        self.ticker.playing = True
        self.on_change()

    def stop(self) -> None:
        """The Stop button: end the run where it is and say so."""
        if self.active:
            self.halt(f"Stopped at t = {thousands(self.sim.now_ms)} virtual ms (step {self.sim.step_count}).")
            self.on_change()

    def halt(self, message: str) -> None:
        """End the run without redrawing (Reset, Back, Go to: the move that follows redraws)."""
        if self.active:
            self.active = False
            self.ticker.playing = False
            self.message = message

    # ---- one chunk ----------------------------------------------------------------------------------
    def _on_tick(self, change: dict[str, Any]) -> None:
        if not self.active:
            self.skipped += 1
            return
        if self._ended_at is not None and self.clock() - self._ended_at < self.min_gap_s:
            self.skipped += 1          # it queued up while the previous chunk ran
            return
        self.tick()
        self._ended_at = self.clock()

    def tick(self) -> None:
        """Run one chunk, resize the next one to the time budget, and finish when the run is over."""
        if not self.active:
            return
        sim = self.sim
        before_step, before_ms = sim.step_count, sim.now_ms
        started = self.clock()
        with self.guard():
            if hasattr(sim, "run"):
                sim.run(until_ms=self.limit_ms, max_steps=self.chunk)
            else:                          # a minimal Steppable: steps only
                sim.step(self.chunk)
        elapsed = self.clock() - started
        self.chunks += 1
        took = sim.step_count - before_step
        if took >= self.chunk and elapsed > 0:
            self.chunk = max(10, min(MAX_CHUNK, round(self.chunk * self.budget_s / elapsed)))
        end = self._end_message(took == 0 and sim.now_ms == before_ms)
        if end is not None:
            self.active = False
            self.ticker.playing = False
            self.message = end
        self.on_change()

    def _end_message(self, stuck: bool) -> str | None:
        sim = self.sim
        now = f"t = {thousands(sim.now_ms)} virtual ms (step {sim.step_count})"
        stopped_by = getattr(sim, "stopped_by", None)
        if sim.done:
            status = getattr(sim, "job_status", "over")
            return f"The job is {status} at {now}."
        if stopped_by is not None:         # a chunk never stops at the horizon: it always passes until_ms
            return f"Stopped by the breakpoint {stopped_by!r} at {now}."
        if self.limit_ms is not None and sim.now_ms >= self.limit_ms:
            if self._endless:
                return (f"{self._endless[0].upper()}{self._endless[1:]}: stopped at {thousands(sim.now_ms)} virtual ms "
                        f"(step {sim.step_count}), {thousands(getattr(sim, 'horizon_ms', 0) or 0)} ms after the start "
                        "of the run; use Run to … ms (or sim.run(until_ms=...)) to go further.")
            return f"Reached {now}."
        if stuck:
            note = getattr(sim, "waiting_note", None)
            return f"Nothing more happens at {now}" + (f": {note}." if note else ".")
        return None

    def progress(self, records: int) -> str:
        """One line for the Dashboard: what runs, how far it got, and Stop."""
        sim = self.sim
        target = ("the end" if self.limit_ms is None else
                  f"t = {thousands(self.limit_ms)} ms" + (" (the horizon of an endless job)" if self._endless else ""))
        return (f"Running to {target}: t = {thousands(sim.now_ms)} virtual ms · step {thousands(sim.step_count)} · "
                f"{thousands(records)} records · {self.chunks} chunk{'s' if self.chunks != 1 else ''}")
