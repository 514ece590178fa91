"""Task I/O metrics the way Flink reports them, and the JobManager's backpressure levels.

A ``MetricsSampler`` is a kernel call every ``flowlab.metrics.sample-interval-ms`` (default 100 virtual
ms) that records, per subtask, the cumulative busy / back-pressured / idle time (``StreamTask`` accounts
for them), records in/out, ``buffers.inPoolUsage`` / ``buffers.outPoolUsage`` and the sampled
``isBackPressured`` flag. It emits no trace event (it is not observable, so step numbers do not change)
and it changes nothing, so the run is the same with or without it. From the samples:

- ``window_figures``: ``busyTimeMsPerSecond``, ``backPressuredTimeMsPerSecond``, ``idleTimeMsPerSecond``
  over the recent window, the share of samples that saw ``isBackPressured``, records/s and pool usage;
- ``level``: Flink's ``JobVertexBackPressureHandler`` thresholds on ratio = backPressuredTime / 1000:
  OK <= 0.10 < LOW <= 0.5 < HIGH; a vertex's level is the highest of its subtasks;
- ``find_bottleneck``: the first busy, not back-pressured vertex downstream of back-pressured ones.

Simplification: Flink's time gauges average over a fixed update period; flowlab measures exactly over
[the last sample at or before now - window, now], so a window is window_ms to window_ms + one interval.
"""
from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from flowlab.runtime.phases import PHASE_METRICS
from flowlab.runtime.shared_log import SharedLog

if TYPE_CHECKING:
    from flowlab.runtime.job_runtime import JobRuntime
    from flowlab.runtime.tasks.stream_task import StreamTask

SAMPLE_INTERVAL_KEY = "flowlab.metrics.sample-interval-ms"
DEFAULT_SAMPLE_INTERVAL_MS = 100
LEVEL_LOW, LEVEL_HIGH = 0.10, 0.5
LEVELS = ("OK", "LOW", "HIGH")
BUSY_BOTTLENECK = 0.5        # a bottleneck candidate is busy at least half of the time

# one sample per subtask: cumulative busy, back-pressured, idle (µs), records in, out, pool usages, flag
BUSY, BP, IDLE, REC_IN, REC_OUT, IN_POOL, OUT_POOL, IS_BP = range(8)


def pool_usage(task: StreamTask) -> tuple[float, float]:
    """(``buffers.inPoolUsage``, ``buffers.outPoolUsage``) of a subtask, each 0..1."""
    out_used = sum(p.buffers_in_use for p in task.partitions)
    out_size = sum(p.pool_size for p in task.partitions)
    in_used = sum(c.used for g in task.gates for c in g.channels)
    in_size = sum(len(g.channels) * g.channels[0].exclusive for g in task.gates if g.channels) + \
        sum(g.floating_free + sum(c.floating for c in g.channels) for g in task.gates)
    return (in_used / in_size if in_size else 0.0), (min(1.0, out_used / out_size) if out_size else 0.0)


def task_sample(task: StreamTask, now: int) -> tuple:
    busy, bp, idle = task.io_times_us(now)
    in_pool, out_pool = pool_usage(task)
    return (busy, bp, idle, task.records_in, task.records_out, in_pool, out_pool, task.is_backpressured())


def level(bp_ms_per_s: float) -> str:
    """Flink's backpressure level of a ratio backPressuredTimeMsPerSecond / 1000."""
    ratio = bp_ms_per_s / 1000
    if ratio <= LEVEL_LOW:
        return "OK"
    return "LOW" if ratio <= LEVEL_HIGH else "HIGH"


class MetricsSampler:
    """Samples every subtask's metrics periodically; lives in the JobRuntime, so time travel rewinds it."""

    def __init__(self, rt: JobRuntime) -> None:
        self.rt = rt
        self.interval_us = round(float(rt.conf.get(SAMPLE_INTERVAL_KEY, DEFAULT_SAMPLE_INTERVAL_MS)) * 1000)
        self.keys = [(t.vertex.id, t.index) for t in rt.all_tasks()]
        self.times: SharedLog = SharedLog()                   # append-only: snapshots share them
        self.samples: SharedLog = SharedLog()

    def start(self) -> None:
        if self.interval_us > 0:
            self.rt.kernel.schedule(self.interval_us, self._sample, phase=PHASE_METRICS)

    def _sample(self) -> None:
        rt = self.rt
        if rt.terminal:
            return
        kernel = rt.kernel
        now = kernel.now
        self.times.append(now)
        self.samples.append(tuple(task_sample(t, now) for t in rt.all_tasks()))
        if len(kernel):                       # something else will still happen: keep sampling
            kernel.schedule(now + self.interval_us, self._sample, phase=PHASE_METRICS)

    # -- reading --------------------------------------------------------------------------------------
    def base_index(self, t_us: int) -> int:
        """Index of the last sample at or before ``t_us`` (-1: before the first, i.e. the zero state)."""
        return bisect.bisect_right(self.times, t_us) - 1

    def current(self) -> tuple[tuple, ...]:
        now = self.rt.kernel.now
        return tuple(task_sample(t, now) for t in self.rt.all_tasks())


