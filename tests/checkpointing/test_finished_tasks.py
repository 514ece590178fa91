"""FLIP-147: checkpoints go on after subtasks finish, and a subtask whose input ended waits for a final one."""
from __future__ import annotations

import flowlab

from .jobs import env_with, keyed_sum


def _finished(sim: flowlab.Simulation) -> list[list]:
    t = sim.trace
    return t[(t.kind == "task_state") & t.detail.str.endswith("-> FINISHED")][["time_ms", "vertex", "subtask"]] \
        .values.tolist()


def test_subtasks_finish_after_their_final_checkpoint() -> None:
    """Input ends at ~400 ms; every subtask finishes only once checkpoint 4 (taken after that) completed."""
    sim = flowlab.Simulation(keyed_sum(env_with(2, interval=100)))
    sim.run()
    assert _finished(sim) == [[432.561, "v1", 0], [432.561, "v1", 1], [433.561, "v2", 0], [433.561, "v2", 1]]
    notes = sim.trace[sim.trace.kind == "checkpoint_notified"]
    assert [(d["checkpoint_id"], d["final"]) for d in notes.data][-4:] == [(4, True)] * 4
    assert sim.checkpoints().status.tolist() == ["COMPLETED"] * 4


def test_without_checkpoints_the_job_ends_earlier() -> None:
    """The same job without checkpointing ends at 430.961 ms, before the final checkpoint would have."""
    sim = flowlab.Simulation(keyed_sum(env_with(2, interval=None)))
    sim.run()
    assert (sim.job_status, sim.now_ms) == ("FINISHED", 430.961)


def test_with_checkpoints_after_tasks_finish_off_tasks_finish_at_once_and_checkpoints_stop() -> None:
    """checkpoints-after-tasks-finish false: no final checkpoint; once a task finished none is triggered."""
    sim = flowlab.Simulation(keyed_sum(env_with(
        2, interval=100, execution__checkpointing__checkpoints___after___tasks___finish="false")))
    sim.run()
    assert _finished(sim) == [[399.601, "v1", 0], [399.601, "v1", 1], [420.639, "v2", 1], [430.557, "v2", 0]]
    assert sim.checkpoints().id.tolist() == [1, 2, 3]


def test_a_checkpoint_with_finished_subtasks_triggers_the_running_ones() -> None:
    """Unaligned barriers overtook the EndOfData: the sources finish after checkpoint 4 (once the keyed subtasks
    processed all their data), the keyed subtasks need checkpoint 5, triggered at them directly; the finished
    sources count as acknowledged."""
    env = keyed_sum(env_with(2, interval=100))
    env.get_checkpoint_config().enable_unaligned_checkpoints()
    sim = flowlab.Simulation(env)
    sim.run()
    trigger = sim.trace[sim.trace.kind == "checkpoint_triggered"].iloc[-1]
    assert trigger.detail == ("CheckpointCoordinator triggers checkpoint 5 (unaligned, EXACTLY_ONCE) at v2[0], v2[1]; "
                              "2 subtask(s) must acknowledge; 2 subtask(s) already finished")
    details = sim.checkpoint_details(5)
    assert details[["vertex", "subtask", "acknowledged", "state_size"]].values.tolist() == [
        ["v2", 0, True, 304], ["v2", 1, True, 209], ["v1", 0, True, 0], ["v1", 1, True, 0]]
    assert _finished(sim) == [[431.558, "v1", 0], [431.558, "v1", 1], [503.004, "v2", 0], [503.004, "v2", 1]]
