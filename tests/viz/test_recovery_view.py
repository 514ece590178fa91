"""RecoveryTimelineView: lanes per subtask with their states per attempt, failures, restarts, the restored
checkpoint, replays and the gap in sink output — on the hand-made scenario of ``recovery_samples`` (the
``snapshot["recovery"]`` contract) and on a real failing run."""
from __future__ import annotations

import re
from html import unescape

import flowlab
from flowlab.common import Configuration, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import GeneratorSource
from flowlab.trace import TraceEvent
from flowlab.viz import Dashboard, RecoveryPanel, RecoveryTimelineView
from flowlab.viz.recovery_timeline import TimelineTrace, has_failures, lane_names, timeline
from flowlab.viz.render.recovery_html import render_recovery_summary
from flowlab.viz.render.recovery_svg import render_recovery_timeline
from tests.viz.recovery_samples import recovery_events, recovery_snapshot


def plain(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def _model(failed: bool = True, section: bool = True, events=None) -> dict:
    trace = TimelineTrace()
    trace.update(recovery_events(failed) if events is None else events)
    return timeline(recovery_snapshot(failed, section), trace)


def _spans(lane: dict) -> list[tuple]:
    return [(s["state"], s["start_us"] // 1000, s["end_us"] // 1000, s["attempt"]) for s in lane["spans"]]


def test_each_lane_has_its_states_per_attempt():
    """v1[1] runs attempt 0 until it fails at 130 ms, waits until 140 ms, runs attempt 1 from 143 ms; the others
    are canceled at 131-132 ms and wait as well."""
    lanes = {(lane["vertex"], lane["subtask"]): lane for lane in _model()["lanes"]}
    assert _spans(lanes[("v1", 1)]) == [("DEPLOYING", 0, 1, 0), ("INITIALIZING", 1, 2, 0), ("RUNNING", 2, 130, 0),
                                        ("FAILED", 130, 140, 0), ("DEPLOYING", 140, 141, 1),
                                        ("INITIALIZING", 141, 143, 1), ("RUNNING", 143, 160, 1)]
    assert _spans(lanes[("v2", 0)])[2:5] == [("RUNNING", 2, 131, 0), ("CANCELING", 131, 132, 0),
                                             ("CANCELED", 132, 140, 0)]
    assert [lane["regions"] for lane in lanes.values()] == [[1], [1], [1]]


def test_a_transition_naming_its_attempt_wins_over_counting():
    """A subtask restarted in place twice before running (attempt 2 named by the runtime) runs attempt 2."""
    trace = TimelineTrace()
    trace.update([TraceEvent(k, t * 1000, "task_state", "v1", 0, None, "", data) for k, (t, data) in enumerate([
        (0, {"from": "CREATED", "to": "RUNNING"}), (5, {"from": "RUNNING", "to": "FAILED"}),
        (9, {"from": "FAILED", "to": "CREATED", "attempt": 2}), (10, {"from": "CREATED", "to": "RUNNING"})])])
    snap = {"now_us": 20_000, "vertices": [{"id": "v1", "name": "v", "parallelism": 1,
                                            "subtasks": [{"index": 0, "state": "RUNNING"}]}]}
    (lane,) = timeline(snap, trace)["lanes"]
    assert _spans(lane) == [("RUNNING", 0, 5, 0), ("FAILED", 5, 9, 0), ("CREATED", 9, 10, 2), ("RUNNING", 10, 20, 2)]


def test_region_names_match_the_ways_flink_names_a_subtask():
    vertex = {"id": "v1", "name": "Source: gen -> Map", "parallelism": 2}
    assert lane_names(vertex, 1) == {"v1", "Source: gen -> Map", "v1[1]", "Source: gen -> Map[1]",
                                     "Source: gen -> Map [1]", "Source: gen -> Map (2/2)", "v1 (2/2)"}


def test_the_gap_in_sink_output_runs_from_the_last_record_before_the_failure_to_the_first_after():
    (restart,) = _model()["restarts"]
    assert restart["gaps"] == {("v2", 0): {"start_us": 122_000, "end_us": 145_000, "open": False,
                                           "after_running_us": 143_000}}
    assert restart["restore_ms"] == 100.0


def test_the_picture_marks_failure_restore_replays_and_gap():
    svg = render_recovery_timeline(_model())
    failure = re.search(r'<g class="flowlab-rt-failure" data-at="130"><title>([^<]*)</title>', svg)
    assert unescape(failure.group(1)) == ("Source: Collection -> Map [1] failed at 130 ms: RUNNING -> FAILED: "
                                          "RuntimeException: boom")
    assert re.findall(r'class="flowlab-rt-checkpoint( flowlab-rt-restored)?" data-id="(\d)"', svg) == [
        ("", "1"), (" flowlab-rt-restored", "2")]
    assert 'class="flowlab-rt-restore" data-checkpoint="2"><title>restart 1 at 140 ms: restore checkpoint 2 ' \
           "(triggered at 100 ms)</title>" in svg
    assert svg.count('class="flowlab-rt-replay"') == 6               # 3 replays on each source subtask
    assert re.findall(r'class="flowlab-rt-gap" data-restart="1" data-vertex="(\w+)" data-subtask="(\d)" '
                      r'data-ms="([\d.]+)"', svg) == [("v2", "0", "23")]
    assert ">no output for 23 ms<" in svg
    running = re.findall(r'class="flowlab-rt-span" data-state="RUNNING" data-attempt="(\d)"', svg)
    assert running == ["0", "1"] * 3
    assert svg.count('class="flowlab-rt-waiting" data-state="FAILED"') == 1
    assert svg.count('class="flowlab-rt-waiting" data-state="CANCELED"') == 2


def test_the_legend_lists_only_what_is_drawn():
    """Replays are drawn only when source records carry the replay flag."""
    kinds = lambda svg: re.findall(r'flowlab-rt-legend-item" data-kind="([\w-]+)"', svg)  # noqa: E731
    assert kinds(render_recovery_timeline(_model())) == [
        "running", "deploying", "waiting", "failure", "checkpoint", "restore", "phase-wait", "phase-restore",
        "emit", "replay", "sink", "gap"]
    events = recovery_events()
    for e in events:
        if e.data and e.data.get("replay"):
            e.data = {"position": 0}
    assert "replay" not in kinds(render_recovery_timeline(_model(events=events)))


def test_long_task_names_wrap_at_words_with_the_full_name_on_hover():
    snap = recovery_snapshot()
    long = "Source: a rather long source name -> Map with a long explanation of what it does"
    snap["vertices"][0]["name"] = long
    trace = TimelineTrace()
    trace.update(recovery_events())
    svg = render_recovery_timeline(timeline(snap, trace))
    name = re.search(r'<g class="flowlab-rt-name"><title>([^<]*)</title>(.*?)</g>', svg)
    assert unescape(name.group(1)) == long.replace(" -> ", " → ") + " (v1)"
    lines = re.findall(r">([^<]+)</text>", name.group(2))
    assert " ".join(lines) == long.replace(" -> ", " → ") and len(lines) > 1


def test_the_summary_lists_strategies_and_each_restart():
    text = plain(render_recovery_summary(_model()))
    assert text.startswith("restart strategy fixed-delay · failover strategy region · 1 restart(s) · replayed: "
                           "Source: Collection 6 record(s)")
    assert ("1 130 ms Source: Collection -> Map (2/2) java.lang.RuntimeException: boom Source: Collection -> Map "
            "(1/2), Source: Collection -> Map (2/2), Sink: Print to Std. Out (1/1) 140 ms (+10 ms) 143 ms "
            "checkpoint 2 (triggered at 100 ms) v2[0] 23 ms") in text


def test_without_the_section_the_restarts_are_read_from_the_recovery_events():
    """No ``snapshot["recovery"]``: restart 1 comes from the failure, restarting, restoring and running events."""
    model = _model(section=False)
    assert model["restarts"] == [{"number": 1, "cause": "JobMaster: v1[1] failed (RuntimeException: boom)",
                                  "taskmanager": None, "failed_task": "v1[1]", "failed_at_ms": 130.0,
                                  "region": ["v1[0]", "v1[1]", "v2[0]"], "restart_at_ms": 140.0,
                                  "running_at_ms": 143.0, "restored_checkpoint": 2, "attempt": 1,
                                  "restore_ms": 100.0, "gaps": model["restarts"][0]["gaps"]}]
    assert ("1 130 ms v1[1] JobMaster: v1[1] failed (RuntimeException: boom) v1[0], v1[1], v2[0] 140 ms (+10 ms) "
            "143 ms checkpoint 2 (triggered at 100 ms) v2[0] 23 ms") in plain(render_recovery_summary(model))
    assert 'class="flowlab-rt-restore" data-checkpoint="2"' in render_recovery_timeline(model)


def test_no_failure_says_so_with_or_without_the_recovery_section():
    with_section = _model(failed=False)
    assert plain(render_recovery_summary(with_section)) == (
        "No failures yet · restart strategy fixed-delay · failover strategy region . Script one with "
        "sim.fail(vertex, subtask, at_ms) or sim.kill_taskmanager(tm, at_ms) .")
    without = _model(failed=False, section=False)
    assert plain(render_recovery_summary(without)).startswith("No failures yet. Script one with")
    view = RecoveryTimelineView()
    view.refresh(recovery_snapshot(failed=False, section=False))
    assert view.svg.value == "" and "No failures yet" in view.summary.value


def test_the_trace_is_read_incrementally_and_again_after_a_step_back():
    """Feeding the events in two parts gives the same model as at once; a shorter trace (a step back) starts over."""
    events = recovery_events()
    whole = TimelineTrace()
    whole.update(events)
    parts = TimelineTrace()
    parts.update(events[:40])
    parts.update(events)
    assert parts.count == whole.count == len(events)
    assert (parts.states, parts.failures, list(parts.sinks[("v2", 0)])) == (whole.states, whole.failures,
                                                                             list(whole.sinks[("v2", 0)]))
    parts.update(events[:40])
    fresh = TimelineTrace()
    fresh.update(events[:40])
    assert (parts.count, parts.states) == (40, fresh.states)


def test_has_failures_reads_the_snapshot_only():
    assert has_failures(recovery_snapshot())
    assert not has_failures(recovery_snapshot(failed=False))
    snap = recovery_snapshot(failed=False, section=False)
    snap["job"]["status"] = "FAILED"
    assert has_failures(snap)


def _failing_sim() -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.enable_checkpointing(20)
    (env.from_source(GeneratorSource(lambda i: (f"k{i % 3}", 1), count=None, records_per_second=200),
                     WatermarkStrategy.no_watermarks(), "gen")
        .key_by(lambda t: t[0]).sum(1).print())
    sim = flowlab.Simulation(env)
    sim.fail("v1", 1, at_ms=50)
    return sim


def test_a_real_failure_is_drawn_on_the_failed_subtask():
    """Source: gen [1] fails at 50 ms; its lane shows the failure with the injected cause, and the view follows
    the simulation from "No failures yet" to the failure, back before it and forward again."""
    sim = _failing_sim()
    view = RecoveryTimelineView(sim)
    assert "No failures yet" in view.summary.value
    sim.run(until_ms=80)
    failure = re.search(r'data-vertex="v1" data-subtask="1">.*?<g class="flowlab-rt-failure" data-at="50"><title>'
                        r'([^<]*)</title>', view.svg.value)
    assert unescape(failure.group(1)).startswith("Source: gen [1] failed at 50 ms: RUNNING -> FAILED: "
                                                 "InjectedFailure: injected failure")
    sim.goto(10)                                   # time travel: back before the failure
    assert "No failures yet" in view.summary.value and view.svg.value == ""
    sim.run(until_ms=80)
    assert 'class="flowlab-rt-failure" data-at="50"' in view.svg.value


def test_the_dashboard_shows_the_recovery_tab_once_something_fails():
    sim = _failing_sim()
    dash = Dashboard(sim)
    panel = next(v for v in dash.views if isinstance(v, RecoveryPanel))
    assert panel.shown == [] and panel.widget.layout.display == "none"
    sim.run(until_ms=80)
    assert [t for t, _ in panel.shown] == ["Recovery"] and panel.widget.layout.display == "flex"
    assert 'class="flowlab-rt-failure" data-at="50"' in panel.recovery.svg.value


def _recovering_sim() -> flowlab.Simulation:
    """fixed-delay (3 attempts, 10 ms), a replacement TaskManager 50 ms after one is lost; p=2 keyed sum with
    checkpoints every 20 ms; v1[1] fails at 50 ms, TaskManager tm-1 (every slot) is lost at 120 ms."""
    conf = Configuration()
    for key, value in {"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "3",
                       "restart-strategy.fixed-delay.delay": "10 ms",
                       "flowlab.cluster.taskmanager-replacement-delay": "50 ms"}.items():
        conf.set_string(key, value)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    env.enable_checkpointing(20)
    (env.from_source(GeneratorSource(lambda i: (f"k{i % 3}", 1), count=None, records_per_second=200),
                     WatermarkStrategy.no_watermarks(), "gen")
        .key_by(lambda t: t[0]).sum(1).print())
    sim = flowlab.Simulation(env)
    sim.fail("v1", 1, at_ms=50)
    sim.kill_taskmanager("tm-1", at_ms=120)
    return sim


def test_a_real_recovery_from_a_task_failure_and_a_lost_taskmanager():
    """Restart 1 restores checkpoint 2 (triggered at 40 ms) at 61 ms; restart 2 restores checkpoint 4 (101 ms)
    at 131 ms and runs again at 170 ms, once the replacement TaskManager has registered; every lane runs
    attempts 0, 1 and 2; the sinks deliver nothing for 41 and 70 ms; 3 source records are replays."""
    sim = _recovering_sim()
    view = RecoveryTimelineView(sim)
    sim.run(until_ms=300)
    assert plain(view.summary.value) == (
        "restart strategy fixed-delay · failover strategy region · 2 restart(s) · replayed: Source: gen 3 record(s) "
        "# failed at what failed cause region restarted restart at running again restored gap in sink output "
        "1 50 ms v1[1] InjectedFailure: injected failure v1[0], v1[1], v2[0], v2[1] 61 ms (+11 ms; delay 10 ms) "
        "61 ms checkpoint 2 (triggered at 40 ms) v2[0] 41 ms; v2[1] 41 ms "
        "2 120 ms TaskManager tm-1 InjectedFailure: TaskManager tm-1 lost: the TaskManager process died "
        "v1[0], v1[1], v2[0], v2[1] 131 ms (+11 ms; delay 10 ms) 170 ms checkpoint 4 (triggered at 101 ms) "
        "v2[0] 70 ms; v2[1] 70 ms")
    svg = view.svg.value
    assert re.findall(r'class="flowlab-rt-failure" data-at="([\d.]+)"', svg) == ["120", "50", "120", "120", "120"]
    assert re.findall(r'class="flowlab-rt-restore" data-checkpoint="(\d+)"><title>([^<]*)', svg) == [
        ("2", "restart 1 at 61 ms: restore checkpoint 2 (triggered at 40 ms)"),
        ("4", "restart 2 at 131 ms: restore checkpoint 4 (triggered at 101 ms)")]
    assert re.findall(r'class="flowlab-rt-span" data-state="RUNNING" data-attempt="(\d)"', svg) == ["0", "1", "2"] * 4
    assert re.findall(r'class="flowlab-rt-gap" data-restart="(\d)" data-vertex="v2" data-subtask="(\d)" '
                      r'data-ms="([\d.]+)"', svg) == [("1", "0", "40.995"), ("1", "1", "41"), ("2", "0", "69.995"),
                                                      ("2", "1", "70")]
    assert re.findall(r'class="flowlab-rt-replay"[^>]*><title>([^<]*)', svg) == [
        "1 record(s) emitted again after the restore (replay) at 61 ms",
        "1 record(s) emitted again after the restore (replay) at 170 ms",
        "1 record(s) emitted again after the restore (replay) at 170 ms"]
