"""The key-group part of a snapshot: how keyed state is split over the subtasks, now and in the checkpoint or
savepoint the job was restored from (what a key-group view draws before and after a rescale).

``{"restored_from": None | {"checkpoint_id", "path", "kind"}, "operators": [...]}``, one entry per keyed
operator::

    {"operator": "n4", "name": "count", "vertex": "v2", "operator_id": <32 hex>, "max_parallelism": 128,
     "parallelism": 3,
     "subtasks": [{"index": 0, "range": [0, 42], "keys": 4, "keys_per_group": [[5, 1], [17, 2], ...]}, ...],
     "before": None | {"parallelism": 2, "subtasks": [same shape, from the stored state]}}

``keys_per_group`` lists only key groups that hold state, ascending; ``keys`` is their sum. ``before`` is the
operator's state in the restored checkpoint (None when the job did not start from one, or the operator is new).
Reading never charges virtual time and never changes state.
"""
from __future__ import annotations

from typing import Any

from flowlab.graph.key_groups import key_group_range_for_operator
from flowlab.runtime.job_runtime import JobRuntime
from flowlab.runtime.tasks.restored_state import backend_keys_per_key_group, keys_per_key_group


def _subtask(index: int, owned: range, counts: list[list[int]]) -> dict[str, Any]:
    return {"index": index, "range": [owned.start, owned.stop - 1], "keys": sum(n for _, n in counts),
            "keys_per_group": counts}


def key_groups_snapshot(rt: JobRuntime) -> dict[str, Any]:
    source = getattr(rt, "restore_source", None)
    stored = source.checkpoint["operators"] if source is not None else {}
    operators = []
    for v in rt.job_graph.vertices:
        for k, node in enumerate(v.operators):
            subs = []
            for t in rt.tasks[v.id]:
                op = t.operators[k] if t.operators else None
                backend = getattr(op, "backend", None)
                if backend is None or not hasattr(backend, "restored"):
                    continue
                subs.append(_subtask(t.index, backend.key_groups, backend_keys_per_key_group(backend)))
            if not subs:
                continue
            operators.append({"operator": node.operator_id, "name": node.name, "vertex": v.id,
                              "operator_id": node.operator_hash, "max_parallelism": v.max_parallelism,
                              "parallelism": v.parallelism, "subtasks": subs,
                              "before": _before(stored.get(node.operator_hash))})
    restored = None if source is None else {"checkpoint_id": source.checkpoint_id, "path": source.path,
                                            "kind": source.kind}
    return {"restored_from": restored, "operators": operators}


def _before(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    p, max_p = entry["parallelism"], entry["max_parallelism"]
    subs = []
    for i in range(p):
        snap = entry["subtasks"].get(i, {}).get("state") or {}
        groups = {kg: g.get("states", {}) for kg, g in (snap.get("keyed") or {}).items()}
        subs.append(_subtask(i, key_group_range_for_operator(max_p, p, i), keys_per_key_group(groups)))
    return {"parallelism": p, "subtasks": subs}
