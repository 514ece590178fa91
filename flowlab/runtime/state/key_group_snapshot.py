"""Keyed state for a checkpoint, per key group (Flink writes keyed state as a stream of key-group ranges, so
that a restore at another parallelism can pick the key groups each subtask now owns)."""
from __future__ import annotations

from typing import Any

from flowlab.graph.key_groups import key_group_for
from flowlab.runtime.keys import state_key


def snapshot_key_groups(backend: Any) -> dict[int, dict[str, list[tuple[Any, Any, Any]]]]:
    """``{key group: {state name: [(key, namespace, stored value)]}}`` of a keyed backend (heap or RocksDB),
    key groups in order, entries in the backend's order (insertion order on the heap, byte order in RocksDB).
    Values are as stored: TTL state keeps its timestamps."""
    kg_of = backend.key_group_of
    out: dict[int, dict[str, list[tuple[Any, Any, Any]]]] = {}
    restored = getattr(backend, "restored", {})        # restored states not registered yet are kept as they came
    for name in backend.state_names() + [n for n in restored if n not in backend.metas]:
        entries = backend.entries(name) if name in backend.metas else restored[name]
        for key, ns, stored in entries:
            kg = kg_of.get(state_key(key))
            if kg is None:
                kg = key_group_for(key, backend.max_parallelism, backend.key_type)
            out.setdefault(kg, {}).setdefault(name, []).append((key, ns, stored))
    return {kg: out[kg] for kg in sorted(out)}
