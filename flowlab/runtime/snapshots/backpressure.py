"""The backpressure part of a snapshot: levels, time ratios, pools, channels, bottleneck and history.

Plain JSON-able data for the views (``flowlab.viz.backpressure_view``):

- ``subtasks``: per subtask its level and vertex level, the ms/s figures over the recent window
  (``window_ms``), the sampled ``isBackPressured`` share, records/s, ``in_pool_usage`` /
  ``out_pool_usage`` (Flink's ``buffers.inPoolUsage`` / ``buffers.outPoolUsage``) and ``backpressured``
  (waiting for an output buffer right now);
- ``vertices``: per vertex its level (max over subtasks) and busiest / most back-pressured subtask;
- ``channels``: per channel the sender side (buffers queued or filling, the cap, credit, backlog) and the
  receiver side (buffers holding data, exclusive + floating buffers);
- ``bottleneck``: the first busy, not back-pressured vertex downstream of back-pressured ones, or None;
- ``history``: per vertex the mean busy / back-pressured / idle ms/s per sample interval (recent samples).
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.job_runtime import JobRuntime
from flowlab.runtime.metrics.sampler import (
    BP,
    BUSY,
    IDLE,
    LEVELS,
    MetricsSampler,
    find_bottleneck,
    pool_usage,
    window_figures,
)

WINDOW_MS = 1000
HISTORY_SAMPLES = 120


def backpressure_snapshot(rt: JobRuntime, window_ms: float = WINDOW_MS) -> dict[str, Any]:
    """The backpressure section of ``Simulation.snapshot()``."""
    sampler: MetricsSampler | None = getattr(rt, "metrics", None)
    figures = window_figures(sampler, window_ms) if sampler is not None else []
    fig = {(r["vertex"], r["subtask"]): r for r in figures}
    subtasks = []
    for v in rt.job_graph.vertices:
        for t in rt.tasks[v.id]:
            in_pool, out_pool = pool_usage(t)
            f = fig.get((v.id, t.index), {})
            subtasks.append({
                "vertex": v.id, "subtask": t.index, "backpressured": t.waiting_for_output,
                "out_pool_usage": out_pool, "in_pool_usage": in_pool,
                "level": f.get("level", "OK"), "vertex_level": f.get("vertex_level", "OK"),
                "bp_ms": f.get("backPressuredTimeMsPerSecond", 0.0), "busy_ms": f.get("busyTimeMsPerSecond", 0.0),
                "idle_ms": f.get("idleTimeMsPerSecond", 0.0), "sampled_ratio": f.get("isBackPressured_ratio"),
                "records_in_per_s": f.get("numRecordsInPerSecond", 0.0),
                "records_out_per_s": f.get("numRecordsOutPerSecond", 0.0)})
    vertices = []
    for v in rt.job_graph.vertices:
        rows = [s for s in subtasks if s["vertex"] == v.id]
        worst = max(rows, key=lambda s: (s["bp_ms"], -s["subtask"]))
        busiest = max(rows, key=lambda s: (s["busy_ms"], -s["subtask"]))
        vertices.append({"id": v.id, "name": v.name,
                         "level": LEVELS[max(LEVELS.index(s["level"]) for s in rows)],
                         "bp_ms": worst["bp_ms"], "busy_ms": busiest["busy_ms"], "busiest": busiest["subtask"]})
    edges = [(w.edge.source.id, w.edge.target.id) for w in rt.exec_graph.wirings]
    bottleneck = find_bottleneck([v.id for v in rt.job_graph.vertices], edges, figures) if figures else None
    return {"window_ms": window_ms, "subtasks": subtasks, "vertices": vertices, "channels": _channels(rt),
            "bottleneck": bottleneck, "history": _history(sampler) if sampler is not None else None}


def _channels(rt: JobRuntime) -> list[dict[str, Any]]:
    out = []
    cap = rt.network.settings.max_buffers_per_channel
    for k, w in enumerate(rt.exec_graph.wirings):
        e = w.edge
        pos = None
        for t in rt.tasks[e.source.id]:
            if pos is None:
                pos = [je.index for je in e.source.out_edges].index(e.index)
            for sub in t.partitions[pos].subpartitions:
                ch = sub.channel
                out.append({"edge": k, "source": e.source.id, "target": e.target.id, "from": t.index,
                            "to": sub.consumer_index, "out_buffers": sub.buffers_in_use, "out_capacity": cap,
                            "credit": sub.credit, "backlog": sub.backlog, "in_flight": sub.in_flight,
                            "in_buffers": ch.used, "in_capacity": ch.exclusive + ch.floating,
                            "exclusive": ch.exclusive, "floating": ch.floating})
    return out


def _history(sampler: MetricsSampler) -> dict[str, Any]:
    """Mean busy / back-pressured / idle ms per second per vertex over each recent sample interval."""
    times, samples, keys = sampler.times, sampler.samples, sampler.keys
    start = max(0, len(times) - HISTORY_SAMPLES)
    series: dict[str, dict[str, list[float]]] = {}
    for vid, _ in keys:
        series.setdefault(vid, {"busy": [], "bp": [], "idle": []})
    for k in range(start, len(times)):
        prev = samples[k - 1] if k > 0 else None
        sums: dict[str, list[float]] = {}
        for j, (vid, _) in enumerate(keys):
            b = samples[k][j]
            a = prev[j] if prev is not None else (0, 0, 0)
            d = (b[BUSY] - a[BUSY], b[BP] - a[BP], b[IDLE] - a[IDLE])
            run = sum(d)
            acc = sums.setdefault(vid, [0.0, 0.0, 0.0, 0])
            if run > 0:
                acc[0] += 1000 * d[0] / run
                acc[1] += 1000 * d[1] / run
                acc[2] += 1000 * d[2] / run
                acc[3] += 1
        for vid, (busy, bp, idle, n) in sums.items():
            s = series[vid]
            s["busy"].append(busy / n if n else 0.0)
            s["bp"].append(bp / n if n else 0.0)
            s["idle"].append(idle / n if n else 0.0)
    return {"time_ms": [t / 1000 for t in times[start:]], "vertices": series}
