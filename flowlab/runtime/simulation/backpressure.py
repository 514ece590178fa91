"""Flink's backpressure monitoring and task metrics as DataFrames: what ``sim.backpressure()``,
``sim.metrics()`` and ``sim.throughput()`` return, read from the runtime's ``MetricsSampler``."""
from __future__ import annotations

import bisect
from typing import Any

from flowlab.runtime.job_runtime import JobRuntime
from flowlab.runtime.metrics.sampler import MetricsSampler, history_figures, window_figures

METRIC_COLUMNS = ["time_ms", "vertex", "subtask", "busyTimeMsPerSecond", "backPressuredTimeMsPerSecond",
                  "idleTimeMsPerSecond", "numRecordsInPerSecond", "numRecordsOutPerSecond", "inPoolUsage",
                  "outPoolUsage", "isBackPressured", "level"]
BACKPRESSURE_COLUMNS = ["vertex", "subtask", "level", "vertex_level", "backPressuredTimeMsPerSecond",
                        "busyTimeMsPerSecond", "idleTimeMsPerSecond", "isBackPressured_ratio",
                        "numRecordsInPerSecond", "numRecordsOutPerSecond", "inPoolUsage", "outPoolUsage"]


def install_metrics(rt: JobRuntime) -> None:
    """Start the metrics sampler of a fresh runtime."""
    rt.metrics = MetricsSampler(rt)
    rt.metrics.start()


def backpressure_frame(rt: JobRuntime, window_ms: float) -> Any:
    import pandas as pd
    return pd.DataFrame(window_figures(rt.metrics, window_ms), columns=BACKPRESSURE_COLUMNS)


def metrics_frame(rt: JobRuntime, window_ms: float | None) -> Any:
    import pandas as pd
    return pd.DataFrame(history_figures(rt.metrics, window_ms), columns=METRIC_COLUMNS)


def throughput(rt: JobRuntime, vertex: str | None, window_ms: float | None) -> float:
    """Sink arrivals per second of virtual time over the last ``window_ms`` (default: since the first)."""
    now = rt.kernel.now
    sinks = [s for s in rt.sinks.values() if vertex in (None, s.name)]
    if window_ms is not None:
        since = now - round(window_ms * 1000)
        count = sum(len(s.rows) - bisect.bisect_right(s.rows, since, key=lambda r: r[4]) for s in sinks)
        return count * 1000 / window_ms if window_ms > 0 else 0.0
    firsts = [s.rows[0][4] for s in sinks if s.rows]
    count = sum(len(s.rows) for s in sinks)
    span = now - min(firsts) if firsts else 0
    return count * 1e6 / span if span > 0 else 0.0
