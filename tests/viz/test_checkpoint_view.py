"""CheckpointView, ConsistentCutView and the Dashboard's checkpoint and state tabs: they draw the simulation's
checkpoints and follow it when it moves."""
from __future__ import annotations

import re

import pytest

import flowlab
from flowlab.common import Types
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.viz import CheckpointPanel, CheckpointView, ConsistentCutView, Dashboard
from tests.viz.checkpoint_samples import ck_snapshot, protocol_sim


def _blocked_sim() -> flowlab.Simulation:
    sim = protocol_sim()
    sim.break_on("channel_blocked")
    return sim


def test_checkpoint_view_draws_the_moment_a_channel_is_blocked():
    """At the first blocked channel: v1[0]'s channel is drawn blocked, barrier 1 of v1[1] is in its channel with
    241 records ahead, v2[0] is aligning, and the history lists checkpoint 1 IN_PROGRESS."""
    sim = _blocked_sim()
    view = CheckpointView(sim)
    sim.run()
    svg = view.graph.value
    assert re.findall(r'class="flowlab-channel flowlab-channel-blocked" data-edge="0" data-from="(\d)"', svg) == ["0"]
    assert re.findall(r'class="flowlab-barrier" data-checkpoint="1" data-where="(\w+)" data-ahead="(\d+)" '
                      r'data-behind="(\d+)"', svg) == [("sender", "241", "17")]
    assert 'data-phase="aligning"' in view.subtasks.value
    assert re.findall(r'data-id="(\d)" data-status="(\w+)"', view.history.value) == [("1", "IN_PROGRESS")]


def test_checkpoint_view_follows_back_in_time():
    """Back to before the trigger: no barrier, nothing blocked, no checkpoint yet."""
    sim = _blocked_sim()
    view = CheckpointView(sim)
    sim.run()
    sim.goto(10)
    assert "flowlab-barrier\"" not in view.graph.value and "flowlab-channel-blocked" not in view.graph.value
    assert "None triggered yet" in view.summary.value


def test_refresh_without_a_simulation_needs_a_snapshot():
    with pytest.raises(ValueError, match="needs a snapshot"):
        CheckpointView().refresh()
    view = CheckpointView()
    view.refresh(ck_snapshot())
    assert 'data-focus="3"' in view.summary.value


def test_cut_view_follows_the_focus_and_can_pick_a_checkpoint():
    """By default the newest checkpoint is drawn; the drop-down lists every checkpoint and picks one."""
    sim = protocol_sim()
    sim.run(until_ms=120)
    view = ConsistentCutView(sim)
    assert [v for _, v in view.chooser.options] == [0, 1, 2] and view.checkpoint_id == 2
    assert 'data-checkpoint="2"' in view.svg.value
    view.chooser.value = 1
    assert view.cut["checkpoint"] == 1 and 'data-checkpoint="1"' in view.svg.value
    assert re.findall(r'data-kind="channel" data-edge="0" data-from="1" data-to="0" data-barrier="(\d+)"',
                      view.svg.value) == ["305"]


def test_cut_view_reads_channel_state_of_a_retained_unaligned_checkpoint():
    """Unaligned checkpoint 1, retained: 266 records of v1[1]'s channel are drawn as channel state in total."""
    sim = protocol_sim(unaligned=True)
    sim.run(until_ms=120)
    view = ConsistentCutView(sim, checkpoint_id=1)
    row = next(r for r in view.cut["rows"] if r["label"] == "v1[1] → v2[0]")
    assert (view.checkpoint_id, row["counts"]["channel_state"]) == (1, 266)


def test_cut_view_without_checkpoints_says_so():
    view = ConsistentCutView()
    view.refresh(ck_snapshot(enabled=False))
    assert "checkpointing is off" in view.svg.value


def test_dashboard_shows_the_checkpoint_and_state_tabs_when_checkpointing():
    """A checkpointed keyed job: tabs Checkpoints and Consistent cut at once, State when its operators are
    deployed; only the selected tab is drawn."""
    sim = _blocked_sim()
    dash = Dashboard(sim)
    panel = next(v for v in dash.views if isinstance(v, CheckpointPanel))
    assert [t for t, _ in panel.shown] == ["Checkpoints", "Consistent cut"]
    sim.run()
    assert [panel.tabs.get_title(i) for i in range(3)] == ["Checkpoints", "Consistent cut", "State"]
    assert "flowlab-channel-blocked" in panel.checkpoints.graph.value and panel.cut.cut is None
    panel.tabs.selected_index = 1
    assert panel.cut.cut["checkpoint"] == 1
    panel.tabs.selected_index = 2
    assert "(&#x27;a&#x27;, 51)" in panel.state.html.value


def _stateless_env() -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1, 2, 3], Types.INT()).map(lambda x: x + 1).print()
    return env


def test_a_stateless_job_without_checkpoints_has_no_such_tabs():
    dash = Dashboard(flowlab.Simulation(_stateless_env()))
    panel = next(v for v in dash.views if isinstance(v, CheckpointPanel))
    assert panel.shown == [] and panel.widget.layout.display == "none"


def test_state_without_checkpointing_shows_only_the_state_and_key_group_tabs():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([("a", 1), ("a", 2)]).key_by(lambda t: t[0]).sum(1).print()
    sim = flowlab.Simulation(env)
    dash = Dashboard(sim)
    panel = next(v for v in dash.views if isinstance(v, CheckpointPanel))
    assert panel.shown == []
    sim.run()
    assert [t for t, _ in panel.shown] == ["State", "Key groups"] and panel.widget.layout.display == "flex"
