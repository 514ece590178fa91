"""BATCH failure recovery: no checkpoints; the failed region runs again from the materialised results."""
from __future__ import annotations

from typing import Any

import pytest

import flowlab
from flowlab.datastream.functions import KeyedProcessFunction
from flowlab.runtime.simulation.errors import JobExecutionException
from tests.batch.jobs import env_in, kinds

FIXED = {"restart___strategy__type": "fixed-delay", "restart___strategy__fixed___delay__delay": "20 ms"}


class FailFirstAttempt(KeyedProcessFunction):
    """Fails on record 25 in its first attempt only."""

    def open(self, runtime_context: Any) -> None:
        self.attempt = runtime_context.get_attempt_number()

    def process_element(self, value: Any, ctx: Any) -> Any:
        if self.attempt == 0 and value[1] == 25:
            raise ValueError("boom")
        yield value[0], value[1], self.attempt


def _job(p: int = 2, **conf: str) -> flowlab.Simulation:
    env = env_in("BATCH", parallelism=p, **conf)
    (env.from_collection([(f"k{i % 4}", i) for i in range(40)]).map(lambda t: t).key_by(lambda t: t[0])
        .process(FailFirstAttempt()).add_sink(lambda v: None))
    return flowlab.Simulation(env)


def test_without_a_restart_strategy_the_job_fails() -> None:
    """Flink's default without checkpoints is no restart: the job fails, and says what to configure."""
    sim = _job()
    sim.run()
    assert sim.job_status == "FAILED"
    assert sim.failure.startswith("JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy "
                                  "(restart-strategy.type is none, Flink's default without checkpoints: set it to "
                                  "fixed-delay to let a BATCH job re-run the failed region)\nTask KeyedProcess")


def test_execute_raises_with_the_same_reason() -> None:
    """env.execute() raises JobExecutionException naming the strategy."""
    env = env_in("BATCH")
    env.from_collection([("k", 25)]).key_by(lambda t: t[0]).process(FailFirstAttempt()).print()
    with pytest.raises(JobExecutionException, match="Recovery is suppressed by NoRestartBackoffTimeStrategy"):
        env.execute()


def test_fixed_delay_reruns_only_the_failed_subtask() -> None:
    """Only the failed subtask runs again (attempt 1); the source stage is not re-run, its result re-read."""
    sim = _job(**FIXED)
    sim.run()
    assert sim.job_status == "FINISHED"
    (failed,) = kinds(sim, "task_failed")
    assert (failed.vertex, failed.subtask) == ("v3", 0)
    attempts = [(t.name, t.attempt) for v in ("v1", "v2", "v3") for t in sim.runtime.tasks[v]]
    assert attempts == [("v1[0]", 0), ("v2[0]", 0), ("v2[1]", 0), ("v3[0]", 1), ("v3[1]", 0)]
    assert len(kinds(sim, "source_emit")) == 40


def test_the_restart_is_in_the_trace() -> None:
    """region_restart names the region, the delay, the strategy and the results it re-reads."""
    sim = _job(**FIXED)
    sim.run()
    (event,) = kinds(sim, "region_restart")
    failed = kinds(sim, "task_failed")[0]
    assert event.detail == (
        "restart 1: region v3[0] runs again in 20 ms (FixedDelayRestartBackoffTimeStrategy("
        "maxNumberRestartAttempts=1, backoffTimeMS=20)); it re-reads the materialised results of v2[0], v2[1], "
        "which do not run again")
    assert event.time_us == failed.time_us + 1000          # reported to the JobMaster by RPC (1 ms latency)
    recreated = [e for e in kinds(sim, "task_state") if e.data.get("to") == "CREATED"]
    assert [(e.detail, e.time_us) for e in recreated] == [("FAILED -> CREATED (attempt 1)", event.time_us + 20_000)]


