"""The CheckpointCoordinator: when checkpoints are triggered, how they complete, expire and fail the job."""
from __future__ import annotations

import flowlab
from flowlab.runtime import JobExecutionException

from .jobs import env_with, keyed_sum


def _run(env) -> flowlab.Simulation:
    sim = flowlab.Simulation(env)
    sim.run()
    return sim


def test_checkpoints_are_triggered_every_interval_with_ids_from_one() -> None:
    """Interval 100 ms: checkpoints 1, 2, 3, 4 at 100, 200, 300, 400 virtual ms, all completed."""
    frame = _run(keyed_sum(env_with(2, interval=100))).checkpoints()
    assert frame[["id", "status", "trigger_time_ms"]].values.tolist() == [
        [1, "COMPLETED", 100.0], [2, "COMPLETED", 200.0], [3, "COMPLETED", 300.0], [4, "COMPLETED", 400.0]]


def test_every_subtask_acknowledges_and_is_notified() -> None:
    """Each completed checkpoint has one ack per subtask at the JobMaster, then one notification per subtask."""
    sim = _run(keyed_sum(env_with(2, interval=100)))
    trace = sim.trace
    for n in (1, 2, 3):
        of = trace[trace.data.apply(lambda d, n=n: isinstance(d, dict) and d.get("checkpoint_id") == n)]
        assert sorted(zip(of[of.kind == "checkpoint_ack"].vertex, of[of.kind == "checkpoint_ack"].subtask)) == [
            ("v1", 0), ("v1", 1), ("v2", 0), ("v2", 1)]
        assert len(of[of.kind == "checkpoint_notified"]) == 4
        ack_time = of[of.kind == "checkpoint_ack"].time_us.max()
        assert of[of.kind == "checkpoint_completed"].time_us.tolist() == [ack_time]


def test_one_checkpoint_at_a_time_and_the_waiting_request_runs_at_completion() -> None:
    """Slow checkpoints, interval 10 ms, max-concurrent 1: never two pending; the next starts when one completes."""
    frame = _run(keyed_sum(env_with(2, interval=10), count=3000, rate=20000, cost=0.3)).checkpoints()
    done = frame[frame.status == "COMPLETED"]
    ends = [round(e, 3) for e in done.trigger_time_ms + done.duration_ms]
    assert len(done) >= 3
    assert frame.trigger_time_ms.tolist()[1:len(ends)] == ends[:-1]


def test_two_concurrent_checkpoints_overlap() -> None:
    """With max-concurrent 2 a second checkpoint is triggered while the first is pending."""
    env = keyed_sum(env_with(2, interval=10), count=3000, rate=20000, cost=0.3)
    env.get_checkpoint_config().set_max_concurrent_checkpoints(2)
    frame = _run(env).checkpoints()
    assert frame.trigger_time_ms[1] == 20.0 < frame.trigger_time_ms[0] + frame.duration_ms[0]


def test_min_pause_delays_the_next_trigger_after_a_completion() -> None:
    """With a 25 ms pause the next checkpoint starts exactly 25 ms after the previous completed."""
    env = keyed_sum(env_with(2, interval=10), count=3000, rate=20000, cost=0.3)
    env.get_checkpoint_config().set_min_pause_between_checkpoints(25)
    frame = _run(env).checkpoints()
    ends = (frame.trigger_time_ms + frame.duration_ms).tolist()
    assert [round(t - e, 3) for t, e in zip(frame.trigger_time_ms[1:], ends, strict=False)] == [25.0] * (len(frame) - 1)


def _expiring(tolerable: int):
    # no restart strategy: the job fails when the threshold is exceeded (with one, it restarts)
    env = keyed_sum(env_with(2, interval=20, restart___strategy__type="none"), count=3000, rate=20000, cost=0.3)
    env.get_checkpoint_config().set_checkpoint_timeout(10).set_tolerable_checkpoint_failure_number(tolerable)
    return env


def test_an_expired_checkpoint_fails_the_job_when_no_failure_is_tolerated() -> None:
    """Timeout 10 ms under backpressure: checkpoint 1 expires and, tolerating none, the job fails."""
    sim = _run(_expiring(0))
    frame = sim.checkpoints()
    assert frame[["id", "status", "failure"]].values.tolist() == [[1, "FAILED", "Checkpoint expired before completing."]]
    assert sim.job_status == "FAILED"
    assert sim.failure.startswith("JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy (restart-"
                                  "strategy.type is none, Flink's default without checkpointing: set it, e.g. to "
                                  "fixed-delay, or enable checkpointing to let the job restart)\n"
                                  "FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold. The latest "
                                  "checkpoint failed due to Checkpoint expired before completing. (1 failed in a row; "
                                  "execution.checkpointing.tolerable-failed-checkpoints is 0)")


def test_tolerated_failures_burn_their_ids_until_one_too_many() -> None:
    """Tolerating 2: checkpoints 1, 2, 3 expire (each a new id), the third fails the job."""
    sim = _run(_expiring(2))
    assert sim.checkpoints()[["id", "status"]].values.tolist() == [[1, "FAILED"], [2, "FAILED"], [3, "FAILED"]]
    aborted = sim.trace[sim.trace.kind == "checkpoint_aborted"]
    assert [d["failures_in_a_row"] for d in aborted.data] == [1, 2, 3]
    assert "(3 failed in a row; execution.checkpointing.tolerable-failed-checkpoints is 2)" in sim.failure


def test_execute_raises_the_tolerable_failure_error() -> None:
    """env.execute() of such a job raises JobExecutionException with the coordinator's message."""
    try:
        _expiring(0).execute()
    except JobExecutionException as exc:
        assert "Exceeded checkpoint tolerable failure threshold" in str(exc)
    else:
        raise AssertionError("the job should have failed")
