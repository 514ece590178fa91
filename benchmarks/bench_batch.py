"""The same workload in STREAMING and in BATCH: wall-clock time in fast-forward, virtual time, outputs.

Prints figures; it is not a test. Jobs (``env.execute()``, trace off):

* rolling:  from_collection -> map -> key_by -> reduce -> user sink, 1 000 keys. STREAMING emits one rolling
            update per record, BATCH one final value per key.
* report:   the rolling counts feed a map and a filter before the sink: STREAMING runs them for every update,
            BATCH once per key.
* windows:  event-time tumbling windows (1 000 ms) counting per key, bounded out-of-orderness 100 ms and a
            1 ms watermark interval. STREAMING generates, sends and processes watermarks along the way; BATCH
            sorts each key's records and fires its windows when the key ends.
* punct:    the same windows with a punctuated watermark generator (a watermark with every record that raises
            the event time): STREAMING sends and processes them all, BATCH ignores the generator.

Per job and mode: records per wall-clock second, the virtual end time, the records the sink received, the
trace events the run counted, and whether both modes computed the same final values.

Usage: python benchmarks/bench_batch.py [--records N] [--parallelism P] [--repeat R]
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
from flowlab.common import Duration, Time, WatermarkStrategy  # noqa: E402
from flowlab.common.watermark_strategy import (  # noqa: E402
    TimestampAssigner,
    WatermarkGenerator,
    WatermarkOutput,
)
from flowlab.datastream import RuntimeExecutionMode, StreamExecutionEnvironment  # noqa: E402
from flowlab.datastream.window import TumblingEventTimeWindows  # noqa: E402

KEYS = 1000

# Results land here through ``sys.modules``: each subtask runs its own unpickled copy of the sink function.
SINK: dict = {}


def _store(key: object, value: object) -> None:
    module = sys.modules[__name__]
    module.SINK[key] = value
    module.SINK["__rows__"] = module.SINK.get("__rows__", 0) + 1


class EventTime(TimestampAssigner):
    def extract_timestamp(self, value: tuple, record_timestamp: int) -> int:
        return value[2]


def rolling(env: StreamExecutionEnvironment, n: int) -> None:
    (env.from_collection(range(n)).map(lambda i: (i % KEYS, 1)).key_by(lambda t: t[0])
        .reduce(lambda a, b: (a[0], a[1] + b[1])).add_sink(lambda v: _store(v[0], v[1])))


def report(env: StreamExecutionEnvironment, n: int) -> None:
    """The rolling counts feed a small report: a map and a filter after the aggregation, then the sink."""
    (env.from_collection(range(n)).map(lambda i: (i % KEYS, 1)).key_by(lambda t: t[0])
        .reduce(lambda a, b: (a[0], a[1] + b[1])).map(lambda t: (t[0], t[1], f"key {t[0]}: {t[1]} records"))
        .filter(lambda t: t[1] > 0).add_sink(lambda v: _store(v[0], v[2])))


def windows(env: StreamExecutionEnvironment, n: int) -> None:
    env.get_config().set_auto_watermark_interval(1)
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(100)) \
        .with_timestamp_assigner(EventTime())
    (env.from_collection([(i % KEYS, 1, i // 10 + (i * 7919) % 51) for i in range(n)])
        .assign_timestamps_and_watermarks(strategy).key_by(lambda t: t[0])
        .window(TumblingEventTimeWindows.of(Time.milliseconds(1000)))
        .reduce(lambda a, b: (a[0], a[1] + b[1], max(a[2], b[2])))
        .add_sink(lambda v: _store((v[0], v[2] // 1000), v[1])))


class Punctuated(WatermarkGenerator):
    """A watermark with every record (Flink's "punctuated" pattern): the event time minus 100 ms."""

    def __init__(self) -> None:
        self.max_ts = -(2**63) + 101

    def on_event(self, event: tuple, event_timestamp: int, output: WatermarkOutput) -> None:
        if event_timestamp > self.max_ts:
            self.max_ts = event_timestamp
            output.emit_watermark(self.max_ts - 101)


def punctuated(env: StreamExecutionEnvironment, n: int) -> None:
    """The windows job with a watermark per record that raises the event time: what BATCH never generates."""
    strategy = WatermarkStrategy.for_generator(Punctuated).with_timestamp_assigner(EventTime())
    (env.from_collection([(i % KEYS, 1, i // 10 + (i * 7919) % 51) for i in range(n)])
        .assign_timestamps_and_watermarks(strategy).key_by(lambda t: t[0])
        .window(TumblingEventTimeWindows.of(Time.milliseconds(1000)))
        .reduce(lambda a, b: (a[0], a[1] + b[1], max(a[2], b[2])))
        .add_sink(lambda v: _store((v[0], v[2] // 1000), v[1])))


def run(job: object, mode: RuntimeExecutionMode, n: int, p: int) -> tuple[float, int, dict, int, int]:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_runtime_mode(mode)
    env.set_parallelism(p)
    job(env, n)
    sim = flowlab.Simulation(env, record_trace=False)
    SINK.clear()
    gc.collect()
    t0 = time.perf_counter()
    sim.run_to_result()
    wall = time.perf_counter() - t0
    rows = SINK.pop("__rows__", 0)
    return wall, sim.now_us, dict(SINK), rows, sim.runtime.recorder.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--parallelism", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs per job and mode; the fastest counts")
    args = parser.parse_args()
    n, p = args.records, args.parallelism
    print(f"{n:,} records, parallelism {p}, 1 000 keys; execute() with the trace off (fast-forward); "
          f"best of {args.repeat} runs")
    print(f"{'job':<8} {'mode':<10} {'records/s':>11} {'wall s':>7} {'virtual ms':>11} {'sink rows':>10} "
          f"{'events':>10}  result")
    for name, job in (("rolling", rolling), ("report", report), ("windows", windows), ("punct", punctuated)):
        results = {}
        for mode in (RuntimeExecutionMode.STREAMING, RuntimeExecutionMode.BATCH):
            runs = [run(job, mode, n, p) for _ in range(args.repeat)]
            wall = min(r[0] for r in runs)
            _, end_us, final, rows, events = runs[0]
            results[mode] = (wall, final)
            print(f"{name:<8} {mode.name:<10} {n / wall:>11,.0f} {wall:>7.2f} {end_us / 1000:>11,.1f} {rows:>10,} "
                  f"{events:>10,}  {'' if mode is RuntimeExecutionMode.STREAMING else ''}", end="")
            if mode is RuntimeExecutionMode.BATCH:
                same = results[RuntimeExecutionMode.STREAMING][1] == final
                speed = results[RuntimeExecutionMode.STREAMING][0] / wall
                print(f"same final values: {'yes' if same else 'NO'}; BATCH {speed:.2f}x as fast")
            else:
                print()


if __name__ == "__main__":
    main()
