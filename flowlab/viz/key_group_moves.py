"""Where key groups and keys live at one parallelism and where they go at another (flowlab extension): the model
behind ``KeyGroupView``, from ``snapshot["state"]`` and Flink's ``KeyGroupRangeAssignment``.

A keyed operator with max parallelism *m* has *m* key groups; a key belongs to key group
``murmurHash(hashCode(key)) % m`` for ever, and subtask *i* of *p* owns the contiguous range
``[ceil(i*m/p), floor(((i+1)*m - 1)/p)]``. Rescaling to *p'* keeps every key group and every key in it, only
the owner changes (``kg * p' // m``): state moves in whole key groups, cut into the runs of key groups whose old
and new owners are the same (``segments``). A changed max parallelism would change every key's key group, which
is why Flink refuses to restore keyed state with another one.
"""
from __future__ import annotations

from typing import Any

from flowlab.graph.key_groups import compute_operator_index_for_key_group, key_group_range_for_operator


def key_text(key: Any) -> str:
    """A key as the state view spells it: strings quoted, None as null."""
    return repr(key) if isinstance(key, str) else "null" if key is None else str(key)


def keyed_operators(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """(operator id, name) of every operator with keyed state, in job order."""
    seen: dict[str, str] = {}
    for o in (snapshot.get("state") or {}).get("operators") or ():
        if o.get("key_groups") is not None:
            seen.setdefault(o["operator"], o.get("name", o["operator"]))
    return list(seen.items())


def resolve_operator(snapshot: dict[str, Any], operator: str | None) -> str | None:
    """The operator id ``operator`` names (an id, an operator name or a vertex id); the first keyed operator when
    None; None when the job has no keyed operator yet. Raises ValueError for a name that is not keyed."""
    ops = keyed_operators(snapshot)
    if operator is None:
        return ops[0][0] if ops else None
    for o in (snapshot.get("state") or {}).get("operators") or ():
        if o.get("key_groups") is not None and operator in (o["operator"], o.get("name"), o.get("vertex")):
            return o["operator"]
    if not ops:
        return None
    raise ValueError(f"no keyed operator {operator!r}; the keyed operators are "
                     + ", ".join(f"{name!r} ({op})" for op, name in ops))


def layout(snapshot: dict[str, Any], operator: str) -> dict[str, Any]:
    """The key groups of ``operator`` as the snapshot has them: parallelism, max parallelism, each subtask's range
    and the keys it holds (``{"key", "key_group", "subtask"}``, one per key, from every keyed state)."""
    subs = sorted((o for o in (snapshot.get("state") or {}).get("operators") or ()
                   if o["operator"] == operator and o.get("key_groups") is not None), key=lambda o: o["subtask"])
    if not subs:
        raise ValueError(f"operator {operator!r} holds no keyed state in this snapshot")
    first = subs[0]
    keys: dict[tuple[int, str], dict[str, Any]] = {}
    truncated = False
    for o in subs:
        for state in o.get("keyed") or ():
            truncated = truncated or bool(state.get("truncated"))
            for e in state.get("entries") or ():
                if e.get("key_group") is None:
                    continue
                text = key_text(e.get("key"))
                keys.setdefault((o["subtask"], text), {"key": text, "key_group": int(e["key_group"]),
                                                       "subtask": o["subtask"]})
    return {"operator": operator, "name": first.get("name", operator), "vertex": first.get("vertex"),
            "parallelism": len(subs), "max_parallelism": int(first["max_parallelism"]),
            "ranges": [[int(o["key_groups"][0]), int(o["key_groups"][1])] for o in subs],
            "keys": sorted(keys.values(), key=lambda k: (k["key_group"], k["key"])), "truncated": truncated}


def rescaled(before: dict[str, Any], parallelism: int) -> dict[str, Any]:
    """``before`` at another parallelism: Flink's ranges, every key with its key group's new owner."""
    m = before["max_parallelism"]
    ranges = []
    for i in range(parallelism):
        r = key_group_range_for_operator(m, parallelism, i)     # checks 1 <= parallelism <= m
        ranges.append([r.start, r.stop - 1])
    keys = [{**k, "subtask": compute_operator_index_for_key_group(m, parallelism, k["key_group"])}
            for k in before["keys"]]
    return {**before, "parallelism": parallelism, "ranges": ranges, "keys": keys}


def restored_layout(snapshot: dict[str, Any], now: dict[str, Any]) -> dict[str, Any] | None:
    """``now``'s operator as it was in the checkpoint or savepoint the job was restored from
    (``snapshot["key_groups"]``): that parallelism's ranges, and the keys held now at the subtask that owned
    their key group then. None when the job did not start from one or the operator is new in it."""
    section = snapshot.get("key_groups") or {}
    entry = next((o for o in section.get("operators") or () if o.get("operator") == now["operator"]), None)
    stored = None if entry is None else entry.get("before")
    if not stored:
        return None
    ranges = [[int(s["range"][0]), int(s["range"][1])] for s in stored["subtasks"]]
    keys = [{**k, "subtask": owner(ranges, k["key_group"])} for k in now["keys"]]
    return {**now, "parallelism": int(stored["parallelism"]), "ranges": ranges, "keys": keys,
            "restored_from": section.get("restored_from") or {}}


def owner(ranges: list[list[int]], key_group: int) -> int:
    """The subtask whose range holds ``key_group``."""
    return next(i for i, (a, b) in enumerate(ranges) if a <= key_group <= b)


def moves(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The runs of key groups with the same old and new owner (``segments``: first, last, from, to), how many key
    groups change owner, and every key with its owner before and after (None where a side does not hold it)."""
    m = before["max_parallelism"]
    if after["max_parallelism"] != m:
        return {"segments": [], "moved_key_groups": None, "keys": []}
    segments: list[dict[str, int]] = []
    for kg in range(m):
        pair = (owner(before["ranges"], kg), owner(after["ranges"], kg))
        last = segments[-1] if segments else None
        if last is not None and (last["from"], last["to"]) == pair:
            last["last"] = kg
        else:
            segments.append({"first": kg, "last": kg, "from": pair[0], "to": pair[1]})
    keys: dict[str, dict[str, Any]] = {}
    for side, lay in (("from", before), ("to", after)):
        for k in lay["keys"]:
            row = keys.setdefault(k["key"], {"key": k["key"], "key_group": k["key_group"], "from": None, "to": None})
            row[side] = k["subtask"]
    moved = sum(s["last"] - s["first"] + 1 for s in segments if s["from"] != s["to"])
    return {"segments": segments, "moved_key_groups": moved,
            "keys": sorted(keys.values(), key=lambda k: (k["key_group"], k["key"]))}
