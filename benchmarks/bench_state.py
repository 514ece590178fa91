"""State backends: wall-clock throughput of heap vs RocksDB, each as a ratio to a bare Python loop.

Prints figures; it is not a test. Jobs (``env.execute()``, trace off, 1 000 keys, parallelism 1):

* value:  from_collection -> key_by -> reduce (ValueState get + update per record)
* map:    a KeyedProcessFunction counting per (key, i % 10) in MapState (get + put per record)
* window: tumbling event-time windows of 1 000 ms, count per key and window (ReducingState add)

Besides wall-clock time it prints the *virtual* busy time the state accesses cost (the modelled cost,
``flowlab.state.*-cost-ns``) — the figure lessons talk about.

Usage: python benchmarks/bench_state.py [--records N]
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

if "flowlab" not in sys.modules:          # run from a checkout without installing; a pre-imported flowlab wins
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowlab  # noqa: E402
from flowlab.common import Configuration, Duration, Time, Types, WatermarkStrategy  # noqa: E402
from flowlab.datastream import KeyedProcessFunction, StreamExecutionEnvironment  # noqa: E402
from flowlab.datastream.state import MapStateDescriptor  # noqa: E402
from flowlab.datastream.window import TumblingEventTimeWindows  # noqa: E402

KEYS = 1000


class MapCount(KeyedProcessFunction):
    def open(self, rc):
        self.m = rc.get_map_state(MapStateDescriptor("m", Types.LONG(), Types.LONG()))

    def process_element(self, value, ctx):
        k = value % 10
        self.m.put(k, (self.m.get(k) or 0) + 1)
        yield from ()


def build(job: str, env: StreamExecutionEnvironment, n: int, out: dict) -> None:
    src = env.from_collection(range(n))
    if job == "value":
        (src.map(lambda i: (i % KEYS, 1)).key_by(lambda t: t[0]).reduce(lambda a, b: (a[0], a[1] + b[1]))
            .add_sink(lambda v: out.__setitem__(v[0], v[1])))
    elif job == "map":
        src.key_by(lambda i: i % KEYS).process(MapCount()).add_sink(lambda v: None)
    else:
        strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(100)) \
            .with_timestamp_assigner(lambda i, _ts: i // 10)
        (src.assign_timestamps_and_watermarks(strategy).map(lambda i: (i % KEYS, 1)).key_by(lambda t: t[0])
            .window(TumblingEventTimeWindows.of(Time.milliseconds(1000))).reduce(lambda a, b: (a[0], a[1] + b[1]))
            .add_sink(lambda v: out.__setitem__(v[0], out.get(v[0], 0) + v[1])))


def run(job: str, backend: str, n: int) -> tuple[float, float, dict]:
    """(wall seconds, virtual busy ms of all tasks, result)."""
    conf = Configuration()
    conf.set_string("state.backend.type", backend)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    out: dict = {}
    build(job, env, n, out)
    sim = flowlab.Simulation(env, record_trace=False)
    gc.collect()
    t0 = time.perf_counter()
    sim.run_to_result()
    wall = time.perf_counter() - t0
    busy = sum(t.busy_us for t in sim.runtime.all_tasks()) / 1000
    return wall, busy, out


def bare(job: str, n: int) -> float:
    state: dict = {}
    t0 = time.perf_counter()
    for i in range(n):
        if job == "value":
            k = i % KEYS
            cur = state.get(k)
            state[k] = (k, 1) if cur is None else (k, cur[1] + 1)
        elif job == "map":
            m = state.setdefault(i % KEYS, {})
            m[i % 10] = m.get(i % 10, 0) + 1
        else:
            key = (i % KEYS, i // 10 // 1000)
            state[key] = state.get(key, 0) + 1
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=30_000)
    args = ap.parse_args()
    n = args.records
    print(f"Python {sys.version.split()[0]}; execute() with the trace off; {KEYS} keys; N={n:,}; parallelism 1")
    for job in ("value", "map", "window"):
        b = bare(job, n)
        heap_s, heap_busy, heap_out = run(job, "hashmap", n)
        rocks_s, rocks_busy, rocks_out = run(job, "rocksdb", n)
        same = "same results" if heap_out == rocks_out else "RESULTS DIFFER"
        print(f"{job:7s} bare {n / b:>10,.0f} rec/s | hashmap {n / heap_s:>8,.0f} rec/s ({heap_s / b:6.1f}x bare) | "
              f"rocksdb {n / rocks_s:>8,.0f} rec/s ({rocks_s / b:6.1f}x bare, {rocks_s / heap_s:4.1f}x hashmap) | "
              f"virtual busy: hashmap {heap_busy:8.1f} ms, rocksdb {rocks_busy:8.1f} ms | {same}", flush=True)


if __name__ == "__main__":
    main()
