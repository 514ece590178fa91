"""STREAMING recovery: restart strategies, failover regions, the phases of a restart, lost TaskManagers."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.runtime.simulation.errors import JobExecutionException
from tests.runtime.recovery_jobs import FIXED, FailOn, TagAttempt, env_with, paced, phases, statuses


def _keyed(fail_on: int = 4, until_attempt: int | None = 1, **conf: str) -> flowlab.Simulation:
    """numbers (one every 10 ms) -> check (fails on ``fail_on``) -> key_by -> tag (its attempt) -> print."""
    env = env_with(1, **{**FIXED, **conf})
    (env.from_source(paced(10), WatermarkStrategy.no_watermarks(), "numbers").map(FailOn(fail_on, until_attempt))
        .name("check").key_by(lambda x: x % 2).map(TagAttempt()).name("tag").print())
    return flowlab.Simulation(env)


def test_a_failure_restarts_the_region_through_every_phase() -> None:
    """The map fails on 4 (t = 40 ms); the JobMaster hears it 1 ms later; RESTARTING; after the 10 ms delay the new
    attempts restore (no checkpoint: from scratch) and run; the job FINISHES."""
    sim = _keyed()
    sim.run()
    assert sim.job_status == "FINISHED"
    assert phases(sim) == [(41.0, "failure", 0), (41.0, "restarting", 1), (41.0, "canceling", 1),
                           (51.0, "restoring", 1), (51.0, "running", 1)]
    assert statuses(sim) == [(0.0, "INITIALIZING"), (0.0, "CREATED"), (0.0, "RUNNING"), (41.0, "RESTARTING"),
                             (51.0, "RUNNING"), (101.0, "FINISHED")]
    restoring = next(e for e in sim.events() if e.kind == "recovery" and e.data["phase"] == "restoring")
    assert restoring.data == {"phase": "restoring", "attempt": 1, "checkpoint_id": None, "region": ["v1[0]", "v2[0]"],
                              "delay_ms": None}
    assert restoring.detail == ("restart 1: new attempts of 2 subtask(s) restore no checkpoint: from scratch (sources "
                                "from the beginning, empty state)")


def test_without_checkpoints_the_source_starts_again_and_print_repeats() -> None:
    """From scratch: 0..3 went out in attempt 0, then everything again in attempt 1 (get_attempt_number)."""
    sim = _keyed()
    sim.run()
    assert sim.printed_lines() == [f"({i}, 0)" for i in range(4)] + [f"({i}, 1)" for i in range(10)]
    replays = [e.data["position"] for e in sim.events() if e.kind == "source_emit" and e.data.get("replay")]
    assert replays == [1, 2, 3, 4, 5]          # the source had read 5 records (0..4) before the failure
    assert sim.runtime.jobmaster.recovery.replayed_records() == {"Source: numbers -> check": 5}


def test_fixed_delay_one_attempt_is_two_executions() -> None:
    """attempts=1 (the default): a function that always fails gives up on the second failure, with Flink's text."""
    sim = _keyed(until_attempt=None)
    sim.run()
    assert sim.job_status == "FAILED"
    assert [p for _, p, _ in phases(sim)] == ["failure", "restarting", "canceling", "restoring", "running",
                                              "failure", "gave_up"]
    assert sim.failure.splitlines()[0] == ("JobException: Recovery is suppressed by FixedDelayRestartBackoffTime"
                                           "Strategy(maxNumberRestartAttempts=1, backoffTimeMS=10)")
    assert "ValueError: cannot take 4 in attempt 1" in sim.failure
    assert sorted({e.data["attempt"] for e in sim.events() if e.kind == "recovery"}) == [0, 1]


def test_execute_raises_after_giving_up() -> None:
    """execute() (fast-forward) raises JobExecutionException; its cause is the JobException, then the user's error."""
    env = env_with(1, **FIXED)
    env.from_source(paced(10), WatermarkStrategy.no_watermarks(), "numbers").map(FailOn(4, None)).print()
    with pytest.raises(JobExecutionException) as info:
        env.execute()
    assert str(info.value).startswith("Job execution failed.\nJobException: Recovery is suppressed by "
                                      "FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1, backoffTimeMS=10)")
    assert isinstance(info.value.__cause__.__cause__, ValueError)


