"""Lesson 08 exercise: choose checkpoint settings so that checkpoints stay short under backpressure.

The checker owns the job: page views ``(page, 1)`` at 6000 records/s from 2 source subtasks, counted per
page by a keyed sum at parallelism 2 that needs 0.5 ms per record (at most 4000 records/s): the job is
back-pressured, as in lesson 06, with 4 KiB network buffers. It enables checkpointing every 500 ms, then
calls the student's ``tune(env)``, which may change the checkpoint configuration
(``env.get_checkpoint_config()``) and other configuration (``env.configure(conf)``), then builds the job
and runs it for 6 s of virtual time. It passes when the mode is still EXACTLY_ONCE, the interval still
500 ms, no checkpoint failed, at least 10 completed, and each took at most 200 ms end to end.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowlab.exercises.result import CheckResult

TITLE = "Exercise 08 — checkpoints under backpressure"
RATE = 6000                 # records/s over both source subtasks
PAGES = 50
COST_MS = 0.5               # per record in the keyed count: 2 subtasks x 2000 records/s
INTERVAL_MS = 500
RUN_MS = 6000
MAX_DURATION_MS = 200
MIN_COMPLETED = 10


def page_view(i: int) -> tuple[str, int]:
    """The i-th page view: (page, 1)."""
    return f"page-{(i * 7) % PAGES}", 1


def simulate(tune: Callable[[Any], Any] | None = None, seed: int = 0) -> Any:
    """A Simulation of the exercise's job with checkpoints every 500 ms, after ``tune(env)``; not yet run."""
    return _build(tune, seed)[1]


def _build(tune: Callable[[Any], Any] | None, seed: int = 0) -> tuple[Any, Any]:
    """(environment, Simulation) of the exercise's job after ``tune(env)``."""
    from flowlab.common import Configuration, Types, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.runtime import Simulation
    from flowlab.sources import GeneratorSource

    conf = Configuration()
    conf.set_string("taskmanager.memory.segment-size", "4kb")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    env.enable_checkpointing(INTERVAL_MS)
    if tune is not None:
        tune(env)
    views = env.from_source(GeneratorSource(page_view, count=None, records_per_second=RATE),
                            WatermarkStrategy.no_watermarks(), "page views").set_parallelism(2)
    (views.key_by(lambda v: v[0], key_type=Types.STRING()).sum(1).name("count").set_parallelism(2)
     .set_processing_cost(COST_MS).add_sink(lambda v: None).name("sink").set_parallelism(2))
    return env, Simulation(env, seed=seed, record_trace=False)


def _hints(config: Any) -> list[str]:
    """Hints for settings that did not keep the checkpoints short, from the job's checkpoint configuration."""
    timeout_ms = config.get_aligned_checkpoint_timeout().to_milliseconds()
    if config.is_unaligned_checkpoints_enabled():
        if timeout_ms > 0:
            return [f"hint: your checkpoints start aligned and switch to unaligned after {timeout_ms} ms: lower "
                    f"that timeout well below {MAX_DURATION_MS} ms"]
        return []
    hints = []
    if timeout_ms > 0:
        hints.append(f"hint: set_aligned_checkpoint_timeout ({timeout_ms} ms) has no effect while unaligned "
                     "checkpoints are off: it says when an aligned checkpoint switches to unaligned, so it needs "
                     "enable_unaligned_checkpoints() too")
    hints.append("hint: an aligned barrier queues behind every buffered record in front of it, so under "
                 "backpressure a checkpoint takes as long as those records need to drain (see the growing "
                 "durations). A longer timeout, more tolerated failures or more concurrent checkpoints only wait "
                 "longer")
    hints.append("hint: let the barriers overtake the buffered data: "
                 "env.get_checkpoint_config().enable_unaligned_checkpoints() — optionally with "
                 "set_aligned_checkpoint_timeout(Duration.of_millis(...)) to start aligned and switch when it "
                 "takes too long")
    return hints


def check_checkpoint_settings(tune: Callable[[Any], Any]) -> CheckResult:
    """Run the back-pressured job with ``tune(env)``'s settings for 6 s; check the checkpoints it took."""
    from flowlab.datastream import CheckpointingMode

    result = CheckResult(TITLE)
    if not callable(tune):
        return result.fail("pass a function tune(env) that changes the checkpoint settings, e.g. "
                           "check_checkpoint_settings(tune)")
    try:
        env, sim = _build(tune)
        sim.run(until_ms=RUN_MS)
    except Exception as exc:  # the student's settings: report, do not crash the checker
        return result.fail(f"the job could not start: {type(exc).__name__}: {exc}")
    if sim.job_status == "FAILED":
        lines = (sim.failure or "").strip().splitlines()
        return result.fail(f"the job failed: {lines[-1] if lines else ''}")
    restarts = sim.snapshot()["recovery"]["restarts"]
    if restarts:                 # too many failed checkpoints fail the job; its restart strategy restarts it
        return result.fail(f"the job failed: {restarts[0]['cause']} It restarted {len(restarts)} time(s) from its "
                           "latest checkpoint (restart-strategy.type: exponential-delay, Flink's default with "
                           "checkpointing).")
    settings = sim.snapshot()["checkpoints"]
    if settings.get("mode") != CheckpointingMode.EXACTLY_ONCE.name:
        result.fail(f"the mode is {settings.get('mode')}: keep EXACTLY_ONCE. At-least-once only skips the "
                    "alignment — its barriers still queue behind the buffered data — and gives up exactly-once "
                    "state: records after a barrier enter the snapshot and count twice after a restore")
    if settings.get("interval_ms") != INTERVAL_MS:
        result.fail(f"the interval is {settings.get('interval_ms')} ms: keep {INTERVAL_MS} ms (checkpoints that "
                    "come less often only hide the problem, and a restore then replays more)")
    frame = sim.checkpoints()
    ended = frame[frame.status != "IN_PROGRESS"]
    failed = ended[ended.status == "FAILED"]
    completed = ended[ended.status == "COMPLETED"]
    if len(failed):
        row = failed.iloc[0]
        result.fail(f"{len(failed)} checkpoint(s) failed, the first (checkpoint {row.id}, triggered at "
                    f"{row.trigger_time_ms:g} ms): {row.failure}")
    slow = completed[completed.duration_ms > MAX_DURATION_MS]
    if len(slow):
        worst = slow.sort_values("duration_ms").iloc[-1]
        result.fail(f"{len(slow)} of {len(completed)} completed checkpoints took longer than {MAX_DURATION_MS} ms; "
                    f"the slowest, checkpoint {worst.id}, took {worst.duration_ms:g} ms")
    if len(completed) < MIN_COMPLETED:
        result.fail(f"only {len(completed)} checkpoints completed in {RUN_MS} ms; at least {MIN_COMPLETED} must")
    if not result.passed:
        for hint in _hints(env.get_checkpoint_config()):
            result.note(hint)
        return result
    result.note(f"{len(completed)} checkpoints completed, the longest in {completed.duration_ms.max():g} ms "
                f"(at most {MAX_DURATION_MS}) ✓")
    persisted = completed.in_flight_persisted.max()
    return result.note(f"Well done! The price: each checkpoint stores the records its barriers overtook, up to "
                       f"{persisted / 1024:.0f} KiB of in-flight data here, and the backpressure itself is still "
                       "there — lesson 06's remedies fix that.")
