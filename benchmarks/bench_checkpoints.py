"""Checkpointing: what it costs in wall-clock throughput, and how a checkpoint's duration grows with its state.

Prints figures; it is not a test.

* throughput: ``from_collection -> map -> key_by -> reduce -> sink`` (1 000 keys, parallelism 2), run with
  ``env.execute()`` (trace off, fast-forward) without checkpoints and with aligned, unaligned and
  at-least-once checkpoints every 100 virtual ms: records per wall-clock second, the virtual end time and how
  many checkpoints completed.
* state size: a keyed sum over K keys (K = 10 ... 40 000) checkpointed every 200 virtual ms into the
  jobmanager storage and into files: per checkpoint the state size, the modelled synchronous and
  asynchronous parts and end-to-end duration (virtual ms), and the wall-clock time flowlab spent per
  checkpoint (encoding the state, writing and checking files).

Usage: python benchmarks/bench_checkpoints.py [--records N] [--keys 10 1000 ...]
"""
from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

if "flowlab" not in sys.modules:          # run from a checkout without installing; a pre-imported flowlab wins
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowlab  # noqa: E402
from flowlab.common import Configuration, WatermarkStrategy  # noqa: E402
from flowlab.datastream import CheckpointingMode, StreamExecutionEnvironment  # noqa: E402
from flowlab.sources import GeneratorSource  # noqa: E402

KEYS = 1000


def _rolling(n: int, mode: str | None) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    if mode is not None:
        env.enable_checkpointing(100, CheckpointingMode.AT_LEAST_ONCE if mode == "at-least-once"
                                 else CheckpointingMode.EXACTLY_ONCE)
        if mode == "unaligned":
            env.get_checkpoint_config().enable_unaligned_checkpoints()
    (env.from_collection(range(n)).map(lambda i: (i % KEYS, 1)).key_by(lambda t: t[0])
        .reduce(lambda a, b: (a[0], a[1] + b[1])).add_sink(lambda v: None))
    return env


def throughput(n: int) -> None:
    print(f"throughput: rolling reduce, {n:,} records, 1 000 keys, p = 2, checkpoints every 100 virtual ms")
    print(f"  {'checkpoints':<14}{'records/s':>12}{'wall s':>9}{'virtual ms':>12}{'completed':>11}{'overhead':>10}")
    base = None
    for mode in (None, "aligned", "unaligned", "at-least-once"):
        env = _rolling(n, mode)
        sim = flowlab.Simulation(env, record_trace=False)
        gc.collect()
        t0 = time.perf_counter()
        sim.run_to_result()
        wall = time.perf_counter() - t0
        rate = n / wall
        base = base or rate
        done = int((sim.checkpoints().status == "COMPLETED").sum()) if mode else 0
        print(f"  {mode or 'off':<14}{rate:>12,.0f}{wall:>9.2f}{sim.now_ms:>12,.1f}{done:>11}"
              f"{(base / rate - 1) * 100:>9.0f}%")


def _keyed(k: int, storage: str | None, tmp: str) -> flowlab.Simulation:
    conf = Configuration()
    conf.set_string("flowlab.checkpointing.jobmanager.max-state-size", "1 gb")
    if storage == "filesystem":
        conf.set_string("execution.checkpointing.dir", f"file://{tmp}")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(1)
    if storage is not None:
        env.enable_checkpointing(200)
    src = env.from_source(GeneratorSource(lambda i: (i % k, 1), count=40_000, records_per_second=40_000),
                          WatermarkStrategy.no_watermarks(), "g")
    src.key_by(lambda t: t[0]).sum(1).add_sink(lambda v: None)
    return flowlab.Simulation(env, record_trace=False)


def _wall(sim: flowlab.Simulation) -> float:
    gc.collect()
    t0 = time.perf_counter()
    sim.run_to_result()
    return time.perf_counter() - t0


def state_size(keys: list[int]) -> None:
    print("\ncheckpoint duration vs state size: keyed sum, p = 1, 40 000 records/s for 1 virtual s, checkpoints every "
          "200 ms; means over the completed checkpoints of the keyed subtask; wall ms/cp = the run's extra wall-clock "
          "time over the same run without checkpoints, per checkpoint")
    print(f"  {'storage':<11}{'keys':>9}{'state bytes':>13}{'sync ms':>9}{'async ms':>10}{'e2e ms':>9}"
          f"{'wall ms/cp':>12}")
    for storage in ("jobmanager", "filesystem"):
        for k in keys:
            with tempfile.TemporaryDirectory() as tmp:
                plain = _wall(_keyed(k, None, tmp))
                sim = _keyed(k, storage, tmp)
                wall = _wall(sim)
                frame = sim.checkpoints()
                done = frame[frame.status == "COMPLETED"]
                keyed = [sim.checkpoint_details(int(n)).query("vertex == 'v2'").iloc[0] for n in done.id]
                sync = sum(r.sync_ms for r in keyed) / len(keyed)
                upload = sum(r.async_ms for r in keyed) / len(keyed)
                print(f"  {storage:<11}{k:>9,}{int(done.state_size.mean()):>13,}{sync:>9.3f}{upload:>10.3f}"
                      f"{done.duration_ms.mean():>9.2f}{(wall - plain) * 1000 / len(done):>12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--keys", type=int, nargs="+", default=[10, 1_000, 10_000, 40_000],
                        help="distinct keys (the 40 000 records reach at most 40 000)")
    args = parser.parse_args()
    throughput(args.records)
    state_size(args.keys)


if __name__ == "__main__":
    main()
