"""``HashMapStateBackend``'s keyed side: state objects in Python dicts, scoped by key and namespace.

Each state name maps to a table ``{(key, namespace): value}``; the key group of every key is kept
so that a snapshot can be split by key-group range when a job is rescaled. Iteration order is the
insertion order of dicts, never a hash order, so runs stay deterministic.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flowlab.datastream import state as S
from flowlab.graph.key_groups import key_group_for
from flowlab.runtime.keys import TypedKey, state_key

VOID = None   # the namespace of non-windowed state


class HeapKeyedStateBackend:
    """Holds every keyed state of one operator subtask."""

    def __init__(self, max_parallelism: int, key_type: Any, key_groups: range) -> None:
        self.max_parallelism = max_parallelism
        self.key_type = key_type
        self.key_groups = key_groups
        self.tables: dict[str, dict[tuple[Any, Any], Any]] = {}
        self.key_group_of: dict[Any, int] = {}
        self.current_key: Any = None          # the key's identity in state (see ``state_key``)
        self.user_key: Any = None             # the key as the user's functions see it
        self.current_key_group = -1
        self.handles: dict[str, Any] = {}

    def set_current_key(self, key: Any) -> None:
        """Scope state to ``key`` (a user key, or a state identity handed back by the timer service)."""
        if type(key) is TypedKey:
            ident, key = key, key.key
        else:
            ident = state_key(key)
        kg = self.key_group_of.get(ident)
        if kg is None:
            try:
                kg = key_group_for(key, self.max_parallelism, self.key_type)
            except TypeError as exc:
                raise TypeError(f"invalid key {key!r}: {exc}") from None
            if kg not in self.key_groups:
                raise KeyGroupError(key, kg, self.key_groups)
            self.key_group_of[ident] = kg
        self.current_key = ident
        self.user_key = key
        self.current_key_group = kg

    def table(self, name: str) -> dict[tuple[Any, Any], Any]:
        t = self.tables.get(name)
        if t is None:
            t = self.tables[name] = {}
        return t

    def get_state(self, descriptor: S.StateDescriptor) -> Any:
        handle = self.handles.get(descriptor.name)
        if handle is None:
            cls = _HANDLES[descriptor.kind]
            handle = self.handles[descriptor.name] = cls(self, descriptor)
        return handle

    def get_namespaced_state(self, descriptor: S.StateDescriptor, namespace: Any) -> Any:
        """A handle bound to one namespace (a window): two namespaces never share a handle."""
        handle = _HANDLES[descriptor.kind](self, descriptor)
        handle.set_current_namespace(namespace)
        return handle

    def keys(self, name: str) -> list[Any]:
        return [k for (k, _ns) in self.tables.get(name, {})]

    def snapshot(self) -> dict[str, Any]:
        """Plain-data view for inspection: ``{state_name: {key: value}}`` (non-windowed namespace)."""
        return {name: {k: v for (k, ns), v in table.items() if ns is VOID}
                for name, table in self.tables.items()}

    def size(self) -> int:
        return sum(len(t) for t in self.tables.values())

    # -- checkpoints (minimal interface; Flink's snapshot is written per key-group range) ---------------------
    def snapshot_key_groups(self) -> dict[int, dict[str, list[tuple[Any, Any, Any]]]]:
        """State for a checkpoint: ``{key group: {state name: [(key, namespace, value)]}}``, entries in insertion
        order (keys as state holds them: ``TypedKey`` where Java would keep 1, 1.0 and True apart)."""
        out: dict[int, dict[str, list[tuple[Any, Any, Any]]]] = {}
        kg_of = self.key_group_of
        for name, table in self.tables.items():
            for (key, ns), value in table.items():
                out.setdefault(kg_of[key], {}).setdefault(name, []).append((key, ns, value))
        return {kg: out[kg] for kg in sorted(out)}

    def restore_key_groups(self, groups: dict[int, dict[str, list[tuple[Any, Any, Any]]]]) -> None:
        """Load what ``snapshot_key_groups`` returned, keeping only the key groups this subtask owns."""
        for kg, states in groups.items():
            if kg not in self.key_groups:
                continue
            for name, entries in states.items():
                table = self.table(name)
                for key, ns, value in entries:
                    table[(key, ns)] = value
                    self.key_group_of[key] = kg


class KeyGroupError(RuntimeError):
    """A record reached a subtask that does not own its key's key group: the key selector is not stable."""

    def __init__(self, key: Any, key_group: int, owned: range) -> None:
        super().__init__(
            f"Key group {key_group} (key {key!r}) is not in this subtask's key-group range "
            f"[{owned.start}, {owned.stop - 1}]. The key selector returned a different key here than when the "
            "record was routed, so it is not deterministic: a key selector must return the same key every "
            "time it sees the same record (no randomness, no time, no mutable state).")