def _two_pipelines(strategy: str) -> flowlab.Simulation:
    """Two disconnected pipelines, a (fails on 4 in attempt 0) and b, in one job."""
    env = env_with(1, **{**FIXED, "jobmanager.execution.failover-strategy": strategy})
    env.from_source(paced(10), WatermarkStrategy.no_watermarks(), "a").map(FailOn(4)).name("check a").print()
    env.from_source(paced(10), WatermarkStrategy.no_watermarks(), "b").map(TagAttempt()).name("tag b").print()
    return flowlab.Simulation(env)


def test_region_failover_leaves_a_disconnected_pipeline_alone() -> None:
    """region (the default): only pipeline a restarts; b stays on attempt 0 and replays nothing."""
    sim = _two_pipelines("region")
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sim.runtime.jobmaster.recovery.restarts[0]["region"] == ["v1[0]"]
    assert [t.attempt for t in sim.runtime.all_tasks()] == [1, 0]
    assert [x for x in sim.printed_lines() if x.startswith("(")] == [f"({i}, 0)" for i in range(10)]
    assert sim.runtime.jobmaster.recovery.replayed_records() == {"Source: a -> check a -> Print to Std. Out": 5}


def test_full_failover_restarts_both_pipelines() -> None:
    """full: b restarts too (attempt 1) and prints its first records again."""
    sim = _two_pipelines("full")
    sim.run()
    assert sim.runtime.jobmaster.recovery.restarts[0]["region"] == ["v1[0]", "v2[0]"]
    assert [t.attempt for t in sim.runtime.all_tasks()] == [1, 1]
    tagged = [x for x in sim.printed_lines() if x.startswith("(")]
    assert tagged == [f"({i}, 0)" for i in range(5)] + [f"({i}, 1)" for i in range(10)]


def test_parallel_forward_pipelines_are_regions_of_their_own() -> None:
    """Without a shuffle every parallel instance is a region: subtask 0 fails and restarts alone."""
    env = env_with(2, **FIXED)
    env.from_source(paced(10, splits=2), WatermarkStrategy.no_watermarks(), "nums").map(FailOn(8)).name("check") \
        .print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sim.runtime.jobmaster.recovery.restarts[0]["region"] == ["v1[0]"]
    assert [t.attempt for t in sim.runtime.all_tasks()] == [1, 0]


def test_an_unknown_failover_strategy_fails_the_submission() -> None:
    from flowlab.common.config_values import IllegalConfigurationException
    with pytest.raises(IllegalConfigurationException, match="^Unknown failover strategy: regional. Set jobmanager."
                       "execution.failover-strategy to region"):
        _keyed(**{"jobmanager.execution.failover-strategy": "regional"})


def test_a_breakpoint_stops_at_each_phase() -> None:
    """break_on("recovery", phase=...) stops run() right after the step with that phase's event."""
    sim = _keyed()
    sim.break_on("recovery", phase="restoring")
    sim.run()
    stop = [e.data["phase"] for e in sim.last_events if e.kind == "recovery"]
    assert (stop, sim.now_ms, sim.job_status) == (["restoring"], 51.0, "RUNNING")
    assert [t.state for t in sim.runtime.all_tasks()] == ["SCHEDULED", "SCHEDULED"]
    sim.run()
    assert sim.job_status == "FINISHED"


def _two_taskmanagers(**conf: str) -> flowlab.Simulation:
    """Two TaskManagers of one slot; nums (2 splits) -> rebalance -> tag -> print, parallelism 2."""
    env = env_with(2, **{**FIXED, "restart-strategy.fixed-delay.attempts": "3",
                         "minicluster.number-of-taskmanagers": "2", "taskmanager.numberOfTaskSlots": "1", **conf})
    (env.from_source(paced(30, 10, splits=2), WatermarkStrategy.no_watermarks(), "nums").rebalance()
        .map(TagAttempt()).name("tag").print())
    return flowlab.Simulation(env)


