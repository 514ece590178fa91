"""Savepoints: how long taking one and restoring from it take, and how big it is, against the state size.

Prints figures; it is not a test.

A keyed count over K keys (K = 100 ... 100 000, an endless ``GeneratorSource`` of keys i % K, p = 2, trace and time
travel off) is stopped with a savepoint once every key was counted, and restored at parallelism 3. Per K: the savepoint's size on
disk and files, its virtual duration (barriers to completion), the wall-clock time of ``stop_with_savepoint``
and of the restore (reading and checking the files, mapping the state onto the new subtasks and loading it into
their backends, up to every subtask RUNNING), each also as a ratio to a bare-Python baseline that writes (and
reads back) the same counts as one JSON file. With ``--rocksdb`` the restore loads into RocksDB.

Usage: python benchmarks/bench_savepoints.py [--keys 100 10000 ...] [--rocksdb]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

if "flowlab" not in sys.modules:          # run from a checkout without installing; a pre-imported flowlab wins
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowlab  # noqa: E402
from flowlab.common import Configuration, Types, WatermarkStrategy  # noqa: E402
from flowlab.datastream import StreamExecutionEnvironment  # noqa: E402
from flowlab.sources import GeneratorSource  # noqa: E402

RATE = 200_000          # records per virtual second


def _env(k: int, parallelism: int, backend: str, restore: str | None = None) -> StreamExecutionEnvironment:
    conf = Configuration()
    conf.set_string("state.backend.type", backend)
    if restore is not None:
        conf.set_string("execution.state-recovery.path", restore)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    src = env.from_source(GeneratorSource(lambda i: (i % k, 1), records_per_second=RATE),
                          WatermarkStrategy.no_watermarks(), "gen").uid("gen")
    (src.key_by(lambda t: t[0], key_type=Types.INT()).sum(1).uid("count").name("count")
        .add_sink(lambda v: None).name("out"))
    return env


def _size(path: str) -> tuple[int, int]:
    names = os.listdir(path)
    return sum(os.path.getsize(os.path.join(path, n)) for n in names), len(names)


def _baseline(k: int, tmp: str) -> tuple[float, float]:
    """Write the K counts as one JSON file, and read them back: the bare-Python floor (seconds)."""
    counts = {i: 1 for i in range(k)}
    path = os.path.join(tmp, "baseline.json")
    t0 = time.perf_counter()
    with open(path, "w") as f:
        json.dump(counts, f)
    t1 = time.perf_counter()
    with open(path) as f:
        json.load(f)
    return t1 - t0, time.perf_counter() - t1


def measure(k: int, backend: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sim = flowlab.Simulation(_env(k, 2, "hashmap"), record_trace=False, time_travel=False)
        sim.run(until_ms=k / RATE * 1000)          # K records so far: every key counted once
        gc.collect()
        t0 = time.perf_counter()
        path = sim.stop_with_savepoint(False, tmp)
        take = time.perf_counter() - t0
        size, files = _size(path)
        virtual = float(sim.checkpoints().duration_ms.iloc[-1])
        gc.collect()
        t0 = time.perf_counter()
        restored = flowlab.Simulation(_env(k, 3, backend, path), record_trace=False, time_travel=False)
        restored.run(until_ms=0.001)               # INITIALIZING: the state goes into the new backends
        load = time.perf_counter() - t0
        running = all(t.state == "RUNNING" for t in restored.runtime.all_tasks())
        write, read = _baseline(k, tmp)
        print(f"  {k:>8,}{size:>12,}{files:>7}{virtual:>11.2f}{take:>10.3f}{take / write:>9.0f}x"
              f"{load:>10.3f}{load / read:>9.0f}x   {'ok' if running else 'NOT RUNNING'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[100, 1_000, 10_000, 100_000])
    parser.add_argument("--rocksdb", action="store_true", help="restore into the RocksDB backend")
    args = parser.parse_args()
    backend = "rocksdb" if args.rocksdb else "hashmap"
    print(f"savepoint of a keyed count (p = 2), restored at p = 3 into {backend}; wall-clock seconds, and the "
          "ratio to writing / reading the same counts as one JSON file")
    print(f"  {'keys':>8}{'bytes':>12}{'files':>7}{'virt. ms':>11}{'take s':>10}{'vs json':>10}"
          f"{'restore s':>10}{'vs json':>10}")
    for k in args.keys:
        measure(k, backend)


if __name__ == "__main__":
    main()