def test_the_rerun_gives_every_record_once_in_the_end() -> None:
    """Attempt 1 prints every record of the failed subtask's keys once more (the first attempt's partial output
    was printed already: a print sink is not transactional)."""
    env = env_in("BATCH", parallelism=2, **FIXED)
    (env.from_collection([(f"k{i % 4}", i) for i in range(40)]).key_by(lambda t: t[0])
        .process(FailFirstAttempt()).print())
    sim = flowlab.Simulation(env)
    sim.run()
    failed = kinds(sim, "task_failed")[0].subtask
    again = [eval(line.split("> ")[1]) for line in sim.printed_lines() if line.startswith(f"{failed + 1}> ")
             and line.endswith(", 1)")]
    keys = {k for k, _, _ in again}
    assert sorted(again) == sorted((f"k{i % 4}", i, 1) for i in range(40) if f"k{i % 4}" in keys)
    assert len(again) == 30


def test_attempts_run_out_and_the_job_fails_naming_the_strategy() -> None:
    """fixed-delay with 0 attempts gives up at the first failure."""
    sim = _job(restart___strategy__type="fixed-delay", restart___strategy__fixed___delay__attempts="0")
    sim.run()
    assert sim.job_status == "FAILED"
    assert sim.failure.startswith("JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy("
                                  "maxNumberRestartAttempts=0, backoffTimeMS=1000)\n")


def test_an_injected_fault_reruns_the_subtask() -> None:
    """sim.fail on a BATCH subtask: the same recovery; the region includes its consumers (not started yet)."""
    env = env_in("BATCH", parallelism=2, **FIXED)
    env.from_collection(list(range(300))).rebalance().map(lambda x: x * 2).name("double") \
        .key_by(lambda x: x % 3).sum(0).print()
    sim = flowlab.Simulation(env)
    sim.fail("double", 1, at_ms=0.6)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sim.printed_lines() == ["1> 29700", "2> 29900", "1> 30100"]
    assert [t.attempt for t in sim.runtime.tasks["v2"]] == [0, 1]
    (event,) = kinds(sim, "region_restart")
    assert event.data["region"] == ["v2[1]", "v3[0]", "v3[1]"]       # with the consumers that have not run yet


def test_a_lost_taskmanager_takes_its_results_and_the_regions_that_read_them_run_again() -> None:
    """tm-1 dies while the keyed stage runs: what ran on it and what reads its lost results runs again, with
    the consumers of every re-run producer; the sums are right."""
    env = env_in("BATCH", parallelism=2, minicluster__number___of___taskmanagers="2", **FIXED)
    (env.from_collection([(f"k{i % 5}", i) for i in range(300)]).rebalance().map(lambda t: t)
        .key_by(lambda t: t[0]).sum(1).print())
    sim = flowlab.Simulation(env)
    sim.kill_taskmanager("tm-1", at_ms=1.5)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sorted(sim.printed_lines()) == ["1> ('k0', 8850)", "1> ('k1', 8910)", "1> ('k3', 9030)",
                                           "1> ('k4', 9090)", "2> ('k2', 8970)"]
    (event,) = kinds(sim, "region_restart")
    assert event.data["region"] == ["v1[0]", "v2[0]", "v2[1]", "v3[0]", "v3[1]"]
    failed = kinds(sim, "task_failed")
    assert [e.detail for e in failed] == [
        "RUNNING -> FAILED: InjectedFailure: TaskManager tm-1 lost: the TaskManager process died",
        "RUNNING -> FAILED: PartitionNotFoundError: the result of v2[0] was lost with TaskManager tm-1"]


@pytest.mark.parametrize("build", ["task", "taskmanager"])
def test_failover_is_the_same_in_fast_forward(build: str) -> None:
    """Stepping and fast-forward give the same recovered run."""
    def make(record: bool) -> flowlab.Simulation:
        env = env_in("BATCH", parallelism=2, minicluster__number___of___taskmanagers="2", **FIXED)
        (env.from_collection([(f"k{i % 5}", i) for i in range(300)]).rebalance().map(lambda t: t)
            .key_by(lambda t: t[0]).sum(1).print())
        sim = flowlab.Simulation(env, record_trace=record)
        if build == "task":
            sim.fail("Map", 0, at_ms=1.0)
        else:
            sim.kill_taskmanager("tm-2", at_ms=1.5)
        return sim
    stepped, fast = make(True), make(False)
    stepped.run()
    fast.run_to_result()
    assert (stepped.printed_lines(), stepped.now_us, stepped.runtime.recorder.count) == \
        (fast.printed_lines(), fast.now_us, fast.runtime.recorder.count)
    assert stepped.snapshot()["batch"]["restarts"] == 1
