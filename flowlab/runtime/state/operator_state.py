"""Operator state of one operator subtask (Flink's ``DefaultOperatorStateBackend``): always on the heap.

Two kinds: *broadcast state* (a map per descriptor, the same on every parallel instance, written only by
the broadcast side) and *list state* for ``CheckpointedFunction`` (a flowlab extension — PyFlink 2.3 has
no operator list state), redistributed on restore by even-split or union. ``snapshot()``/``restore()``
and the ``redistribute_*`` functions are what checkpoints and rescaling use.
"""
from __future__ import annotations

import copy
from typing import Any

from flowlab.datastream import state as S
from flowlab.runtime.state.handles import StateTypeError, _checker

SPLIT_DISTRIBUTE = "SPLIT_DISTRIBUTE"     # get_list_state: even-split redistribution
UNION = "UNION"                           # get_union_list_state: union redistribution


class ReadOnlyBroadcastStateError(AttributeError):
    """A write to broadcast state from the non-broadcast side (PyFlink raises AttributeError there too)."""


def _check(checker: Any, what: str, name: str, value: Any) -> None:
    if checker is not None:
        problem = checker(value)
        if problem:
            raise StateTypeError(f"broadcast state '{name}' declares {what} of another type than {value!r}: "
                                 f"{problem}. Write a value of the declared type.")


class BroadcastStateImpl(S.BroadcastState):
    """One subtask's copy of one broadcast state: read-write (the broadcast side's view)."""

    def __init__(self, descriptor: S.MapStateDescriptor) -> None:
        self.descriptor = descriptor
        self.name = descriptor.name
        self.map: dict[Any, Any] = {}
        self._key_check = _checker(descriptor.key_type_info)
        self._value_check = _checker(descriptor.value_type_info)

    def get(self, key: Any) -> Any:
        return self.map.get(key)

    def contains(self, key: Any) -> bool:
        return key in self.map

    def items(self) -> list[tuple[Any, Any]]:
        return list(self.map.items())

    def keys(self) -> list[Any]:
        return list(self.map)

    def values(self) -> list[Any]:
        return list(self.map.values())

    def is_empty(self) -> bool:
        return not self.map

    def put(self, key: Any, value: Any) -> None:
        _check(self._key_check, "keys", self.name, key)
        if value is not None:
            _check(self._value_check, "values", self.name, value)
        self.map[key] = value

    def put_all(self, dict_value: dict) -> None:
        for k, v in dict(dict_value).items():
            self.put(k, v)

    def remove(self, key: Any) -> None:
        self.map.pop(key, None)

    def clear(self) -> None:
        self.map.clear()


class ReadOnlyBroadcastStateView(S.ReadOnlyBroadcastState):
    """The non-broadcast side's view of a broadcast state: every write raises ``ReadOnlyBroadcastStateError``."""

    def __init__(self, state: BroadcastStateImpl, side: str = "process_element") -> None:
        self._state = state
        self._side = side

    def get(self, key: Any) -> Any:
        return self._state.get(key)

    def contains(self, key: Any) -> bool:
        return self._state.contains(key)

    def items(self) -> list[tuple[Any, Any]]:
        return self._state.items()

    def keys(self) -> list[Any]:
        return self._state.keys()

    def values(self) -> list[Any]:
        return self._state.values()

    def is_empty(self) -> bool:
        return self._state.is_empty()

    def _read_only(self, method: str) -> ReadOnlyBroadcastStateError:
        return ReadOnlyBroadcastStateError(
            f"Broadcast state '{self._state.name}' is read-only in {self._side}: only process_broadcast_element may "
            f"change it ({method} was called). Every parallel instance keeps its own copy of the broadcast state, "
            "and the copies stay identical only because every instance receives every broadcast element and "
            "updates its copy the same, deterministic way. An element of the other input reaches one instance "
            "only, so a write here would make that instance's copy differ from the others (and after a restore "
            "any instance may be given any copy). Keep per-key data in keyed state instead. (PyFlink raises "
            "AttributeError: 'SynchronousReadOnlyBroadcastRuntimeState' object has no attribute 'put'.)")

    def put(self, key: Any, value: Any) -> None:
        raise self._read_only("put")

    def put_all(self, dict_value: dict) -> None:
        raise self._read_only("put_all")

    def remove(self, key: Any) -> None:
        raise self._read_only("remove")

    def clear(self) -> None:
        raise self._read_only("clear")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise self._read_only("put")

    def __delitem__(self, key: Any) -> None:
        raise self._read_only("remove")


