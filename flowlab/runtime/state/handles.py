"""What keyed state does, once for both backends: Flink's (and PyFlink's) semantics of each state kind.

A handle is bound to one state (``StateMeta``) and one namespace (``None`` outside windows) and reads
the current key from its backend. It is written against a few storage primitives (``_get``/``_put``/
``_delete`` of the stored value, ``_append`` for lists, ``_map_*`` for map entries) that each backend
implements — Python objects in a dict (heap) or bytes in RocksDB — so both behave the same by
construction. The stored form is the user value (list: a list of elements; map: entries; aggregating:
the accumulator); with TTL each value, element or entry is a ``TtlValue`` (see ``ttl.py``).

Semantics (Java's heap states and PyFlink 2.3's Python states):
* ``ValueState.update(None)`` removes the value.
* ``ListState``: ``add(None)`` and ``None`` elements are refused ("You cannot add null to a ListState.");
  ``update([])`` clears; ``update(None)``/``add_all(None)`` are refused; ``get()`` returns a new list
  (``[]`` when empty).
* ``MapState``: ``get`` of a missing key returns None; ``contains`` is ``get(key) is not None`` (PyFlink's
  rule: a key mapped to None is not "contained"); removing the last entry removes the map; ``items``/
  ``keys``/``values`` return lists taken at the call (mutating the state while iterating them is safe).
* ``ReducingState``/``AggregatingState``: ``add(None)`` clears, as Java's heap states do.
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream import state as S

VOID = None   # the namespace of non-windowed state


class StateTypeError(TypeError):
    """A value written to state does not fit the descriptor's declared type."""


class StateMeta:
    """One registered state of an operator subtask: its descriptor and everything derived from it."""

    __slots__ = ("name", "kind", "descriptor", "signature", "check", "key_check", "ttl", "store", "extra",
                 "reduce")

    def __init__(self, descriptor: S.StateDescriptor, store: Any) -> None:
        self.name = descriptor.name
        self.kind = descriptor.kind
        self.descriptor = descriptor
        self.signature = descriptor.type_signature()
        self.check = _checker(descriptor.value_type())
        self.key_check = _checker(getattr(descriptor, "key_type_info", None)) if self.kind == "map" else None
        self.ttl = descriptor.ttl_config
        self.store = store           # the backend's storage for this state (a dict, or a RocksDB column family)
        self.extra: Any = None       # backend-specific (serializers, cleanup cursor)
        fn = getattr(descriptor, "reduce_function", None)
        self.reduce = (fn.reduce if hasattr(fn, "reduce") else fn) if fn is not None else None


def _checker(t: Any) -> Any:
    if t is None or type(t).__name__ == "PickledBytesTypeInfo":
        return None
    return t.check


def type_error(meta: StateMeta, what: str, value: Any, problem: str) -> StateTypeError:
    d = meta.descriptor
    declared = d.key_type_info if what == "keys" else d.value_type()
    return StateTypeError(
        f"state '{meta.name}' ({type(d).__name__}) declares {what} of type {declared!r}, but {value!r} was "
        f"written: {problem}. PyFlink would fail to serialize it. Write a value of the declared type, or "
        "declare the type you store (Types.PICKLED_BYTE_ARRAY() accepts any Python object).")


class Handle:
    """Base of all keyed-state handles: the backend, the state and the current namespace."""

    __slots__ = ("backend", "meta", "store", "namespace")

    def __init__(self, backend: Any, meta: StateMeta, namespace: Any = VOID) -> None:
        self.backend = backend
        self.meta = meta
        self.store = meta.store
        self.namespace = namespace

    def set_current_namespace(self, namespace: Any) -> None:
        self.namespace = namespace

    def _checked(self, value: Any) -> Any:
        check = self.meta.check
        if check is not None:
            problem = check(value)
            if problem:
                raise type_error(self.meta, "values", value, problem)
        return value

    # primitives (per backend): _get() -> stored or None, _put(v), _delete()
    def clear(self) -> None:
        self._delete()

    # -- Flink's InternalKvState, for operators --------------------------------------------------------
    def get_internal(self) -> Any:
        """The stored form for the current key and namespace (list state: the list), or None."""
        return self._get()

    def update_internal(self, value: Any) -> None:
        if value is None or (self.meta.kind == "list" and not value):
            self._delete()
        else:
            self._put(value)


