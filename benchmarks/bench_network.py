"""Simulator throughput with the full network model (buffers, credits, backpressure metrics), and how it
scales with the number of channels.

Prints, per configuration, wall-clock records/s of the simulator (fast-forward ``run_to_result``, trace off,
and stepping with the trace on) for Gen -> rebalance -> map -> sink, all-to-all between ``p`` producers and
``p`` consumers (p² channels), once with a fast consumer and once with a slow (back-pressured) one.
Compare with ``bench_throughput.py`` (the foundation's figure for the same kind of job).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flowlab  # noqa: E402
from flowlab.common import WatermarkStrategy  # noqa: E402
from flowlab.datastream import StreamExecutionEnvironment  # noqa: E402
from flowlab.sources import GeneratorSource  # noqa: E402

N = 40_000


def build(p: int, sink_cost_ms: float) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(p)
    ds = env.from_source(GeneratorSource(count=N, records_per_second=100_000), WatermarkStrategy.no_watermarks(),
                         "Gen")
    ds.rebalance().map(lambda v: v).set_processing_cost(0.001).add_sink(lambda v: None).set_processing_cost(sink_cost_ms)
    return env


def measure(p: int, sink_cost_ms: float, trace: bool) -> tuple[float, float, int]:
    sim = flowlab.Simulation(build(p, sink_cost_ms), seed=0, record_trace=trace, time_travel=False)
    t0 = time.perf_counter()
    if trace:
        sim.run()
    else:
        sim.run_to_result()
    wall = time.perf_counter() - t0
    return N / wall, sim.now_ms, sim.step_count


def main() -> int:
    print(f"{N} records, Gen -(rebalance, all-to-all)-> map -> sink, segment 32 KiB, defaults 2+8 buffers")
    print(f"{'p':>3} {'channels':>8} {'consumer':>9} {'fast-forward rec/s':>19} {'stepping rec/s':>15} "
          f"{'virtual ms':>10} {'steps':>8}")
    for p in (1, 2, 4, 8, 16):
        for label, cost in (("fast", 0.0), ("slow", 0.05)):
            fast, virt, _ = measure(p, cost, trace=False)
            stepped, _, steps = measure(p, cost, trace=True)
            print(f"{p:>3} {p * p:>8} {label:>9} {fast:>19,.0f} {stepped:>15,.0f} {virt:>10,.0f} {steps:>8,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
