"""Play: the browser's ipywidgets.Play ticks; the kernel steps once per fresh tick and pauses when done."""
from __future__ import annotations

import pytest

from flowlab.viz import Dashboard
from flowlab.viz.playback import MIN_INTERVAL_MS, tick_plan
from tests.viz.helpers import finish


def _dash(sim, **kwargs) -> Dashboard:
    """A Dashboard whose playback does not skip ticks for arriving quickly (tests tick instantly)."""
    dash = Dashboard(sim, **kwargs)
    dash.playback.min_gap_s = 0
    return dash


def tick(dash: Dashboard, value: int | None = None) -> None:
    """What the browser does on each interval: bump the Play model's value."""
    dash.playback.ticker.value = dash.playback.ticker.value + 1 if value is None else value


def test_play_button_starts_the_ticker_and_becomes_pause(fake_sim):
    """Play sets the ticker playing and relabels the button; Pause undoes both."""
    dash = _dash(fake_sim)
    dash.play_button.click()
    assert dash.playback.ticker.playing and dash.play_button.description == "Pause"
    dash.play_button.click()
    assert not dash.playback.ticker.playing and dash.play_button.description == "Play"


def test_each_fresh_tick_steps_once_and_renders_once(fake_sim):
    """At a slow speed one tick is one step and one snapshot (one redraw)."""
    dash = _dash(fake_sim, speed=2)
    dash.play_button.click()
    taken = fake_sim.snapshots_taken
    tick(dash)
    tick(dash)
    assert fake_sim.calls == [("step", 1), ("step", 1)]
    assert fake_sim.snapshots_taken - taken == 2
    assert "flowlab-step-count\">2<" in dash.status.value


def test_stale_ticks_are_skipped(fake_sim):
    """A tick not newer than the last handled one, or arriving after Pause, does nothing."""
    dash = _dash(fake_sim, speed=2)
    dash.play_button.click()
    tick(dash, 5)
    tick(dash, 4)  # older than the last one handled
    assert fake_sim.calls == [("step", 1)]
    dash.playback.pause()
    tick(dash)  # in flight when the user paused
    assert fake_sim.calls == [("step", 1)] and dash.playback.skipped == 2


def test_playback_pauses_itself_when_the_job_is_done(fake_sim):
    """Reaching done stops the ticker, relabels the button and disables it."""
    dash = _dash(fake_sim, speed=2)
    dash.play_button.click()
    for _ in range(fake_sim.total + 3):
        tick(dash)
    assert fake_sim.done and fake_sim.calls.count(("step", 1)) == fake_sim.total
    assert not dash.playback.playing and not dash.playback.ticker.playing
    assert dash.play_button.description == "Play" and dash.play_button.disabled


def test_play_does_nothing_when_done(fake_sim):
    """Play on a finished job does not start the ticker."""
    dash = _dash(fake_sim)
    dash.run_to_end()
    finish(dash)
    dash.playback.start()
    assert not dash.playback.ticker.playing


def test_fast_speeds_coalesce_steps_into_one_redraw(fake_sim):
    """Above 1000/MIN_INTERVAL_MS steps/s a tick takes several steps but redraws once."""
    dash = _dash(fake_sim, speed=60)
    assert dash.playback.ticker.interval == MIN_INTERVAL_MS and dash.playback.steps_per_tick == 3
    dash.play_button.click()
    taken = fake_sim.snapshots_taken
    tick(dash)
    assert fake_sim.calls == [("step", 3)] and fake_sim.snapshots_taken - taken == 1


def test_back_and_reset_pause_playback(fake_sim):
    """Travelling in time stops playing."""
    dash = _dash(fake_sim)
    dash.playback.start()
    dash.back()
    assert not dash.playback.playing
    dash.playback.start()
    dash.reset()
    assert not dash.playback.playing


def test_browser_stopping_the_ticker_pauses(fake_sim):
    """If the browser's Play model stops by itself, the button goes back to Play."""
    dash = _dash(fake_sim)
    dash.playback.start()
    dash.playback.ticker.playing = False
    assert not dash.playback.playing and dash.play_button.description == "Play"


@pytest.mark.parametrize(("sps", "plan"), [(1, (1000, 1)), (4, (250, 1)), (20, (50, 1)), (100, (50, 5))])
def test_tick_plan(sps, plan):
    """steps/s -> (interval ms, steps per tick)."""
    assert tick_plan(sps) == plan


def test_speed_slider_changes_the_interval(fake_sim):
    """Moving the slider retunes the ticker."""
    dash = _dash(fake_sim, speed=1)
    dash.playback.speed.value = 10
    assert dash.playback.ticker.interval == 100 and dash.playback.steps_per_tick == 1


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ticks_that_queued_up_during_a_slow_redraw_are_skipped(fake_sim):
    """A tick arriving right after the previous tick's work ended (it waited in the queue) does nothing."""
    clock = Clock()
    dash = Dashboard(fake_sim, speed=2)
    dash.playback.clock = clock
    dash.play_button.click()
    tick(dash)                       # handled; its work ends at t = 0
    tick(dash)                       # arrives at once: it queued up behind the first
    clock.now = 0.5                  # the next tick of the browser's timer
    tick(dash)
    assert fake_sim.calls == [("step", 1), ("step", 1)] and dash.playback.skipped == 1