class _Handle:
    __slots__ = ("backend", "descriptor", "table", "namespace")

    def __init__(self, backend: HeapKeyedStateBackend, descriptor: S.StateDescriptor) -> None:
        self.backend = backend
        self.descriptor = descriptor
        self.table = backend.table(descriptor.name)
        self.namespace = VOID

    def set_current_namespace(self, namespace: Any) -> None:
        self.namespace = namespace

    def _k(self) -> tuple[Any, Any]:
        return (self.backend.current_key, self.namespace)

    def clear(self) -> None:
        self.table.pop(self._k(), None)


class HeapValueState(_Handle, S.ValueState):
    def value(self) -> Any:
        return self.table.get(self._k())

    def update(self, value: Any) -> None:
        if value is None:
            self.table.pop(self._k(), None)
        else:
            self.table[self._k()] = value


class HeapListState(_Handle, S.ListState):
    def get(self) -> Iterable[Any]:
        return list(self.table.get(self._k(), ()))

    def add(self, value: Any) -> None:
        if value is None:
            raise ValueError("You cannot add null to a ListState.")
        self.table.setdefault(self._k(), []).append(value)

    def add_all(self, values: list[Any]) -> None:
        for v in values:
            self.add(v)

    def update(self, values: list[Any]) -> None:
        if values:
            self.table[self._k()] = list(values)
        else:
            self.clear()


class HeapMapState(_Handle, S.MapState):
    def _map(self, create: bool = False) -> dict:
        m = self.table.get(self._k())
        if m is None and create:
            m = self.table[self._k()] = {}
        return m if m is not None else {}

    def get(self, key: Any) -> Any:
        return self._map().get(key)

    def put(self, key: Any, value: Any) -> None:
        self._map(True)[key] = value

    def put_all(self, dict_value: dict) -> None:
        self._map(True).update(dict_value)

    def remove(self, key: Any) -> None:
        m = self._map()
        m.pop(key, None)
        if not m:
            self.clear()

    def contains(self, key: Any) -> bool:
        return key in self._map()

    def items(self) -> Iterable[tuple[Any, Any]]:
        return list(self._map().items())

    def keys(self) -> Iterable[Any]:
        return list(self._map().keys())

    def values(self) -> Iterable[Any]:
        return list(self._map().values())

    def is_empty(self) -> bool:
        return not self._map()


class HeapReducingState(_Handle, S.ReducingState):
    def get(self) -> Any:
        return self.table.get(self._k())

    def add(self, value: Any) -> None:
        k = self._k()
        cur = self.table.get(k)
        fn = self.descriptor.reduce_function
        reduce = fn.reduce if hasattr(fn, "reduce") else fn
        self.table[k] = value if cur is None else reduce(cur, value)


class HeapAggregatingState(_Handle, S.AggregatingState):
    def get(self) -> Any:
        k = self._k()
        if k not in self.table:
            return None
        return self.descriptor.agg_function.get_result(self.table[k])

    def add(self, value: Any) -> None:
        k = self._k()
        agg = self.descriptor.agg_function
        acc = self.table[k] if k in self.table else agg.create_accumulator()
        self.table[k] = agg.add(value, acc)


_HANDLES = {"value": HeapValueState, "list": HeapListState, "map": HeapMapState,
            "reducing": HeapReducingState, "aggregating": HeapAggregatingState}
