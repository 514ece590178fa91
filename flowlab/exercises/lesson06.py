"""Lesson 06 exercise: find the bottleneck of a back-pressured job and fix it.

The checker owns the source: purchases ``(user, amount)`` at 4000 records/s of virtual time from 2
source subtasks, 64 users. The student's ``build_job(env, purchases)`` keys them by user, enriches each
record (a lookup that costs 1 ms per record in the starting code, at parallelism 2: at most 2000
records/s) and writes them to a sink. The check runs the job for 3 s of virtual time and passes when,
over the last second, every vertex is at backpressure level OK and the sink takes in at least 95% of
the source rate, with every record still enriched.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowlab.exercises.result import CheckResult

TITLE = "Exercise 06 — find the bottleneck and fix it"
RATE = 4000                 # records/s of virtual time, over both source subtasks
USERS = 64
RUN_MS = 3000
WINDOW_MS = 1000
TARGET = 0.95 * RATE


def purchase(i: int) -> tuple[int, int]:
    """The i-th purchase: (user, amount in cents)."""
    return (i * 7) % USERS, 100 + (i * 37) % 900


def enrich(p: tuple[int, int]) -> tuple[int, int, str]:
    """Add the user's tier (imagine a lookup in an external table)."""
    user, amount = p
    return user, amount, "gold" if user % 4 == 0 else "basic"


def starting_job(env: Any, purchases: Any) -> None:
    """The job as handed over: keyed by user, enriched at 1 ms per record with parallelism 2."""
    (purchases.key_by(lambda p: p[0])
     .map(enrich).name("enrich").set_parallelism(2).set_processing_cost(1.0)
     .add_sink(lambda v: None).name("sink"))


def simulate(build_job: Callable[[Any, Any], Any], seed: int = 0, record_trace: bool = False) -> Any:
    """A Simulation of ``build_job`` on the exercise's source (4 KiB network buffers, Flink's smallest), not yet run."""
    from flowlab.common import Configuration, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.runtime import Simulation
    from flowlab.sources import GeneratorSource

    conf = Configuration()
    conf.set_string("taskmanager.memory.segment-size", "4kb")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    purchases = env.from_source(GeneratorSource(purchase, count=None, records_per_second=RATE),
                                WatermarkStrategy.no_watermarks(), "purchases")
    build_job(env, purchases)
    return Simulation(env, seed=seed, record_trace=record_trace)


def check_bottleneck_fix(build_job: Callable[[Any, Any], Any]) -> CheckResult:
    """Run ``build_job`` for 3 s of virtual time; check levels, sink throughput and the records."""
    result = CheckResult(TITLE)
    try:
        sim = simulate(build_job)
    except Exception as exc:  # the student's code: report, do not crash the checker
        return result.fail(f"building the job raised {type(exc).__name__}: {exc}")
    sink_nodes = [n for n in sim.job_graph.stream_graph.nodes if n.kind == "sink"]
    if not sink_nodes:
        return result.fail("the job has no sink: end it with .add_sink(...)")
    if not any(n.name == "enrich" for n in sim.job_graph.stream_graph.nodes):
        result.note("hint: keep the name 'enrich' on the enriching operator so the check can point at it")
    sim.run(until_ms=RUN_MS)
    if sim.job_status == "FAILED":
        return result.fail(f"the job failed: {sim.failure}")
    df = sim.backpressure(window_ms=WINDOW_MS)
    names = {v.id: v.name for v in sim.job_graph.vertices}
    rate = sim.throughput(window_ms=WINDOW_MS)
    snap = sim.snapshot()["backpressure"]
    neck = snap["bottleneck"]
    pressured = df[df["level"] != "OK"]
    if len(pressured):
        worst = pressured.sort_values("backPressuredTimeMsPerSecond", ascending=False).iloc[0]
        result.fail(f"still back-pressured: {names[worst.vertex]} subtask {worst.subtask} is {worst.level} "
                    f"({worst.backPressuredTimeMsPerSecond:.0f} ms/s waiting for output buffers)")
    if rate < TARGET:
        result.fail(f"the sink takes in {rate:.0f} records/s; the source offers {RATE}: reach {TARGET:.0f}")
    if neck is not None:
        busy = neck["busyTimeMsPerSecond"]
        result.note(f"likely bottleneck: {names[neck['vertex']]} (subtask {neck['subtask']}, busy {busy:.0f} ms/s) "
                    f"— it is busy all the time while its input waits")
    if not result.passed:
        hot = df.sort_values("busyTimeMsPerSecond", ascending=False).iloc[0]
        result.note(f"hint: the busiest subtask is {names[hot.vertex]} [{hot.subtask}] at "
                    f"{hot.busyTimeMsPerSecond:.0f} ms/s busy; each subtask of it handles at most 1000 ms / "
                    "(cost per record) records per second")
        result.note("hint: raise its parallelism with headroom (keys are spread over key groups, not perfectly "
                    "evenly), or make each record cheaper; a bigger network buffer does not help")
        return result
    rows = sim.runtime.sinks[sink_nodes[0].id].rows
    if not rows or not all(isinstance(r[1], tuple) and len(r[1]) == 3 and r[1] == enrich(r[1][:2]) for r in rows):
        return result.fail("the sink must still receive enriched purchases (user, amount, tier) = enrich(purchase)")
    result.note(f"every vertex OK over the last {WINDOW_MS} ms ✓")
    return result.note(f"the sink takes in {rate:.0f} records/s (target {TARGET:.0f}) ✓ Well done!")
