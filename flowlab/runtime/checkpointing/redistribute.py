"""How stored state is cut up for a job's new parallelism (Flink's ``StateAssignmentOperation``).

* Keyed state (and its timers) moves by key group: new subtask ``i`` of ``p`` gets every key group of
  ``KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxP, p, i)``, from whichever old subtask held
  it — so every key lands on the subtask ``key_by`` routes it to at the new parallelism.
* Operator list state: even-split (concatenate, cut into ``p`` contiguous parts) or union (everyone gets all);
  broadcast state: new subtask ``i`` reads old copy ``i mod p_old`` (see ``state.operator_state``).
* A source's split state is list state too (Flink's ``SourceOperator`` keeps its splits in even-split list
  state): the splits of all old readers are dealt out again; a source may define
  ``redistribute_positions(positions, p)`` to do it its own way. A sink's writer states are dealt out the same
  way; the committables not yet committed all go to subtask 0, which commits them when it opens.
"""
from __future__ import annotations

from typing import Any

from flowlab.graph.key_groups import key_group_range_for_operator
from flowlab.runtime.state.operator_state import redistribute_broadcast_state, redistribute_list_state

#: The stored position of a source subtask that had finished: it reads nothing more.
FINISHED = {"finished": True}


class RescaleError(RuntimeError):
    """Stored state that flowlab cannot split for a new parallelism."""


def keyed_for(states: list[dict[str, Any] | None], max_parallelism: int, parallelism: int,
              index: int) -> dict[int, dict[str, Any]] | None:
    """The key groups new subtask ``index`` owns, gathered from every old subtask's snapshot."""
    owned = key_group_range_for_operator(max_parallelism, parallelism, index)
    out: dict[int, dict[str, Any]] = {}
    for snap in states:
        keyed = None if snap is None else snap.get("keyed")
        for kg, group in (keyed or {}).items():
            if kg in owned:
                out[kg] = group
    return {kg: out[kg] for kg in sorted(out)} or None


def keyed_meta(states: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for snap in states:
        out.update((snap or {}).get("keyed_meta") or {})
    return out or None


def operator_states(states: list[dict[str, Any] | None], parallelism: int) -> list[dict[str, Any] | None]:
    """Each new subtask's operator state: list states even-split or union, broadcast states copied."""
    olds = [(snap or {}).get("operator_state") or {"list": {}, "broadcast": {}} for snap in states]
    lists: dict[str, tuple[str, list[list[Any]]]] = {}
    for k, op_state in enumerate(olds):
        for name, (mode, items) in op_state.get("list", {}).items():
            parts = lists.setdefault(name, (mode, [[] for _ in olds]))[1]
            parts[k] = list(items)
    broadcasts: dict[str, list[dict[Any, Any]]] = {}
    for op_state in olds:
        for name, m in op_state.get("broadcast", {}).items():
            broadcasts.setdefault(name, []).append(m)
    if not lists and not broadcasts:
        return [None] * parallelism
    out: list[dict[str, Any]] = [{"list": {}, "broadcast": {}} for _ in range(parallelism)]
    for name, (mode, parts) in lists.items():
        for i, part in enumerate(redistribute_list_state(mode, parts, parallelism)):
            out[i]["list"][name] = (mode, part)
    for name, maps in broadcasts.items():
        for i, m in enumerate(redistribute_broadcast_state(maps, parallelism)):
            out[i]["broadcast"][name] = m
    return out


def positions(node: Any, states: list[dict[str, Any] | None], parallelism: int,
              finished: list[bool] | None = None) -> list[Any]:
    """Each new subtask's source split state or sink writer state (same parallelism: its own). A source subtask
    that had finished when the checkpoint was taken (FLIP-147) stored nothing: it gets ``FINISHED`` back (it
    reads nothing more), and at another parallelism its splits are known to be done."""
    finished = finished or [False] * len(states)
    is_source = node.params.get("source") is not None
    olds = [FINISHED if is_source and done and snap is None else (snap or {}).get("operator")
            for snap, done in zip(states, finished, strict=True)]
    if len(olds) == parallelism or all(p is None for p in olds):
        return olds if len(olds) == parallelism else [None] * parallelism
    source = node.params.get("source")
    own = getattr(source, "redistribute_positions", None)
    if own is not None:
        return own(olds, parallelism)
    present = [p for p in olds if p is not None and p is not FINISHED]
    if all(isinstance(p, dict) and isinstance(p.get("splits"), list) for p in present):
        splits = [s for p in present for s in p["splits"]]
        return [{"position": 0, "splits": part} for part in _even_split(splits, parallelism)]
    if all(isinstance(p, dict) and set(p) == {"writer", "committables"} for p in present):
        return _sink_positions(node, present, parallelism)
    raise RescaleError(
        f"flowlab cannot split the stored state of '{node.name}' ({type(present[0]).__name__}) from "
        f"{len(olds)} to {parallelism} subtasks. Restore it at its old parallelism ({len(olds)}).")


def _sink_positions(node: Any, present: list[dict[str, Any]], parallelism: int) -> list[Any]:
    writers = [p["writer"] for p in present if p["writer"] is not None]
    if writers and not all(isinstance(w, list) for w in writers):
        raise RescaleError(f"flowlab cannot split the writer state of sink '{node.name}' from {len(present)} to "
                           f"{parallelism} subtasks. Restore it at its old parallelism ({len(present)}).")
    parts = _even_split([s for w in writers for s in w], parallelism) if writers else [None] * parallelism
    committables = sorted((c for p in present for c in p["committables"]), key=lambda c: c[0])
    return [{"writer": parts[i], "committables": committables if i == 0 else []} for i in range(parallelism)]


def _even_split(items: list[Any], parallelism: int) -> list[list[Any]]:
    base, extra = divmod(len(items), parallelism)
    out, pos = [], 0
    for i in range(parallelism):
        n = base + (1 if i < extra else 0)
        out.append(items[pos:pos + n])
        pos += n
    return out
