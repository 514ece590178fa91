"""The Simulation's backpressure side: ``backpressure()``, ``metrics()`` and ``pause_task()``.

A mixin of ``flowlab.Simulation`` (kept apart so the stepping handle stays readable). The metrics come
from the runtime's ``MetricsSampler`` (``flowlab.runtime.metrics``), stalls from ``flowlab.runtime.stall``.
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.metrics import MetricsSampler, history_figures, window_figures
from flowlab.runtime.stall import schedule_stall

METRIC_COLUMNS = ["time_ms", "vertex", "subtask", "busyTimeMsPerSecond", "backPressuredTimeMsPerSecond",
                  "idleTimeMsPerSecond", "numRecordsInPerSecond", "numRecordsOutPerSecond", "inPoolUsage",
                  "outPoolUsage", "isBackPressured", "level"]
BACKPRESSURE_COLUMNS = ["vertex", "subtask", "level", "vertex_level", "backPressuredTimeMsPerSecond",
                        "busyTimeMsPerSecond", "idleTimeMsPerSecond", "isBackPressured_ratio",
                        "numRecordsInPerSecond", "numRecordsOutPerSecond", "inPoolUsage", "outPoolUsage"]


class BackpressureMixin:
    """Flink's backpressure monitoring and task metrics, read from the simulated runtime."""

    _rt: Any
    now_ms: float

    def _install_metrics(self) -> None:
        """Called by ``reset()``: start the metrics sampler of a fresh runtime and schedule the stalls."""
        self._rt.metrics = MetricsSampler(self._rt)
        self._rt.metrics.start()
        self._apply_stalls()

    def backpressure(self, window_ms: float = 1000) -> Any:
        """Flink's backpressure view over the recent ``window_ms`` of virtual time, as a pandas DataFrame.

        One row per vertex and subtask: ``vertex``, ``subtask``, ``level`` (OK/LOW/HIGH on
        backPressuredTimeMsPerSecond / 1000: OK <= 0.10 < LOW <= 0.5 < HIGH), ``vertex_level`` (the highest over
        the vertex's subtasks), ``backPressuredTimeMsPerSecond``, ``busyTimeMsPerSecond``, ``idleTimeMsPerSecond``,
        ``isBackPressured_ratio`` (the share of the periodic samples in the window that found no output buffer
        available, as the JobManager's sampling did), records in/out per second and pool usages."""
        import pandas as pd
        return pd.DataFrame(window_figures(self._rt.metrics, window_ms), columns=BACKPRESSURE_COLUMNS)

    def metrics(self, window_ms: float | None = None) -> Any:
        """The sampled task metrics over time as a pandas DataFrame: one row per sample (every
        ``flowlab.metrics.sample-interval-ms``, default 100 virtual ms) and subtask, the figures measured over
        the interval before the sample (or over ``window_ms``)."""
        import pandas as pd
        return pd.DataFrame(history_figures(self._rt.metrics, window_ms), columns=METRIC_COLUMNS)

    def throughput(self, vertex: str | None = None, window_ms: float | None = None) -> float:
        """Records per second of virtual time that reached the sinks (or the sink named ``vertex``), over the
        last ``window_ms`` (default: since the sink's first record). Counts sink arrivals, so it works whether
        or not the sink is chained into another task."""
        import bisect
        rt = self._rt
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

    def pause_task(self, vertex: str, subtask: int, at_ms: float, duration_ms: float) -> None:
        """A GC-like stall (flowlab extension): at virtual ``at_ms`` the subtask stops making progress for
        ``duration_ms``. ``vertex`` is a vertex id, task name or operator name. Kept across ``reset``/``back``;
        a ``stall`` trace event shows it."""
        if at_ms < self.now_ms:
            raise ValueError(f"at_ms={at_ms} lies in the past (now is {self.now_ms:g} ms)")
        if duration_ms <= 0:
            raise ValueError("duration_ms must be > 0")
        self._stall_plan.append((vertex, int(subtask), float(at_ms), float(duration_ms)))
        self._apply_stalls()

    @property
    def _stall_plan(self) -> list[tuple[str, int, float, float]]:
        return self.__dict__.setdefault("_stalls", [])

    def _apply_stalls(self) -> None:
        """Schedule every planned stall the runtime lacks (after reset or a restored snapshot)."""
        for number, (vertex, subtask, at_ms, duration_ms) in enumerate(self._stall_plan):
            schedule_stall(self._rt, number, vertex, subtask, at_ms, duration_ms)