class MergingHandle(Handle):
    """List, reducing and aggregating state: the values of several namespaces can be merged (sessions)."""

    __slots__ = ()

    def merge_namespaces(self, target: Any, sources: list[Any]) -> None:
        """Fold each source namespace into ``target`` and drop it (``mergeNamespaces``), for the current key."""
        saved = self.namespace
        try:
            for ns in sources:
                self.namespace = ns
                value = self._get()
                if value is None:
                    continue
                self._delete()
                self.namespace = target
                current = self._get()
                merged = value if current is None else self._merge(current, value)
                if merged is None:
                    self._delete()
                else:
                    self._put(merged)
        finally:
            self.namespace = saved

    def _merge(self, a: Any, b: Any) -> Any:
        raise NotImplementedError


class ValueStateHandle(Handle, S.ValueState):
    __slots__ = ()

    def value(self) -> Any:
        return self._get()

    def update(self, value: Any) -> None:
        if value is None:
            self._delete()
        else:
            self._put(self._checked(value))


class ListStateHandle(MergingHandle, S.ListState):
    __slots__ = ()

    def get(self) -> list[Any]:
        stored = self._get()
        return list(stored) if stored else []

    def add(self, value: Any) -> None:
        self._append(self._element(value))

    def add_all(self, values: list[Any]) -> None:
        if values is None:
            raise TypeError("ListState.add_all(None): the list of values to add cannot be None "
                            "(Flink: 'List of values to add cannot be null.')")
        for v in list(values):
            self._append(self._element(v))

    def update(self, values: list[Any]) -> None:
        if values is None:
            raise TypeError("ListState.update(None): the list of values cannot be None (Flink: 'List of values to "
                            "add cannot be null.'); use clear() to remove the list, or update([]).")
        values = [self._element(v) for v in values]
        if values:
            self._put(values)
        else:
            self._delete()

    def _element(self, value: Any) -> Any:
        if value is None:
            raise ValueError(f"You cannot add None to the ListState '{self.meta.name}' (Flink: 'You cannot add "
                             "null to a ListState.'). Skip the element, or use clear() to remove the list.")
        return self._checked(value)

    def _merge(self, a: Any, b: Any) -> Any:
        return list(a) + list(b)


class MapStateHandle(Handle, S.MapState):
    __slots__ = ()

    def get(self, key: Any) -> Any:
        return self._map_get(key)

    def put(self, key: Any, value: Any) -> None:
        key_check = self.meta.key_check
        if key_check is not None:
            problem = key_check(key)
            if problem:
                raise type_error(self.meta, "keys", key, problem)
        if value is not None:
            self._checked(value)
        self._map_put(key, value)

    def put_all(self, dict_value: dict) -> None:
        for k, v in dict(dict_value).items():
            self.put(k, v)

    def remove(self, key: Any) -> None:
        self._map_remove(key)

    def contains(self, key: Any) -> bool:
        return self._map_get(key) is not None

    def items(self) -> list[tuple[Any, Any]]:
        return self._map_items()

    def keys(self) -> list[Any]:
        return [k for k, _ in self._map_items()]

    def values(self) -> list[Any]:
        return [v for _, v in self._map_items()]

    def is_empty(self) -> bool:
        return self._map_is_empty()


class ReducingStateHandle(MergingHandle, S.ReducingState):
    __slots__ = ()

    def get(self) -> Any:
        return self._get()

    def add(self, value: Any) -> None:
        if value is None:
            self._delete()
            return
        current = self._get()
        self._put(self._checked(value if current is None else self.meta.reduce(current, value)))

    def _merge(self, a: Any, b: Any) -> Any:
        return self.meta.reduce(a, b)


class AggregatingStateHandle(MergingHandle, S.AggregatingState):
    __slots__ = ()

    def get(self) -> Any:
        acc = self._get()
        return None if acc is None else self.meta.descriptor.agg_function.get_result(acc)

    def add(self, value: Any) -> None:
        if value is None:
            self._delete()
            return
        agg = self.meta.descriptor.agg_function
        acc = self._get()
        self._put(self._checked(agg.add(value, agg.create_accumulator() if acc is None else acc)))

    def _merge(self, a: Any, b: Any) -> Any:
        return self.meta.descriptor.agg_function.merge(a, b)


SEMANTICS: dict[str, type[Handle]] = {
    "value": ValueStateHandle, "list": ListStateHandle, "map": MapStateHandle,
    "reducing": ReducingStateHandle, "aggregating": AggregatingStateHandle,
}
