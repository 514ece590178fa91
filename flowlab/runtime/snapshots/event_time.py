"""The event-time part of a snapshot: watermarks per subtask and per input channel, watermark generators
(sources and ``assign_timestamps_and_watermarks``) with their splits, and the windows of every window
operator subtask with their late records — what the watermark/window views and the explainer read."""
from __future__ import annotations

from typing import Any

from flowlab.runtime.elements import LONG_MIN
from flowlab.runtime.job_runtime import JobRuntime


def event_time_snapshot(rt: JobRuntime) -> dict[str, Any]:
    """``{"subtasks": [...], "generators": [...], "windows": [...]}``.

    ``subtasks``: each subtask's operator watermarks and, per input, every channel's watermark, idleness
    and alignment, the combined (valve) watermark and the channel holding it back.
    ``generators``: every operator subtask that generates watermarks (a source with a watermark strategy,
    or a mid-pipeline assigner): its watermark, whether it marked itself idle, the largest timestamp it
    saw, and for sources the splits it reads (read/total elements, last event timestamp, next arrival).
    ``windows``: ``WindowOperator.describe_windows()`` of every window operator subtask.
    """
    subtasks = []
    generators = []
    windows = []
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
                                  "aligned": c.aligned, "finished": bool(getattr(c, "finished", False))}
                                 for c in valve.channels],
                })
            ops = [{"id": op.id, "name": op.name, "watermark": op.current_watermark} for op in t.operators]
            subtasks.append({"vertex": v.id, "subtask": t.index, "name": v.name, "state": t.state,
                             "is_source": t.is_source, "inputs": inputs, "operators": ops})
            for op in t.operators:
                emitter = getattr(op, "emitter", None)
                if t.is_source and op is t.head or emitter is not None:
                    generators.append(_generator(t, op, emitter))
                if hasattr(op, "describe_windows"):
                    windows.append(op.describe_windows())
    return {"subtasks": subtasks, "generators": generators, "windows": windows}


def _generator(task: Any, op: Any, emitter: Any) -> dict[str, Any]:
    gen = getattr(emitter, "generator", None) if emitter is not None else None
    inner = getattr(gen, "inner", gen)
    max_ts = getattr(inner, "max_timestamp", None)
    delay = getattr(inner, "out_of_orderness_ms", None)
    if max_ts is not None and delay is not None and max_ts == LONG_MIN + delay + 1:
        max_ts = None                      # nothing seen yet
    out: dict[str, Any] = {
        "vertex": task.vertex.id, "subtask": task.index, "operator": op.id, "name": op.name,
        "kind": "source" if task.is_source and op is task.head else "assigner",
        "watermark": op.current_watermark,
        "strategy": emitter is not None,
        "idle": bool(getattr(emitter, "idle", False)),
        "idle_timeout_ms": getattr(gen, "idle_timeout_ms", None),
        "out_of_orderness_ms": delay,
        "max_timestamp": max_ts,
        "finished": task.state == "FINISHED",
        "splits": None,
    }
    reader = getattr(op, "reader", None)
    if reader is not None:
        out["position"] = getattr(reader, "position", None)
        nxt = reader.next_arrival_us() if task.state != "FINISHED" else None
        out["next_arrival_ms"] = None if nxt is None else nxt / 1000
        out["splits"] = _splits(reader)
        per_split = emitter.split_state() if hasattr(emitter, "split_state") else {}
        for sp in out["splits"] or []:
            sp.update(per_split.get(sp["split"], {}))     # per-split watermark / idle / released
    return out


def _splits(reader: Any) -> list[dict[str, Any]] | None:
    """Per split (partition) of a scripted reader: elements read of total, last event time, next arrival."""
    ids = getattr(reader, "split_ids", None)
    source = getattr(reader, "source", None)
    if ids is None or source is None or not hasattr(source, "splits"):
        return None
    out = []
    for k, sid in enumerate(ids):
        split = source.splits[sid]
        read = reader.offsets[k]
        last = split[read - 1] if read else None
        nxt = split[read] if read < len(split) else None
        out.append({"split": sid, "read": read, "total": len(split),
                    "last_timestamp": last[2] if last is not None else None,
                    "last_arrival_ms": last[0] / 1000 if last is not None else None,
                    "next_arrival_ms": nxt[0] / 1000 if nxt is not None else None,
                    "end_ms": source.split_end_us[sid] / 1000 if hasattr(source, "split_end_us") else None})
    return out