def test_a_lost_taskmanager_is_replaced_and_the_job_waits_for_its_slot() -> None:
    """tm-2 dies at 95 ms: its subtasks fail (one failure); the restart at 106 ms needs a slot for instance 1,
    which the replacement tm-3 brings at 95 + 2000 ms (the default replacement delay)."""
    sim = _two_taskmanagers()
    sim.kill_taskmanager("tm-2", at_ms=95)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert phases(sim) == [(96.0, "failure", 0), (96.0, "restarting", 1), (96.0, "canceling", 1),
                           (106.0, "restoring", 1), (2095.0, "running", 1)]
    assert sim.runtime.jobmaster.recovery.restarts == [{
        "number": 1, "cause": "InjectedFailure: TaskManager tm-2 lost: the TaskManager process died",
        "failed_task": None, "taskmanager": "tm-2", "failed_at_ms": 95.0,
        "region": ["v1[0]", "v1[1]", "v2[0]", "v2[1]"], "restart_at_ms": 106.0, "running_at_ms": 2095.0,
        "restored_checkpoint": None, "attempt": 1, "delay_ms": 10, "failover_strategy": "region"}]
    registered = [(e.time_ms, e.detail) for e in sim.events() if e.kind == "taskmanager_registered"]
    assert registered[-1] == (2095.0, "TaskManager tm-3 registered 1 slot(s) with the ResourceManager (replacing the "
                                      "lost tm-2)")
    assert [tm["id"] for tm in sim.snapshot()["taskmanagers"]] == ["tm-1", "tm-3"]


def test_the_replacement_can_be_killed_too() -> None:
    """A fault may name the replacement (tm-3) once a TaskManager was lost before it."""
    sim = _two_taskmanagers(**{"flowlab.cluster.taskmanager-replacement-delay": "100 ms"})
    sim.kill_taskmanager("tm-2", at_ms=95)
    sim.kill_taskmanager("tm-3", at_ms=250)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert [r["taskmanager"] for r in sim.runtime.jobmaster.recovery.restarts] == ["tm-2", "tm-3"]
    assert [tm["id"] for tm in sim.snapshot()["taskmanagers"]] == ["tm-1", "tm-4"]


def test_without_a_replacement_the_slot_request_times_out() -> None:
    """No replacement: each restart waits slot.request.timeout, fails with NoResourceAvailableException, and after
    3 restarts the strategy gives up."""
    sim = _two_taskmanagers(**{"flowlab.cluster.taskmanager-replacement-delay": "none",
                               "slot.request.timeout": "500 ms"})
    sim.kill_taskmanager("tm-2", at_ms=95)
    sim.run()
    assert sim.job_status == "FAILED"
    assert [(t, p) for t, p, _ in phases(sim) if p in ("failure", "gave_up")] == [
        (96.0, "failure"), (606.0, "failure"), (1116.0, "failure"), (1626.0, "failure"), (1626.0, "gave_up")]
    assert sim.failure.splitlines()[1] == (
        "NoResourceAvailableException: Slot request bulk is not fulfillable! Could not allocate the required slot "
        "within slot request timeout (slot.request.timeout is 500 ms): the job's slots were lost with their "
        "TaskManager and no TaskManager with free slots registered (flowlab.cluster.taskmanager-replacement-delay).")


def test_an_unknown_taskmanager_is_still_refused() -> None:
    """tm-3 exists only as the replacement of a TaskManager lost before."""
    sim = _two_taskmanagers()
    with pytest.raises(KeyError, match=r"no TaskManager 'tm-3'; this MiniCluster has \['tm-1', 'tm-2'\]"):
        sim.kill_taskmanager("tm-3", at_ms=50)


def test_in_flight_data_of_the_old_attempt_never_reaches_the_new_one() -> None:
    """With a 50 ms network latency, buffers are in flight at the failure: they are discarded, and every record the
    restarted consumer gets was tagged by a producer of its own attempt."""
    env = env_with(1, **{**FIXED, "flowlab.network.latency-ms": "50"})
    (env.from_source(paced(80, 5), WatermarkStrategy.no_watermarks(), "nums").map(TagAttempt()).name("tag")
        .key_by(lambda r: r[0] % 2).map(FailOn((7, 0), 1)).name("check").map(TagAttempt()).name("again").print())
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FINISHED"
    canceling = next(e for e in sim.events() if e.kind == "recovery" and e.data["phase"] == "canceling")
    assert canceling.detail == "cancels 1 subtask(s) of the region; 3 buffer(s) in flight or queued are discarded"
    after = [eval(line) for line in sim.printed_lines()]             # ((value, tag's attempt), again's attempt)
    assert all(upstream == downstream for (_, upstream), downstream in after)
    assert [r[0][0] for r in after if r[1] == 0] == list(range(7))
    assert [r[0][0] for r in after if r[1] == 1] == list(range(80))


