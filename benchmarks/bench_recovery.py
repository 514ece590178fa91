"""Recovery: how long a restart takes (virtual and wall-clock) against state size and checkpoint interval, and
the running time of the recovery property test.

Prints figures; it is not a test.

* state size: a keyed sum over K keys (K = 10 ... 40 000, parallelism 2, checkpoints every 200 virtual ms, files)
  whose map fails at 500 virtual ms under ``fixed-delay`` (delay 100 ms): the restored checkpoint's size, the
  virtual time from the failure until every subtask runs again and until the sources are back where they were
  (the replay caught up), the records replayed, and the wall-clock time the restore itself took (reading the
  checkpoint, assigning and installing the state) against a failure-free run's total.
* checkpoint interval: the same job (1 000 keys) with checkpoints every 50 ... 1 000 virtual ms: the further back
  the restored checkpoint, the more is replayed and the later the job catches up.
* property test: ``tests/checkpointing/test_recovery_properties.py`` run in this process (``--examples``, default
  520): its wall-clock time and the counts it collected (schedules, faults, restarts, lost, duplicated).

Usage: python benchmarks/bench_recovery.py [--keys 10 1000 ...] [--intervals 50 200 ...] [--examples N]
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

if "flowlab" not in sys.modules:          # run from a checkout without installing; a pre-imported flowlab wins
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowlab  # noqa: E402
from flowlab.common import Configuration, WatermarkStrategy  # noqa: E402
from flowlab.datastream import StreamExecutionEnvironment  # noqa: E402
from flowlab.runtime.cluster import restore_plan  # noqa: E402
from flowlab.runtime.tasks.stream_task import StreamTask  # noqa: E402
from flowlab.sources import GeneratorSource  # noqa: E402

RATE = 20_000          # records per virtual second over both source subtasks
COUNT = 20_000         # 1 virtual second of input
FAIL_MS = 500


def _keyed(keys: int) -> object:
    return lambda i: (i % keys, 1)


def _job(keys: int, interval: int, tmp: str) -> StreamExecutionEnvironment:
    conf = Configuration()
    for k, v in {"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.delay": "100 ms",
                 "execution.checkpointing.dir": f"file://{tmp}",
                 "flowlab.checkpointing.jobmanager.max-state-size": "1 gb"}.items():
        conf.set_string(k, v)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    env.enable_checkpointing(interval)
    (env.from_source(GeneratorSource(_keyed(keys), count=COUNT, records_per_second=RATE),
                     WatermarkStrategy.no_watermarks(), "gen")
        .map(lambda t: t).name("Map").key_by(lambda t: t[0]).sum(1).add_sink(lambda v: None))
    return env


class _RestoreClock:
    """Wall-clock time spent reading and assigning the restored checkpoint, and installing it into the new
    attempts' operators (``open_operators`` of a task with something to restore)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._latest = restore_plan.RestorePlan.latest
        self._open = StreamTask.open_operators

    def __enter__(self) -> _RestoreClock:
        clock = self
        latest, open_operators = self._latest, self._open

        def timed_latest(plan: restore_plan.RestorePlan) -> object:
            t0 = time.perf_counter()
            try:
                return latest(plan)
            finally:
                clock.seconds += time.perf_counter() - t0

        def timed_open(task: StreamTask) -> None:
            t0 = time.perf_counter()
            try:
                open_operators(task)
            finally:
                if task.restore is not None and task.attempt > 0:
                    clock.seconds += time.perf_counter() - t0
        restore_plan.RestorePlan.latest = timed_latest
        StreamTask.open_operators = timed_open
        return self

    def __exit__(self, *exc: object) -> None:
        restore_plan.RestorePlan.latest = self._latest
        StreamTask.open_operators = self._open


