"""``HashMapStateBackend``'s keyed side: state as Python objects in dicts, scoped by key and namespace.

Each state name has one dict ``{(key, namespace): stored}`` (stored: the value; a list; a dict of map
entries; an accumulator). The key group of every key is kept so a snapshot can be split by key-group
range when a job is rescaled. Iteration follows dict insertion order, never a hash order, so runs stay
deterministic. Like Flink's heap backend, values are kept as the objects you wrote: changing an object
you read from state changes the state (on RocksDB it would not — write it back with ``update``).

Each access costs ``flowlab.state.heap.access-cost-ns`` of virtual time (see ``costs.py``).
"""
from __future__ import annotations

import copy
from typing import Any

from flowlab.datastream import state as S
from flowlab.runtime.keys import TypedKey, state_key
from flowlab.runtime.records import IMMUTABLE, is_immutable
from flowlab.runtime.state.backend import KeyedStateBackend
from flowlab.runtime.state.handles import (
    SEMANTICS,
    VOID,
    AggregatingStateHandle,
    Handle,
    ListStateHandle,
    ReducingStateHandle,
    StateMeta,
    ValueStateHandle,
)
from flowlab.runtime.state.ttl import TTL_SEMANTICS, unexpired_or_none


class StateTable(dict):
    """One state's ``{(key, namespace): stored}``. A time-travel snapshot shares the keys (dict keys never
    change) and every stored value that cannot change in place; only mutable values are copied."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> StateTable:
        twin = StateTable()
        memo[id(self)] = twin
        for k, v in self.items():
            twin[k] = v if type(v) in IMMUTABLE or is_immutable(v) else copy.deepcopy(v, memo)
        return twin


class _HeapOps(Handle):
    """The storage primitives over the state's dict; every call costs one heap access."""

    __slots__ = ()

    def _get(self) -> Any:
        b = self.backend
        b.spend(b.costs.heap_access_ns)
        return self.store.get((b.current_key, self.namespace))

    def _put(self, value: Any) -> None:
        b = self.backend
        b.spend(b.costs.heap_access_ns)
        self.store[(b.current_key, self.namespace)] = value

    def _delete(self) -> None:
        b = self.backend
        b.spend(b.costs.heap_access_ns)
        self.store.pop((b.current_key, self.namespace), None)

    def _append(self, element: Any) -> None:
        b = self.backend
        b.spend(b.costs.heap_access_ns)
        k = (b.current_key, self.namespace)
        lst = self.store.get(k)
        if lst is None:
            self.store[k] = [element]
        else:
            lst.append(element)

    def _map_get(self, key: Any) -> Any:
        m = self._get()
        return None if m is None else m.get(key)

    def _map_put(self, key: Any, value: Any) -> None:
        m = self._get()
        if m is None:
            self.store[(self.backend.current_key, self.namespace)] = {key: value}
        else:
            m[key] = value

    def _map_remove(self, key: Any) -> None:
        m = self._get()
        if m is None:
            return
        m.pop(key, None)
        if not m:
            del self.store[(self.backend.current_key, self.namespace)]

    def _map_items(self) -> list[tuple[Any, Any]]:
        m = self._get()
        return list(m.items()) if m else []

    def _map_is_empty(self) -> bool:
        return not self._get()


class _HeapValueState(_HeapOps, ValueStateHandle):
    """The hot path (rolling reduce, user value state) without the primitive indirection."""

    __slots__ = ()

    def value(self) -> Any:
        b = self.backend
        c = b.cost_ns + b.costs.heap_access_ns
        if c >= 1000:
            b.host.cost += c // 1000
            c %= 1000
        b.cost_ns = c
        return self.store.get((b.current_key, self.namespace))

    def update(self, value: Any) -> None:
        b = self.backend
        c = b.cost_ns + b.costs.heap_access_ns
        if c >= 1000:
            b.host.cost += c // 1000
            c %= 1000
        b.cost_ns = c
        if value is None:
            self.store.pop((b.current_key, self.namespace), None)
            return
        if self.meta.check is not None:
            self._checked(value)
        self.store[(b.current_key, self.namespace)] = value


def _spend(b: Any, n: int) -> None:
    c = b.cost_ns + n * b.costs.heap_access_ns
    if c >= 1000:
        b.host.cost += c // 1000
        c %= 1000
    b.cost_ns = c


class _HeapListState(_HeapOps, ListStateHandle):
    """Window contents and user lists: ``add`` without the primitive indirection (one access)."""

    __slots__ = ()

    def add(self, value: Any) -> None:
        b = self.backend
        _spend(b, 1)
        if value is None or self.meta.check is not None:
            self._element(value)
        k = (b.current_key, self.namespace)
        lst = self.store.get(k)
        if lst is None:
            self.store[k] = [value]
        else:
            lst.append(value)