class OperatorListState(S.ListState):
    """A list that belongs to the parallel instance, not to a key (flowlab extension; Java API only)."""

    def __init__(self, descriptor: S.ListStateDescriptor, mode: str) -> None:
        self.descriptor = descriptor
        self.mode = mode
        self.items: list[Any] = []
        self._check = _checker(descriptor.elem_type_info)

    def _element(self, value: Any) -> Any:
        if value is None:
            raise ValueError(f"You cannot add None to the operator ListState '{self.descriptor.name}'.")
        if self._check is not None:
            problem = self._check(value)
            if problem:
                raise StateTypeError(f"operator state '{self.descriptor.name}' declares elements of type "
                                     f"{self.descriptor.elem_type_info!r}, but {value!r} was written: {problem}.")
        return value

    def get(self) -> list[Any]:
        return list(self.items)

    def add(self, value: Any) -> None:
        self.items.append(self._element(value))

    def add_all(self, values: list[Any]) -> None:
        self.items.extend(self._element(v) for v in list(values))

    def update(self, values: list[Any]) -> None:
        self.items = [self._element(v) for v in list(values)]

    def clear(self) -> None:
        self.items = []


class OperatorStateBackend(S.OperatorStateStore):
    """Operator state of one subtask; ``get_list_state``/``get_union_list_state`` are the Java API (flowlab
    extension), ``get_broadcast_state`` is PyFlink's."""

    def __init__(self, operator_name: str) -> None:
        self.operator_name = operator_name
        self.list_states: dict[str, OperatorListState] = {}
        self.broadcast_states: dict[str, BroadcastStateImpl] = {}

    def get_broadcast_state(self, state_descriptor: S.MapStateDescriptor) -> BroadcastStateImpl:
        if not isinstance(state_descriptor, S.MapStateDescriptor):
            raise TypeError(f"broadcast state is described by a MapStateDescriptor, got {state_descriptor!r}")
        st = self.broadcast_states.get(state_descriptor.name)
        if st is None:
            st = self.broadcast_states[state_descriptor.name] = BroadcastStateImpl(state_descriptor)
        return st

    def get_list_state(self, state_descriptor: S.ListStateDescriptor) -> OperatorListState:
        """List state redistributed by even split on rescaling (flowlab extension; Java API only)."""
        return self._list(state_descriptor, SPLIT_DISTRIBUTE)

    def get_union_list_state(self, state_descriptor: S.ListStateDescriptor) -> OperatorListState:
        """List state that every instance gets whole on restore (flowlab extension; Java API only)."""
        return self._list(state_descriptor, UNION)

    def _list(self, descriptor: S.ListStateDescriptor, mode: str) -> OperatorListState:
        if not isinstance(descriptor, S.ListStateDescriptor):
            raise TypeError(f"operator list state is described by a ListStateDescriptor, got {descriptor!r}")
        st = self.list_states.get(descriptor.name)
        if st is None:
            st = self.list_states[descriptor.name] = OperatorListState(descriptor, mode)
        elif st.mode != mode:
            want = "get_union_list_state" if mode == UNION else "get_list_state"
            had = "get_union_list_state" if st.mode == UNION else "get_list_state"
            raise RuntimeError(f"Operator state '{descriptor.name}' of '{self.operator_name}' was registered with "
                               f"{had} ({st.mode} redistribution) and is now asked for with {want} ({mode}): one "
                               "state has one redistribution mode. Use one of them, or two names.")
        return st

    # -- checkpoints and rescaling -----------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """A deep copy of everything: ``{"list": {name: (mode, items)}, "broadcast": {name: map}}``."""
        return {"list": {n: (s.mode, copy.deepcopy(s.items)) for n, s in self.list_states.items()},
                "broadcast": {n: copy.deepcopy(s.map) for n, s in self.broadcast_states.items()}}

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, (mode, items) in snapshot.get("list", {}).items():
            st = self.list_states.get(name)
            if st is None:
                st = self.list_states[name] = OperatorListState(S.ListStateDescriptor(name), mode)
            st.items = list(items)
        for name, m in snapshot.get("broadcast", {}).items():
            self.get_broadcast_state(S.MapStateDescriptor(name)).map = dict(m)


def redistribute_list_state(mode: str, old: list[list[Any]], new_parallelism: int) -> list[list[Any]]:
    """Flink's ``RoundRobinOperatorStateRepartitioner`` for one list state.

    Same parallelism: even-split lists stay with their subtask, union lists are unioned. Otherwise: union —
    every new subtask gets the concatenation of all old lists; even-split — the concatenation is cut into
    ``new_parallelism`` contiguous parts, the first ``len % new_parallelism`` one element longer.
    Simplification: Flink also rotates where the longer parts start across several states; flowlab does
    not.
    """
    everything = [x for part in old for x in part]
    if mode == UNION:
        return [list(everything) for _ in range(new_parallelism)]
    if len(old) == new_parallelism:
        return [list(part) for part in old]
    base, extra = divmod(len(everything), new_parallelism)
    out, pos = [], 0
    for i in range(new_parallelism):
        n = base + (1 if i < extra else 0)
        out.append(everything[pos:pos + n])
        pos += n
    return out


def redistribute_broadcast_state(old: list[dict[Any, Any]], new_parallelism: int) -> list[dict[Any, Any]]:
    """Each new subtask i reads old subtask i's copy; on scale-up the new ones read old copies round-robin."""
    return [dict(old[i % len(old)]) for i in range(new_parallelism)]
