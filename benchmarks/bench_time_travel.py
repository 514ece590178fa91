"""Time travel at scale: a long run with the trace and time travel on (the notebook defaults).

Prints figures; it is not a test. Job A of ``bench_throughput.py`` (from_collection -> map -> key_by -> reduce ->
sink, 1 000 keys) run by ``flowlab.Simulation(env).run()``: wall time, steps/s, trace events, snapshots kept and
peak memory; then ``goto`` half-way back, ``back(1)`` and ``trace_digest()``. Targets (issue "a fast core"): the
run <= 60 s and <= 1.5 GB at 1 M records, goto(half) <= 2 s, >= 50 000 steps/s, digest of 3 M events <= 2 s.

Usage: python benchmarks/bench_time_travel.py [--records 1000000] [--parallelism 1]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

if "flowlab" not in sys.modules:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowlab  # noqa: E402
from flowlab.datastream import StreamExecutionEnvironment  # noqa: E402


def job(n: int, p: int) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(p)
    (env.from_collection(range(n)).map(lambda i: (i % 1000, 1)).key_by(lambda t: t[0])
        .reduce(lambda a, b: (a[0], a[1] + b[1])).add_sink(lambda v: None))
    return env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--parallelism", type=int, default=1)
    args = ap.parse_args()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sim = flowlab.Simulation(job(args.records, args.parallelism))
    t0 = time.perf_counter()
    sim.run()
    run_s = time.perf_counter() - t0
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    events = len(sim._trace)
    print(f"Python {sys.version.split()[0]}; {args.records:,} records, p={args.parallelism}, trace and time travel on")
    print(f"  run()               {run_s:6.1f} s  ({sim.step_count / run_s:,.0f} steps/s, {sim.step_count:,} steps, "
          f"{events:,} events, {len(sim._travel)} snapshots)   target <= 60 s, >= 50 000 steps/s")
    print(f"  peak memory growth  {rss:6.0f} MiB (ru_maxrss)   target <= 1 536 MiB")
    t0 = time.perf_counter()
    digest = sim.trace_digest()
    print(f"  trace_digest()      {time.perf_counter() - t0:6.2f} s over {events:,} events ({digest[:12]}…)   "
          f"target <= 2 s for 3 M")
    half = sim.step_count // 2
    t0 = time.perf_counter()
    sim.goto(half)
    print(f"  goto({half:,})   {time.perf_counter() - t0:6.2f} s   target <= 2 s")
    backs = []
    for _ in range(10):
        t0 = time.perf_counter()
        sim.back(1)
        backs.append(time.perf_counter() - t0)
    print(f"  back(1) x10         median {statistics.median(backs) * 1000:6.1f} ms, max {max(backs) * 1000:6.1f} ms")
    t0 = time.perf_counter()
    df = sim.trace
    print(f"  sim.trace DataFrame {time.perf_counter() - t0:6.2f} s for {len(df):,} rows (built on demand)")


if __name__ == "__main__":
    main()
