"""The state part of a snapshot: per operator subtask, its key-group range and every state it holds.

``{"backend": "hashmap" | "rocksdb", "directory": <RocksDB working dir or None>, "operators": [...]}``;
one entry per stateful operator subtask (keyed state, operator state or broadcast state):

* ``key_groups``: ``[first, last]`` of the subtask's key-group range (keyed operators), ``max_parallelism``.
* ``keyed``: per state name — kind, declared type, TTL (ms), and ``entries``: one per (key, namespace) with
  the key, its key group, the namespace (``None`` outside windows, else the window as text) and the value
  (a list's elements, a map's entries; with TTL each value carries ``ts``, its last access). Window
  operators' own states (``window-contents``, ``merging-window-set``) are included. ``size``: entries,
  distinct keys, elements (list elements / map entries, 1 per value otherwise) and, on RocksDB, bytes.
  At most ``MAX_ENTRIES`` entries are listed per state (``truncated`` says when there were more).
* ``operator_state``: list state of a ``CheckpointedFunction`` (with its redistribution mode) and broadcast state.
* ``rocksdb_path``: the subtask's RocksDB instance directory (RocksDB only).

Reading state for a snapshot never charges virtual time and never changes state (no TTL cleanup).
Values are shown as text (``repr`` cut to ``VALUE_CHARS``); keys as JSON values where possible.
"""
from __future__ import annotations

from typing import Any

from flowlab.graph.key_groups import key_group_for
from flowlab.runtime.job_runtime import JobRuntime

MAX_ENTRIES = 100
VALUE_CHARS = 60


def _text(value: Any) -> str:
    t = repr(value)
    return t if len(t) <= VALUE_CHARS else t[: VALUE_CHARS - 1] + "…"


def _key(key: Any) -> Any:
    return key if key is None or isinstance(key, (str, int, float, bool)) else repr(key)


def _namespace(ns: Any) -> Any:
    if ns is None:
        return None
    start, end = getattr(ns, "start", None), getattr(ns, "end", None)
    return f"[{start}, {end})" if start is not None else repr(ns)


def _value(kind: str, stored: Any) -> tuple[Any, int]:
    """JSON-able form of a stored value and how many elements it counts for."""
    def one(v: Any) -> Any:
        if type(v).__name__ == "TtlValue":
            return {"value": _text(v.value), "ts": v.ts}
        return _text(v)

    if kind == "list":
        return [one(v) for v in stored], len(stored)
    if kind == "map":
        return [[_text(k), one(v)] for k, v in stored.items()], len(stored)
    return one(stored), 1


def _keyed(backend: Any) -> list[dict[str, Any]]:
    out = []
    for name in backend.state_names():
        meta = backend.metas[name]
        d = meta.descriptor
        entries, keys, elements, total = [], set(), 0, 0
        for key, ns, stored in backend.entries(name):
            total += 1
            keys.add((type(key).__name__, repr(key)))
            value, n = _value(meta.kind, stored)
            elements += n
            if len(entries) < MAX_ENTRIES:
                try:
                    kg = key_group_for(key, backend.max_parallelism, backend.key_type)
                except TypeError:
                    kg = None
                entries.append({"key": _key(key), "key_group": kg, "namespace": _namespace(ns), "value": value})
        out.append({"name": name, "kind": meta.kind, "type": repr(d.type_info) if d.type_info is not None else None,
                    "ttl_ms": meta.ttl.ttl_ms() if meta.ttl is not None else None, "entries": entries,
                    "truncated": total > len(entries),
                    "size": {"entries": total, "keys": len(keys), "elements": elements,
                             "bytes": backend.size_bytes(name)}})
    return out


def _operator_state(store: Any) -> dict[str, Any]:
    return {"lists": [{"name": n, "mode": s.mode, "elements": [_text(v) for v in s.items[:MAX_ENTRIES]],
                       "size": len(s.items)} for n, s in store.list_states.items()],
            "broadcast": [{"name": n, "entries": [[_text(k), _text(v)] for k, v in list(s.map.items())[:MAX_ENTRIES]],
                           "size": len(s.map)} for n, s in store.broadcast_states.items()]}


def state_snapshot(rt: JobRuntime) -> dict[str, Any]:
    """See the module docstring."""
    backends = rt.state_backends
    operators = []
    for v in rt.job_graph.vertices:
        for t in rt.tasks[v.id]:
            for op in t.operators:
                keyed = getattr(op, "backend", None)
                store = op.__dict__.get("operator_state_backend")
                if keyed is None and store is None:
                    continue
                entry: dict[str, Any] = {"vertex": v.id, "subtask": t.index, "operator": op.id, "name": op.name,
                                         "key_groups": None, "max_parallelism": v.max_parallelism,
                                         "backend": None, "rocksdb_path": None, "keyed": [], "operator_state": None}
                if keyed is not None:
                    r = keyed.key_groups
                    entry.update(key_groups=[r.start, r.stop - 1], backend=keyed.name, keyed=_keyed(keyed))
                    instance = getattr(keyed, "instance", None)
                    entry["rocksdb_path"] = instance.path if instance is not None else None
                if store is not None:
                    entry["operator_state"] = _operator_state(store)
                operators.append(entry)
    return {"backend": backends.kind, "directory": backends.root_dir, "operators": operators}
