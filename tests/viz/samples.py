"""Hand-made snapshots in the Simulation's snapshot format, for previews, tests and benchmarks.

``sample_snapshot(step)`` is a small windowed job (Source → Map → Timestamps/Watermarks, keyBy, a window
with a chained Map, a Sink) whose snapshot evolves with ``step``: deployment, records flowing, a spell of
backpressure, the end. ``synthetic_snapshot(n, p)`` is a larger forked graph for benchmarks.
Simplification: the numbers are made up by formulas, not simulated.
"""
from __future__ import annotations

from typing import Any

SAMPLE_STEPS = 40
_LIFECYCLE = ("CREATED", "SCHEDULED", "DEPLOYING", "INITIALIZING")


def _state(step: int, done: bool) -> str:
    if done:
        return "FINISHED"
    return _LIFECYCLE[step] if step < len(_LIFECYCLE) else "RUNNING"


def _channels(src_p: int, dst_p: int, step: int, pattern: str) -> list[dict[str, int]]:
    pairs = ([(i, i) for i in range(src_p)] if pattern == "FORWARD"
             else [(i, j) for i in range(src_p) for j in range(dst_p)])
    return [{"from": i, "to": j, "queued_buffers": (step + i + j) % 2, "filling_records": (step + j) % 3,
             "in_flight_buffers": (step + i) % 2, "in_flight_records": 4 * ((step + i) % 2),
             "received_buffers": max(0, step - 4) // 2, "credit": 2} for i, j in pairs]


def _edge(src: str, dst: str, partitioner: str, src_p: int, dst_p: int, step: int,
          active: bool) -> dict[str, Any]:
    channels = _channels(src_p, dst_p, step, partitioner) if active else []
    return {"source": src, "target": dst, "partitioner": partitioner,
            "buffers_in_flight": sum(c["in_flight_buffers"] for c in channels),
            "records_in_flight": sum(c["in_flight_records"] for c in channels), "channels": channels}


def _build(spec: list[tuple[str, str, int, list[tuple[str, str, str]]]], links: list[tuple[str, str, str]],
           step: int, total: int, name: str) -> dict[str, Any]:
    """spec: (vertex id, name, parallelism, [(op id, op name, kind)]); links: (v_src, v_dst, partitioner)."""
    step = max(0, min(step, total))
    done = step >= total
    running = max(0, step - len(_LIFECYCLE))
    operators, vertices, slots = [], [], {}
    for depth, (vid, vname, p, ops) in enumerate(spec):
        flowing = max(0, running - 2 * depth)
        subtasks = []
        for i in range(p):
            rin = 3 * flowing + i if flowing else 0
            tm = f"tm-{1 + i % 2}" if step >= 1 else None
            slot = i // 2 if step >= 1 else None
            if tm is not None:
                slots.setdefault((tm, slot), []).append(f"{vid}[{i}]")
            subtasks.append({
                "index": i, "state": _state(step, done), "taskmanager": tm, "slot": slot,
                "records_in": rin, "records_out": rin if ops[-1][2] != "sink" else 0,
                "busy": not done and flowing > 0 and (step + i + depth) % 3 == 0,
                "backpressured": not done and depth == 0 and i == p - 1 and 12 <= step < 18,
                "input_queued": 0 if done else (step + i) % 4 if depth else 0})
        vertices.append({"id": vid, "name": vname, "parallelism": p, "operators": [o[0] for o in ops],
                         "subtasks": subtasks})
        for oid, oname, kind in ops:
            operators.append({"id": oid, "name": oname, "kind": kind, "vertex": vid, "parallelism": p,
                              "subtasks": [{"index": s["index"], "records_in": s["records_in"],
                                            "records_out": s["records_out"] if kind != "sink" else 0}
                                           for s in subtasks]})
    by_id = {v["id"]: v for v in vertices}
    depth_of = {v[0]: d for d, v in enumerate(spec)}
    edges = [_edge(s, t, part, by_id[s]["parallelism"], by_id[t]["parallelism"], step,
                   active=not done and running > 2 * depth_of[s] + 1) for s, t, part in links]
    op_edges = []
    for v in vertices:
        ops = v["operators"]
        op_edges += [{"source": a, "target": b, "partitioner": "FORWARD", "chained": True}
                     for a, b in zip(ops, ops[1:], strict=False)]
    op_edges += [{"source": by_id[s]["operators"][-1], "target": by_id[t]["operators"][0],
                  "partitioner": part, "chained": False} for s, t, part in links]
    now_us = step * 250
    events = [] if step == 0 else [
        {"step": step, "time_us": now_us, "time_ms": now_us / 1000, "kind": "process", "vertex": spec[-1][0],
         "subtask": step % spec[-1][2], "operator": spec[-1][3][0][0], "detail": f"record #{step}"}]
    status = "FINISHED" if done else "RUNNING" if step >= 1 else "CREATED"
    return {
        "step": step, "now_us": now_us, "now_ms": now_us / 1000, "done": done,
        "job": {"id": "job-0001", "name": name, "status": status, "failure": None},
        "operators": operators, "operator_edges": op_edges, "vertices": vertices, "edges": edges,
        "taskmanagers": [{"id": tm, "slots": [{"index": s, "subtasks": subs}
                                              for (t, s), subs in sorted(slots.items()) if t == tm]}
                         for tm in sorted({t for t, _ in slots})],
        "last_events": events,
    }


def sample_snapshot(step: int = 20, total: int = SAMPLE_STEPS) -> dict[str, Any]:
    """A three-task windowed job, as it looks after ``step`` of ``total`` steps."""
    spec = [
        ("v1", "Source: Collection -> Map -> Timestamps/Watermarks", 2,
         [("n1", "Source: Collection", "source"), ("n2", "Map", "map"),
          ("n3", "Timestamps/Watermarks", "timestamps_watermarks")]),
        ("v2", "TumblingEventTimeWindows(5000) -> Map", 2,
         [("n4", "TumblingEventTimeWindows(5000)", "window"), ("n5", "Map", "map")]),
        ("v3", "Sink: Print to Std. Out", 1, [("n6", "Sink: Print to Std. Out", "sink")]),
    ]
    return _build(spec, [("v1", "v2", "HASH"), ("v2", "v3", "REBALANCE")], step, total, "windowed word count")


def synthetic_snapshot(n_vertices: int = 6, parallelism: int = 4, step: int = 30) -> dict[str, Any]:
    """A forked job of ``n_vertices`` tasks (two operators each) at ``parallelism``, for benchmarks."""
    spec = []
    for k in range(1, n_vertices + 1):
        kind = "source" if k == 1 else "sink" if k == n_vertices else "process"
        first = f"Source: Generator {k}" if kind == "source" else f"Process {k}"
        ops = [(f"n{k}a", first, kind)]
        if kind != "sink":
            ops.append((f"n{k}b", f"Map {k}", "map"))
        else:
            ops = [(f"n{k}a", "Sink: Collect", "sink")]
        spec.append((f"v{k}", " -> ".join(o[1] for o in ops), parallelism, ops))
    links = []
    for k in range(1, n_vertices):
        if k == 1 and n_vertices >= 4:
            links += [("v1", "v2", "HASH"), ("v1", "v3", "REBALANCE")]
        elif k == 2 and n_vertices >= 4:
            links.append(("v2", "v4", "HASH"))
        elif k == 3 and n_vertices >= 4:
            links.append(("v3", "v4", "HASH"))
        else:
            links.append((f"v{k}", f"v{k + 1}", "FORWARD" if k % 2 else "RESCALE"))
    return _build(spec, links, step, 10 * step + 100, "synthetic benchmark job")