def _zero(n: int) -> tuple[tuple, ...]:
    return tuple((0, 0, 0, 0, 0, 0.0, 0.0, False) for _ in range(n))


def figures(keys: list[tuple[str, int]], before: tuple[tuple, ...], after: tuple[tuple, ...], span_us: int,
            flags: list[tuple[tuple, ...]]) -> list[dict[str, Any]]:
    """Per subtask figures between two cumulative samples ``span_us`` apart; ``flags`` are the samples taken
    in between (for the ``isBackPressured`` share)."""
    rows = []
    for k, (vertex, subtask) in enumerate(keys):
        a, b = before[k], after[k]
        d_busy, d_bp, d_idle = b[BUSY] - a[BUSY], b[BP] - a[BP], b[IDLE] - a[IDLE]
        running = d_busy + d_bp + d_idle
        scale = 1000 / running if running > 0 else 0.0
        per_s = 1e6 / span_us if span_us > 0 else 0.0
        bp_ms = d_bp * scale
        sampled = [s[k][IS_BP] for s in flags]
        rows.append({
            "vertex": vertex, "subtask": subtask, "level": level(bp_ms),
            "backPressuredTimeMsPerSecond": bp_ms, "busyTimeMsPerSecond": d_busy * scale,
            "idleTimeMsPerSecond": d_idle * scale,
            "isBackPressured_ratio": (sum(sampled) / len(sampled)) if sampled else None,
            "numRecordsInPerSecond": (b[REC_IN] - a[REC_IN]) * per_s,
            "numRecordsOutPerSecond": (b[REC_OUT] - a[REC_OUT]) * per_s,
            "inPoolUsage": b[IN_POOL], "outPoolUsage": b[OUT_POOL], "isBackPressured": bool(b[IS_BP]),
        })
    return rows


def window_figures(sampler: MetricsSampler, window_ms: float = 1000) -> list[dict[str, Any]]:
    """Per subtask figures over the recent ``window_ms`` of virtual time (ending now), with levels."""
    now = sampler.rt.kernel.now
    i = sampler.base_index(now - round(window_ms * 1000))
    before = sampler.samples[i] if i >= 0 else _zero(len(sampler.keys))
    t0 = sampler.times[i] if i >= 0 else 0
    j = bisect.bisect_right(sampler.times, now)
    flags = sampler.samples[i + 1:j]
    rows = figures(sampler.keys, before, sampler.current(), now - t0, flags)
    return with_vertex_levels(rows)


def with_vertex_levels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``vertex_level``: the highest level over the vertex's subtasks (Flink's vertex view)."""
    worst: dict[str, int] = {}
    for r in rows:
        worst[r["vertex"]] = max(worst.get(r["vertex"], 0), LEVELS.index(r["level"]))
    for r in rows:
        r["vertex_level"] = LEVELS[worst[r["vertex"]]]
    return rows


def history_figures(sampler: MetricsSampler, window_ms: float | None = None) -> list[dict[str, Any]]:
    """One row per sample and subtask: figures over the interval ending at the sample (or ``window_ms``)."""
    out: list[dict[str, Any]] = []
    times, samples = sampler.times, sampler.samples
    zero = _zero(len(sampler.keys))
    for k, t in enumerate(times):
        if window_ms is None:
            i = k - 1
        else:
            i = sampler.base_index(t - round(window_ms * 1000))
            i = min(i, k - 1)
        before = samples[i] if i >= 0 else zero
        t0 = times[i] if i >= 0 else 0
        for row in figures(sampler.keys, before, samples[k], t - t0, samples[i + 1:k + 1]):
            row["time_ms"] = t / 1000
            out.append(row)
    return out


def find_bottleneck(vertices: list[str], edges: list[tuple[str, str]],
                    rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The likely bottleneck: the first vertex (in ``vertices`` order, topological) that is not back-pressured
    (level OK), is busy (its busiest subtask >= 50% busy) and has a back-pressured direct upstream vertex.

    ``rows`` are per-subtask figures (``vertex``, ``subtask``, ``level``, ``busyTimeMsPerSecond``). Returns
    ``{"vertex", "subtask", "busyTimeMsPerSecond", "upstream"}`` or None when nothing is back-pressured.
    """
    by_vertex: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_vertex.setdefault(r["vertex"], []).append(r)
    lvl = {v: max((LEVELS.index(r["level"]) for r in rs), default=0) for v, rs in by_vertex.items()}
    preds: dict[str, list[str]] = {}
    for s, t in edges:
        preds.setdefault(t, []).append(s)
    for v in vertices:
        rs = by_vertex.get(v)
        if not rs or lvl[v] > 0:
            continue
        hot = max(rs, key=lambda r: (r["busyTimeMsPerSecond"], -r["subtask"]))
        pressured = [u for u in dict.fromkeys(preds.get(v, [])) if lvl.get(u, 0) > 0]
        if pressured and hot["busyTimeMsPerSecond"] >= BUSY_BOTTLENECK * 1000:
            return {"vertex": v, "subtask": hot["subtask"], "busyTimeMsPerSecond": hot["busyTimeMsPerSecond"],
                    "upstream": pressured}
    return None
