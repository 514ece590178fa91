"""Playback: Play/Pause driven by ``ipywidgets.Play``, which ticks in the browser, not in the kernel.

No threads, timers or sleeps in Python: the browser's Play model bumps its ``value`` every ``interval``
ms and the kernel reacts to each change. The handler coalesces: a fresh tick advances the simulation by
``steps_per_tick`` steps and redraws once; a tick that is not newer than the last one handled, that
arrives after a pause, or that arrives less than ``min_gap_s`` after the previous tick's work ended (it
queued up while the kernel was busy drawing) is skipped, so a slow redraw never builds a backlog that
would keep the kernel busy; playback pauses itself when the simulation is done.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

MIN_INTERVAL_MS = 50   # faster ticks only flood the kernel; above 20 steps/s a tick takes several steps
MAX_SPEED = 200
MIN_GAP_S = 0.02       # a tick closer than this to the end of the previous tick's work had queued up


def tick_plan(steps_per_second: int) -> tuple[int, int]:
    """(tick interval in ms, steps per tick) that play ``steps_per_second``."""
    sps = max(1, int(steps_per_second))
    interval = max(MIN_INTERVAL_MS, round(1000 / sps))
    return interval, max(1, round(sps * interval / 1000))


class Playback:
    """The Play/Pause button, a speed slider (steps/s) and a hidden ``ipywidgets.Play`` that ticks."""

    def __init__(self, advance: Callable[[int], None], is_done: Callable[[], bool], speed: int = 4,
                 clock: Callable[[], float] = time.perf_counter, min_gap_s: float = MIN_GAP_S) -> None:
        self._advance = advance
        self._is_done = is_done
        self.clock = clock
        self.min_gap_s = min_gap_s
        self._ended_at: float | None = None
        self.playing = False
        self.skipped = 0
        self._last_tick = 0
        self.button = widgets.Button(description="Play", icon="play", tooltip="Play / pause: step on a timer",
                                     layout=widgets.Layout(width="auto"))
        self.speed = widgets.IntSlider(value=speed, min=1, max=MAX_SPEED, description="steps/s",
                                       continuous_update=False, style={"description_width": "auto"},
                                       layout=widgets.Layout(width="230px"))
        # The ticker: Play's own buttons are hidden; the button above starts and stops it.
        self.ticker = widgets.Play(value=0, min=0, max=2**31 - 1, show_repeat=False,
                                   layout=widgets.Layout(display="none"))
        self.steps_per_tick = 1
        self._on_speed({"new": speed})
        self.button.on_click(lambda _b: self.toggle())
        self.speed.observe(self._on_speed, names="value")
        self.ticker.observe(self.on_tick, names="value")
        self.ticker.observe(self._on_ticker_playing, names="playing")

    def toggle(self) -> None:
        """Pause when playing, play otherwise."""
        if self.playing:
            self.pause()
        else:
            self.start()

    def start(self) -> None:
        """Start ticking (nothing happens when the simulation is done)."""
        if self.playing or self._is_done():
            return
        self.playing = True
        self._last_tick = self.ticker.value
        self.button.description, self.button.icon = "Pause", "pause"
        self.ticker.playing = True

    def pause(self) -> None:
        """Stop ticking; ticks still in flight from the browser are skipped."""
        self.playing = False
        self.button.description, self.button.icon = "Play", "play"
        self.ticker.playing = False

    def on_tick(self, change: dict[str, Any]) -> None:
        """Handle one tick of the browser's Play model (coalescing; see the module docstring)."""
        tick = int(change["new"])
        if not self.playing or tick <= self._last_tick:
            self.skipped += 1
            return
        self._last_tick = tick
        if self._ended_at is not None and self.clock() - self._ended_at < self.min_gap_s:
            self.skipped += 1          # it queued up while the previous tick's work ran
            return
        if not self._is_done():
            self._advance(self.steps_per_tick)
        self._ended_at = self.clock()
        if self._is_done():
            self.pause()

    def _on_speed(self, change: dict[str, Any]) -> None:
        self.ticker.interval, self.steps_per_tick = tick_plan(change["new"])

    def _on_ticker_playing(self, change: dict[str, Any]) -> None:
        if not change["new"] and self.playing:  # the browser stopped the ticker (e.g. it reached max)
            self.pause()
