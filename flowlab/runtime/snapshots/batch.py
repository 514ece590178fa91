"""The BATCH part of a snapshot: stages, materialised results, slots and restarts (``snapshot["batch"]``).

``{"mode": "STREAMING"}`` for a streaming job. For a BATCH job also:

* ``stages``: one entry per stage (``stage``, ``vertices``, ``status``: waiting / running / finished),
* ``vertices``: per job vertex id its ``stage``, per subtask ``attempt`` and the sorted input's progress
  (``phase`` reading / draining / done, ``buffered``, ``handed_out``, ``sorted``),
* ``edges``: per job edge (in ``snapshot["edges"]`` order) ``blocking`` (always true) and
  ``materialised_records`` (records of the producer subtasks that finished so far),
* ``slots``: ``in_use``, ``peak``, ``needed`` (``slots_needed``) and ``total``; ``restarts``; ``notes``.
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.job_runtime import JobRuntime


def batch_snapshot(rt: JobRuntime) -> dict[str, Any]:
    stages = rt.jobmaster.stages
    if stages is None:
        return {"mode": "STREAMING"}
    jg = rt.job_graph
    vertices: dict[str, Any] = {}
    by_stage: dict[int, list[str]] = {}
    for v in jg.vertices:
        n = stages.stage_of(v.id)
        by_stage.setdefault(n, []).append(v.id)
        vertices[v.id] = {"stage": n, "subtasks": [
            {"index": t.index, "attempt": t.attempt,
             **(t.sorted_input.snapshot_info() if t.sorted_input is not None else {})} for t in rt.tasks[v.id]]}
    stage_list = []
    for n in sorted(by_stage):
        states = [t.state for vid in by_stage[n] for t in rt.tasks[vid]]
        status = ("finished" if all(s == "FINISHED" for s in states)
                  else "waiting" if all(s == "CREATED" for s in states) else "running")
        stage_list.append({"stage": n, "vertices": by_stage[n], "status": status})
    edges = []
    for w in rt.exec_graph.wirings:
        e = w.edge
        k = [je.index for je in e.source.out_edges].index(e.index)
        records = sum(b.records for t in rt.tasks[e.source.id]
                      for bufs in stages.results.get((e.source.id, t.index), [[]] * (k + 1))[k] for b in bufs)
        edges.append({"source": e.source.id, "target": e.target.id, "blocking": True,
                      "materialised_records": records})
    return {"mode": "BATCH", "stages": stage_list, "vertices": vertices, "edges": edges,
            "slots": {"in_use": stages.slots_in_use, "peak": stages.peak_slots, "needed": jg.slots_needed,
                      "total": rt.rm.total_slots()},
            "restarts": stages.restarts, "notes": list(rt.notes)}
