"""Small event-time jobs shared by the explainer, breakpoint and view tests."""
from __future__ import annotations

from typing import Any

import flowlab
from flowlab.common import Duration, Types, WatermarkStrategy
from flowlab.datastream import OutputTag, StreamExecutionEnvironment
from flowlab.datastream.window import TumblingEventTimeWindows
from flowlab.sources import ScriptedSource

WINDOW = "Window(TumblingEventTimeWindows(500), default)"


def silent_partition_job(idle_ms: int | None = None, lateness: int = 0, late_side_output: bool = True,
                         extra: list[tuple] | None = None) -> flowlab.Simulation:
    """Two partitions at parallelism 2: partition 0 ("a") ticks every 100 ms, partition 1 ("b") sends three
    records (event times 0, 150, 120) and falls silent; 500 ms tumbling windows per key, delay 50 ms."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.get_config().set_auto_watermark_interval(50)
    env.set_buffer_timeout(0)
    p0 = [(i * 100, ("a", i), i * 100) for i in range(12)] + list(extra or ())
    p1 = [(0, ("b", 0), 0), (100, ("b", 1), 150), (200, ("b", 2), 120)]
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(50))
    if idle_ms is not None:
        strategy = strategy.with_idleness(Duration.of_millis(idle_ms))
    ds = env.from_source(ScriptedSource(partitions=[p0, p1], end_ms=1500), strategy, "events")
    ws = ds.key_by(lambda r: r[0], key_type=Types.STRING()).window(TumblingEventTimeWindows.of(500))
    ws = ws.allowed_lateness(lateness)
    if late_side_output:
        ws = ws.side_output_late_data(OutputTag("late", Types.TUPLE([Types.STRING(), Types.INT()])))
    ws.reduce(lambda x, y: (x[0], x[1] + y[1])).print()
    return flowlab.Simulation(env, seed=0)


def late_job(lateness: int = 0, side_output: bool = False) -> flowlab.Simulation:
    """One partition, parallelism 1, delay 0: ts 3 arrives after ts 20 has pushed the watermark to 19,
    so [0, 10) has fired; with allowed lateness 5 it re-fires instead, and ts 1 after ts 40 is late."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.get_config().set_auto_watermark_interval(5)
    env.set_buffer_timeout(0)
    recs: list[Any] = [(0, ("k", 1), 1), (10, ("k", 20), 12), (20, ("k", 3), 3), (30, ("k", 40), 40),
                       (40, ("k", 1), 1)]
    ds = env.from_source(ScriptedSource(recs), WatermarkStrategy.for_monotonous_timestamps(), "src")
    ws = ds.key_by(lambda r: r[0], key_type=Types.STRING()).window(TumblingEventTimeWindows.of(10))
    ws = ws.allowed_lateness(lateness)
    if side_output:
        ws = ws.side_output_late_data(OutputTag("late", Types.TUPLE([Types.STRING(), Types.INT()])))
    ws.reduce(lambda x, y: (x[0], x[1] + y[1])).print()
    return flowlab.Simulation(env, seed=0)
