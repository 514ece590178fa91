"""Views follow the simulation: a move from a code cell redraws them; closed views stop following."""
from __future__ import annotations

import re

import flowlab
from flowlab.common import Types
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.viz import Dashboard, JobGraphView, WatermarkView
from flowlab.viz import follow as follow_mod
from tests.runtime.event_time_jobs import late_job


def _sim() -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.from_collection(list(range(30)), Types.INT()).key_by(lambda x: x % 3, key_type=Types.INT()) \
        .map(lambda x: x + 1).print()
    return flowlab.Simulation(env, snapshot_interval=10)


def step_shown(html: str) -> int:
    return int(re.search(r'class="flowlab-step-count">(\d+)<', html).group(1))


def test_dashboard_redraws_when_the_simulation_moves_from_code():
    """sim.step / run / back / goto / reset called directly: the Dashboard's status follows each time."""
    sim = _sim()
    dash = Dashboard(sim)
    sim.step(7)
    assert step_shown(dash.status.value) == 7
    sim.goto(20)
    assert step_shown(dash.status.value) == 20
    sim.back(5)
    assert step_shown(dash.status.value) == 15
    sim.run()
    assert step_shown(dash.status.value) == sim.step_count and "✓ done" in dash.status.value
    sim.reset()
    assert step_shown(dash.status.value) == 0


def test_a_button_move_redraws_once():
    """A click on Step redraws the dashboard once (its follower does not redraw a second time)."""
    sim = _sim()
    dash = Dashboard(sim)
    before = dash.redraws
    dash.step_button.click()
    assert dash.redraws == before + 1 and step_shown(dash.status.value) == 1


def test_standalone_views_follow_too():
    """A JobGraphView and a WatermarkView made before sim.run() show the finished job afterwards."""
    sim = late_job()
    graph, marks = JobGraphView(sim), WatermarkView(sim)
    sim.run()
    assert "FINISHED" in graph.html.value
    assert "Long.MAX_VALUE" in marks.html.value


def test_a_closed_view_stops_following():
    """After widget.close() the next move unregisters the view instead of redrawing it."""
    sim = _sim()
    view = JobGraphView(sim)
    view.widget.close()
    sim.step()
    assert view.follower.redraws == 0 and len(sim._listeners) == 0


def test_moves_inside_a_cell_redraw_once_when_the_cell_ends(monkeypatch):
    """In a cell, 50 sim.step() calls redraw nothing until post_execute, which redraws once."""
    sim = _sim()
    view = JobGraphView(sim)
    monkeypatch.setattr(follow_mod, "in_cell", lambda: True)
    for _ in range(50):
        sim.step()
    assert view.follower.redraws == 0 and "step 0 " in view.html.value
    follow_mod._flush()
    assert view.follower.redraws == 1 and "step 50 " in view.html.value


def test_recent_events_after_goto_are_those_of_the_last_ten_steps():
    """Go to step 40: the log lists exactly the events of steps 31-40, read from the trace."""
    sim = _sim()
    sim.run()
    dash = Dashboard(sim, log_size=200)
    dash.goto(40)
    shown = [int(s) for s in re.findall(r'<tr style="background:[^"]+"><td [^>]+>(\d+)</td>', dash.log.value)]
    expected = [e.step for e in sim.events() if 31 <= e.step <= 40]
    assert shown == expected and shown[0] == 31 and shown[-1] == 40
    assert "Recent events — steps 31–40" in dash.log.value


def test_a_dashboard_created_mid_run_shows_the_recent_events():
    """A Dashboard made after sim.goto(25) lists steps 16-25, not 'no events yet'."""
    sim = _sim()
    sim.goto(25)
    dash = Dashboard(sim)
    assert "no events yet" not in dash.log.value and "Recent events — steps 16–25" in dash.log.value