def test_two_failures_of_one_region_restart_it_once() -> None:
    """Both subtasks of a region fail before the JobMaster acts: one restart (the second failure is of a subtask
    being restarted already)."""
    sim = _two_taskmanagers()
    sim.fail("tag", 0, at_ms=95)
    sim.fail("tag", 1, at_ms=95.5)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert [p for _, p, _ in phases(sim)] == ["failure", "restarting", "canceling", "restoring", "running"]
    assert sim.runtime.jobmaster.restart_tracker.failures == 1


def test_pending_checkpoints_are_aborted_and_checkpointing_resumes() -> None:
    """A checkpoint pending when the job goes RESTARTING fails with Flink's reason; the next ones get new ids after
    the job runs again."""
    env = env_with(1, interval=20, **{**FIXED, "flowlab.network.latency-ms": "5"})
    (env.from_source(paced(30, 5), WatermarkStrategy.no_watermarks(), "nums").key_by(lambda x: x % 2)
        .map(FailOn(12)).name("check").print())
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FINISHED"
    frame = sim.checkpoints()
    assert frame[["id", "status", "trigger_time_ms"]].values.tolist()[1:5] == [
        [2, "COMPLETED", 40.0], [3, "FAILED", 60.0], [4, "COMPLETED", 100.0], [5, "COMPLETED", 120.0]]
    assert frame.failure[2] == "Checkpoint Coordinator is suspending."        # the job went RESTARTING at 70 ms
    aborted_event = next(e for e in sim.events() if e.kind == "checkpoint_aborted")
    assert aborted_event.data["reason"] == "CHECKPOINT_COORDINATOR_SUSPEND" and not aborted_event.data["counted"]
    assert frame.id.tolist() == list(range(1, len(frame) + 1))


def test_a_job_that_always_fails_is_stopped_after_max_restarts() -> None:
    """With checkpointing the default is exponential-delay without a limit; flowlab stops after
    flowlab.recovery.max-restarts restarts, saying why."""
    env = env_with(1, interval=1000, **{"flowlab.recovery.max-restarts": "3"})
    env.from_source(paced(10), WatermarkStrategy.no_watermarks(), "nums").map(FailOn(4, None)).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FAILED"
    assert [d for _, p, d in phases(sim) if p == "restarting"] == [1, 2, 3]
    assert [e.data["delay_ms"] for e in sim.events() if e.kind == "recovery" and e.data["phase"] == "restarting"] \
        == [1000, 1500, 2250]
    assert sim.failure.splitlines()[0] == (
        "JobException: flowlab stopped the job after 3 restarts (flowlab.recovery.max-restarts): it fails again and "
        "again, and exponential-delay would restart it forever. Fix the failure below, or bound the restarts "
        "(restart-strategy.type: fixed-delay, .attempts)")


def test_the_snapshot_has_the_recovery_timeline() -> None:
    """snapshot["recovery"]: strategies, every restart (what the Dashboard's recovery timeline draws), replays."""
    import json
    sim = _keyed()
    sim.run()
    rec = sim.snapshot()["recovery"]
    json.dumps(rec)
    assert rec == {
        "restart_strategy": "fixed-delay",
        "restart_strategy_description": "FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1, "
                                        "backoffTimeMS=10)",
        "restart_strategy_configured": True, "failover_strategy": "region", "failures": 1,
        "restarts": [{"number": 1, "cause": "ValueError: cannot take 4 in attempt 0", "failed_task": "v1[0]",
                      "taskmanager": None, "failed_at_ms": 40.0, "region": ["v1[0]", "v2[0]"], "restart_at_ms": 51.0,
                      "running_at_ms": 51.0, "restored_checkpoint": None, "attempt": 1, "delay_ms": 10,
                      "failover_strategy": "region"}],
        "replayed_records": {"Source: numbers -> check": 5}}


def test_the_snapshot_while_restarting_has_no_restart_time_yet() -> None:
    sim = _keyed()
    sim.break_on("recovery", phase="canceling")
    sim.run()
    (restart,) = sim.snapshot()["recovery"]["restarts"]
    assert (restart["restart_at_ms"], restart["running_at_ms"], sim.job_status) == (None, None, "RESTARTING")
