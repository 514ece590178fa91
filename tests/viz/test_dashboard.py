"""Dashboard: the buttons drive the simulation, and every view redraws from one snapshot afterwards."""
from __future__ import annotations

import re
from typing import Any

import ipywidgets as widgets
import pytest

from flowlab.viz import Dashboard, JobGraphView
from tests.viz.helpers import finish


def step_shown(dash: Dashboard) -> int:
    return int(re.search(r'class="flowlab-step-count">(\d+)<', dash.status.value).group(1))


def records_shown(dash: Dashboard) -> int:
    return int(re.search(r'class="flowlab-records-total">(\d+)<', dash.status.value).group(1))


class RecordingView:
    """A minimal view: remembers the snapshots it was asked to draw."""

    def __init__(self) -> None:
        self.widget = widgets.HTML()
        self.seen: list[dict[str, Any]] = []

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        self.seen.append(snapshot)
        self.widget.value = f"step {snapshot['step']}"


def buttons(dash: Dashboard) -> dict[str, widgets.Button]:
    found = {}
    stack = [dash.widget]
    while stack:
        w = stack.pop()
        if isinstance(w, widgets.Button):
            found[w.description] = w
        stack.extend(getattr(w, "children", ()))
    return found


def test_buttons_have_the_descriptions_the_browser_test_clicks(fake_sim):
    """Step, Back, Reset and Play are plain ipywidgets.Button with exactly these descriptions."""
    found = buttons(Dashboard(fake_sim))
    for name in ("Step", "Back", "Reset", "Play", "Step ×10", "Run to end", "Run to", "Stop"):
        assert name in found


def test_step_button_steps_the_sim_and_updates_the_status(fake_sim):
    """A click on Step calls sim.step(1) and the status line shows the new step and records."""
    dash = Dashboard(fake_sim)
    assert (step_shown(dash), records_shown(dash)) == (0, 0)
    dash.step_button.click()
    assert fake_sim.calls == [("step", 1)]
    assert (step_shown(dash), records_shown(dash)) == (1, 6)
    dash.step_button.click()
    assert (step_shown(dash), records_shown(dash)) == (2, 12)


def test_back_and_reset_buttons_travel_in_time(fake_sim):
    """Back calls sim.back(1), Reset calls sim.reset(); the status follows."""
    dash = Dashboard(fake_sim)
    for _ in range(3):
        dash.step_button.click()
    before_back = dash.status.value
    dash.back_button.click()
    assert fake_sim.calls[-1] == ("back", 1) and step_shown(dash) == 2 and dash.status.value != before_back
    dash.reset_button.click()
    assert fake_sim.calls[-1] == ("reset", 0) and step_shown(dash) == 0


def test_back_restores_exactly_the_earlier_drawing(fake_sim):
    """After Back, status and job graph are byte-identical to what was shown at that step before."""
    dash = Dashboard(fake_sim)
    dash.step()
    earlier = (dash.status.value, dash.views[0].html.value)
    dash.step()
    dash.back()
    assert (dash.status.value, dash.views[0].html.value) == earlier


def test_step10_run_to_end_and_goto(fake_sim):
    """Step ×10 steps ten at once; Run to end reaches done; Go travels to a step."""
    dash = Dashboard(fake_sim)
    dash.goto_input.value = 2
    dash.goto_button.click()
    assert fake_sim.calls[-1] == ("goto", 2) and step_shown(dash) == 2
    dash.reset()
    dash.step10_button.click()
    assert fake_sim.calls[-1] == ("step", 10) and fake_sim.done
    dash.reset()
    dash.run_button.click()
    finish(dash)
    assert fake_sim.done and step_shown(dash) == fake_sim.total


def test_buttons_are_disabled_when_they_cannot_act(fake_sim):
    """Back is disabled at step 0; stepping and playing are disabled once the job is done."""
    dash = Dashboard(fake_sim)
    assert dash.back_button.disabled and not dash.step_button.disabled
    dash.run_to_end()
    finish(dash)
    assert dash.step_button.disabled and dash.step10_button.disabled and dash.play_button.disabled
    assert not dash.back_button.disabled
    dash.back()
    assert not dash.step_button.disabled and not dash.play_button.disabled


def test_all_views_redraw_from_one_snapshot_per_action(fake_sim):
    """Custom views get the same snapshot object as the status line, once per action."""
    a, b = RecordingView(), RecordingView()
    dash = Dashboard(fake_sim, views=[a, b])
    dash.step()
    dash.step()
    dash.back()
    assert len(a.seen) == len(b.seen) == 4
    assert all(x is y for x, y in zip(a.seen, b.seen, strict=True))
    assert [s["step"] for s in a.seen] == [0, 1, 2, 1]
    assert a.widget in dash.widget.children


def test_default_view_is_the_job_graph(fake_sim):
    """Without views the dashboard shows a JobGraphView with the SVG."""
    dash = Dashboard(fake_sim)
    assert isinstance(dash.views[0], JobGraphView)
    assert "flowlab-jobgraph" in dash.views[0].html.value


def test_event_log_follows_steps_and_time_travel(fake_sim):
    """The log lists the trace's recent events; after Back it drops the undone step; Reset empties it."""
    dash = Dashboard(fake_sim)
    assert "no events yet" in dash.log.value
    dash.step(3)
    assert all(f"record #{i}" in dash.log.value for i in (1, 2, 3))
    dash.back()
    assert "record #2" in dash.log.value and "record #3" not in dash.log.value
    dash.reset()
    assert "no events yet" in dash.log.value


def test_event_log_shows_at_most_log_size_rows(fake_sim):
    """Only the most recent events are listed."""
    dash = Dashboard(fake_sim, log_size=2)
    dash.step(5)
    log = dash.log.value
    assert "record #3" not in log and "record #4" in log and "record #5" in log


def test_dashboard_is_displayable_as_a_cells_last_expression(fake_sim):
    """IPython displays a Dashboard through its widget's mime bundle."""
    bundle = Dashboard(fake_sim)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_errors_from_the_simulation_are_not_swallowed(fake_sim, caplog):
    """A failing step raises from the API and is reported (not silently dropped) from a button click."""
    dash = Dashboard(fake_sim)

    def broken(n: int = 1):
        raise RuntimeError("user function failed")

    fake_sim.step = broken
    with pytest.raises(RuntimeError, match="user function failed"):
        dash.step()
    dash.step_button.click()
    assert "user function failed" in caplog.text
