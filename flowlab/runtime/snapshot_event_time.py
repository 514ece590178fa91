"""The event-time part of a snapshot: watermarks per subtask and per input channel, for the views."""
from __future__ import annotations

from typing import Any

from flowlab.runtime.job_runtime import JobRuntime


def event_time_snapshot(rt: JobRuntime) -> dict[str, Any]:
    """``{"subtasks": [...]}``: each subtask's operator watermark and, per input, every channel's
    watermark, idleness and alignment, the combined (valve) watermark and the channel holding it back."""
    subtasks = []
    for v in rt.job_graph.vertices:
        for t in rt.tasks[v.id]:
            inputs = []
            for n, valve in sorted(t.valves.items()):
                held = valve.holding_back()
                inputs.append({
                    "input": n,
                    "combined": valve.last_output,
                    "idle": valve.idle,
                    "holding_back": t.job_channel_name(held) if held is not None else None,
                    "channels": [{"from": t.job_channel_name(c), "watermark": c.watermark, "idle": c.idle,
                                  "aligned": c.aligned} for c in valve.channels],
                })
            ops = [{"id": op.id, "name": op.name, "watermark": op.current_watermark} for op in t.operators]
            subtasks.append({"vertex": v.id, "subtask": t.index, "inputs": inputs, "operators": ops})
    return {"subtasks": subtasks}