def _run(keys: int, interval: int, fail: bool, trace: bool = False) -> tuple[flowlab.Simulation, float, float]:
    tmp = tempfile.mkdtemp()
    sim = flowlab.Simulation(_job(keys, interval, tmp), record_trace=trace, time_travel=False)
    if fail:
        sim.fail("Map", 0, at_ms=FAIL_MS)
    gc.collect()
    with _RestoreClock() as clock:
        t0 = time.perf_counter()
        if trace:
            sim.run()
        else:
            sim.run_to_result()
        wall = time.perf_counter() - t0
    return sim, wall, clock.seconds


def _virtual(keys: int, interval: int) -> dict:
    """From a traced run: the restart's record, the restored checkpoint's size and trigger time, the records
    replayed and when the last of them was emitted again (the replay caught up)."""
    sim, _, _ = _run(keys, interval, fail=True, trace=True)
    snap = sim.snapshot()["recovery"]
    restart = snap["restarts"][0]
    frame = sim.checkpoints()
    restored = frame[frame.id == restart["restored_checkpoint"]]
    last = max(e.time_ms for e in sim.events() if e.kind == "source_emit" and e.data.get("replay"))
    return {"restart": restart, "size": int(restored.state_size.iloc[0]) if len(restored) else 0,
            "from_ms": float(restored.trigger_time_ms.iloc[0]) if len(restored) else 0.0,
            "replayed": sum(snap["replayed_records"].values()), "caught_up": last - restart["failed_at_ms"],
            "down": restart["running_at_ms"] - restart["failed_at_ms"]}


def state_size(keys_list: list[int]) -> None:
    print(f"recovery against state size: keyed sum, p = 2, {COUNT:,} records at {RATE:,}/s, checkpoints every 200 "
          f"virtual ms (files), map fails at {FAIL_MS} ms, fixed-delay 100 ms")
    print(f"  {'keys':>7}{'state bytes':>13}{'down ms':>9}{'caught up ms':>14}{'replayed':>10}{'restore s':>11}"
          f"{'run s':>8}{'clean s':>9}")
    for keys in keys_list:
        v = _virtual(keys, 200)
        _, clean, _ = _run(keys, 200, fail=False)
        _, wall, restore = _run(keys, 200, fail=True)
        print(f"  {keys:>7,}{v['size']:>13,}{v['down']:>9g}{v['caught_up']:>14,.1f}{v['replayed']:>10,}"
              f"{restore:>11.4f}{wall:>8.2f}{clean:>9.2f}")


def intervals(values: list[int]) -> None:
    print(f"recovery against the checkpoint interval: 1 000 keys, map fails at {FAIL_MS} ms")
    print(f"  {'interval':>9}{'restored':>10}{'from ms':>9}{'replayed':>10}{'caught up ms':>14}{'run s':>8}")
    for interval in values:
        v = _virtual(1000, interval)
        _, wall, _ = _run(1000, interval, fail=True)
        print(f"  {interval:>9}{str(v['restart']['restored_checkpoint']):>10}{v['from_ms']:>9g}{v['replayed']:>10,}"
              f"{v['caught_up']:>14,.1f}{wall:>8.2f}")


def property_test(examples: int) -> None:
    os.environ["FLOWLAB_RECOVERY_EXAMPLES"] = str(examples)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import importlib
    module = importlib.import_module("tests.checkpointing.test_recovery_properties")
    t0 = time.perf_counter()
    module.test_recovery_keeps_results_exactly_or_at_least_once()
    wall = time.perf_counter() - t0
    print(f"property test: {examples} examples in {wall:.1f} s wall ({wall / examples * 1000:.0f} ms each): "
          f"{dict(sorted(module.STATS.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, nargs="+", default=[10, 1000, 10_000, 40_000])
    parser.add_argument("--intervals", type=int, nargs="+", default=[50, 100, 200, 500, 1000])
    parser.add_argument("--examples", type=int, default=520)
    args = parser.parse_args()
    state_size(args.keys)
    intervals(args.intervals)
    property_test(args.examples)


if __name__ == "__main__":
    main()