class _HeapReducingState(_HeapOps, ReducingStateHandle):
    """Reducing windows and user reducing state: ``add`` as one get and one put."""

    __slots__ = ()

    def add(self, value: Any) -> None:
        b = self.backend
        k = (b.current_key, self.namespace)
        store = self.store
        if value is None:
            _spend(b, 1)
            store.pop(k, None)
            return
        _spend(b, 2)
        current = store.get(k)
        new = value if current is None else self.meta.reduce(current, value)
        if self.meta.check is not None:
            self._checked(new)
        store[k] = new


class _HeapAggregatingState(_HeapOps, AggregatingStateHandle):
    """Aggregating windows and user aggregating state: ``add`` as one get and one put."""

    __slots__ = ()

    def add(self, value: Any) -> None:
        b = self.backend
        k = (b.current_key, self.namespace)
        store = self.store
        if value is None:
            _spend(b, 1)
            store.pop(k, None)
            return
        _spend(b, 2)
        agg = self.meta.descriptor.agg_function
        acc = store.get(k)
        acc = agg.add(value, agg.create_accumulator() if acc is None else acc)
        if self.meta.check is not None:
            self._checked(acc)
        store[k] = acc


_FAST = {"value": _HeapValueState, "list": _HeapListState, "reducing": _HeapReducingState,
         "aggregating": _HeapAggregatingState}


def _classes() -> dict[tuple[str, bool], type]:
    out: dict[tuple[str, bool], type] = {}
    for kind, cls in SEMANTICS.items():
        bases = (_FAST[kind],) if kind in _FAST else (_HeapOps, cls)
        out[(kind, False)] = type(f"Heap{cls.__name__}", bases, {"__slots__": ()})
        ttl = TTL_SEMANTICS[kind]
        out[(kind, True)] = type(f"Heap{ttl.__name__}", (_HeapOps, ttl), {"__slots__": ()})
    return out


_CLASSES = _classes()


class _Sweep:
    """Incremental TTL cleanup of one state: a cursor over its entries (insertion order)."""

    __slots__ = ("size", "keys", "pos")

    def __init__(self, size: int) -> None:
        self.size = size
        self.keys: list[Any] = []
        self.pos = 0


class HeapKeyedStateBackend(KeyedStateBackend):
    """Holds every keyed state of one operator subtask as Python objects."""

    name = "hashmap"

    def _register(self, descriptor: S.StateDescriptor) -> StateMeta:
        return StateMeta(descriptor, StateTable())

    def _new_handle(self, meta: StateMeta, namespace: Any) -> Handle:
        return _CLASSES[(meta.kind, meta.ttl is not None)](self, meta, namespace)

    # -- TTL incremental cleanup ------------------------------------------------------------------------
    def _setup_ttl(self, meta: StateMeta) -> None:
        strategy = meta.ttl.get_cleanup_strategies().get_incremental_cleanup_strategy()
        if strategy is None or strategy.get_cleanup_size() <= 0:
            return
        meta.extra = _Sweep(strategy.get_cleanup_size())
        if strategy.run_cleanup_for_every_record():
            self.key_listeners.append(meta)

    def ttl_accessed(self, meta: StateMeta) -> None:
        if meta.extra is not None:
            self.ttl_cleanup(meta)

    def ttl_cleanup(self, meta: StateMeta) -> None:
        """Check the next ``cleanup_size`` entries; drop expired values, elements and map entries."""
        sweep: _Sweep = meta.extra
        store = meta.store
        ttl, now = meta.ttl.ttl_ms(), self.now_ms()
        wrapped = False
        for _ in range(sweep.size):
            if sweep.pos >= len(sweep.keys):
                if wrapped or not store:
                    return
                sweep.keys, sweep.pos, wrapped = list(store), 0, True
            k = sweep.keys[sweep.pos]
            sweep.pos += 1
            stored = store.get(k)
            if stored is None:
                continue
            self.spend(self.costs.heap_access_ns)
            kept = unexpired_or_none(meta.kind, stored, ttl, now)
            if kept is None:
                del store[k]
            elif kept is not stored:
                store[k] = kept

    def _load(self, meta: StateMeta, entries: list[tuple[Any, Any, Any]]) -> None:
        store = meta.store
        for key, ns, stored in entries:
            store[(state_key(key), ns)] = stored

    # -- inspection -------------------------------------------------------------------------------------
    def entries(self, name: str) -> list[tuple[Any, Any, Any]]:
        meta = self.metas.get(name)
        if meta is None:
            return []
        return [(k.key if type(k) is TypedKey else k, ns, v)
                for (k, ns), v in meta.store.items()]

    def num_entries(self, name: str) -> int:
        meta = self.metas.get(name)
        return 0 if meta is None else len(meta.store)


__all__ = ["HeapKeyedStateBackend", "VOID"]
