"""The backpressure part of a snapshot: output/input buffer pool usage per subtask, for the views."""
from __future__ import annotations

from typing import Any

from flowlab.runtime.job_runtime import JobRuntime


def backpressure_snapshot(rt: JobRuntime) -> dict[str, Any]:
    """Per subtask: whether it waits for an output buffer now, and its pools' usage (0..1), as Flink's
    ``buffers.outPoolUsage`` / ``buffers.inPoolUsage`` gauges report them."""
    subtasks = []
    for v in rt.job_graph.vertices:
        for t in rt.tasks[v.id]:
            out_used = sum(p.buffers_in_use for p in t.partitions)
            out_size = sum(p.pool_size for p in t.partitions)
            in_used = sum(c.used for g in t.gates for c in g.channels)
            in_size = sum(len(g.channels) * g.channels[0].exclusive for g in t.gates if g.channels) + \
                sum(g.floating_free + sum(c.floating for c in g.channels) for g in t.gates)
            subtasks.append({"vertex": v.id, "subtask": t.index, "backpressured": t.waiting_for_output,
                             "out_pool_usage": out_used / out_size if out_size else 0.0,
                             "in_pool_usage": in_used / in_size if in_size else 0.0})
    return {"subtasks": subtasks}
