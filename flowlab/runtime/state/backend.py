"""What both keyed state backends share (Flink's ``AbstractKeyedStateBackend``): the current key and its key
group, the registry of states by name, the virtual-time cost of state access.

One backend per keyed operator subtask. ``set_current_key`` scopes every handle to a key (and checks the
key group belongs to this subtask); ``get_state`` hands out one handle per state name. A second
descriptor with the same name is the same state if kind and type agree, else an error (PyFlink: "The
state name 'x' is already in use and not a list state." / "State name corrupted: x").
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream import state as S
from flowlab.graph.key_groups import key_group_for
from flowlab.runtime.keys import TypedKey, state_key
from flowlab.runtime.state.costs import StateCosts
from flowlab.runtime.state.handles import VOID, Handle, StateMeta


class KeyGroupError(RuntimeError):
    """A record reached a subtask that does not own its key's key group: the key selector is not stable."""

    def __init__(self, key: Any, key_group: int, owned: range) -> None:
        super().__init__(
            f"Key group {key_group} (key {key!r}) is not in this subtask's key-group range "
            f"[{owned.start}, {owned.stop - 1}]. The key selector returned a different key here than when the "
            "record was routed, so it is not deterministic: a key selector must return the same key every "
            "time it sees the same record (no randomness, no time, no mutable state).")


class StateNameError(RuntimeError):
    """Two state descriptors with one name but a different kind or type."""


class StateMigrationError(RuntimeError):
    """A restored state is registered with another kind or type than it was stored with (Flink's
    ``StateMigrationException``)."""


NO_KEY_MESSAGE = ("No key set. This method should not be called outside of a keyed context. Keyed state and "
                  "timers belong to the key of the element being processed: use them in process_element, "
                  "on_timer or a window function — not in open(), close() or process_broadcast_element, where "
                  "there is no current key.")


class _NoKey:
    """The current key before the first element: any use of keyed state with it fails with Flink's message."""

    __slots__ = ()

    def _fail(self, *_: Any) -> Any:
        raise RuntimeError(NO_KEY_MESSAGE)

    __hash__ = _fail              # state tables and timers hash the key
    __add__ = _fail               # RocksDB builds its key bytes from it

    def __deepcopy__(self, memo: dict) -> _NoKey:
        return self

    def __repr__(self) -> str:
        return "<no key>"


NO_KEY = _NoKey()

KIND_NAMES = {"value": "ValueState", "list": "ListState", "map": "MapState", "reducing": "ReducingState",
              "aggregating": "AggregatingState"}


class KeyedStateBackend:
    """Keyed state of one operator subtask; subclasses store it (heap: dicts, RocksDB: bytes)."""

    name = "?"

    def __init__(self, host: Any, operator_id: str, max_parallelism: int, key_type: Any, key_groups: range,
                 costs: StateCosts) -> None:
        self.host = host                      # the subtask (its ``cost`` is charged, ``now_ms()`` read)
        self.operator_id = operator_id
        self.max_parallelism = max_parallelism
        self.key_type = key_type
        self.key_groups = key_groups
        self.key_group_of: dict[Any, int] = {}
        self.current_key: Any = NO_KEY        # the key's identity in state (see ``state_key``)
        self.user_key: Any = None             # the key as the user's functions see it
        self.current_key_group = -1
        self.handles: dict[str, Handle] = {}  # name -> the handle of the non-windowed namespace
        self.metas: dict[str, StateMeta] = {}
        self.key_listeners: list[StateMeta] = []   # TTL states cleaned up on every record
        self.costs = costs
        self.cost_ns = 0                      # virtual time spent on state, not yet charged (< 1 µs)
        # restored from a checkpoint/savepoint: entries of states not registered yet, and what every stored state
        # was (kind, type), checked when it is registered (see ``restore_key_groups``)
        self.restored: dict[str, list[tuple[Any, Any, Any]]] = {}
        self.restored_meta: dict[str, dict[str, Any]] = {}

    # -- key context ------------------------------------------------------------------------------------
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
        if self.key_listeners:
            for meta in self.key_listeners:
                self.ttl_cleanup(meta)

    def clear_current_key(self) -> None:
        """No current key (a broadcast element is being processed): keyed state use fails with "No key set"."""
        self.current_key = NO_KEY
        self.user_key = None
        self.current_key_group = -1
        self._key_cleared()

    def _key_cleared(self) -> None:
        """Hook for backends that derive something from the key."""

    def now_ms(self) -> int:
        return self.host.now_ms()

    # -- costs ------------------------------------------------------------------------------------------
    def spend(self, ns: int) -> None:
        """Charge ``ns`` of virtual time to the task; fractions of a µs carry over to the next access."""
        c = self.cost_ns + ns
        if c >= 1000:
            self.host.cost += c // 1000
            c %= 1000
        self.cost_ns = c

    # -- registry ---------------------------------------------------------------------------------------
    def get_state(self, descriptor: S.StateDescriptor) -> Any:
        """The handle of ``descriptor``'s state for the current key (outside windows)."""
        handle = self.handles.get(descriptor.name)
        if handle is None:
            handle = self.handles[descriptor.name] = self._new_handle(self._meta(descriptor), VOID)
        elif handle.meta.descriptor is not descriptor:
            self._check_same(handle.meta, descriptor)
        return handle

    def get_namespaced_state(self, descriptor: S.StateDescriptor, namespace: Any) -> Any:
        """A handle bound to one namespace (a window): two namespaces never share a handle."""
        return self._new_handle(self._meta(descriptor), namespace)

    def _meta(self, descriptor: S.StateDescriptor) -> StateMeta:
        if not isinstance(descriptor, S.StateDescriptor):
            raise TypeError(f"expected a state descriptor (ValueStateDescriptor, ListStateDescriptor, …), got "
                            f"{descriptor!r}")
        meta = self.metas.get(descriptor.name)
        if meta is None:
            if self.restored_meta:
                self._check_restored(descriptor)
            meta = self.metas[descriptor.name] = self._register(descriptor)
            ttl = meta.ttl
            if ttl is not None:
                self._setup_ttl(meta)
            entries = self.restored.pop(descriptor.name, None)
            if entries:
                self._load(meta, entries)
        elif meta.descriptor is not descriptor:
            self._check_same(meta, descriptor)
        return meta

    def _check_same(self, meta: StateMeta, descriptor: S.StateDescriptor) -> None:
        if meta.signature == descriptor.type_signature():
            return
        was, now = meta.descriptor, descriptor
        if meta.kind != descriptor.kind:
            why = (f"it is already a {KIND_NAMES[meta.kind]} ({type(was).__name__}), and here it is asked for as a "
                   f"{KIND_NAMES[descriptor.kind]} ({type(now).__name__}). PyFlink: \"The state name "
                   f"'{meta.name}' is already in use and not a {KIND_NAMES[descriptor.kind]}.\"")
        else:
            why = (f"it already holds values of type {_types(was)}, and here it is declared with {_types(now)}. "
                   f"PyFlink: \"State name corrupted: {meta.name}\".")
        raise StateNameError(
            f"Two state descriptors are named '{meta.name}' in operator '{self.operator_id}', but {why} One name "
            "is one state: give each state its own name, or use the same kind and type everywhere.")

    def _register(self, descriptor: S.StateDescriptor) -> StateMeta:
        raise NotImplementedError

    # -- restore ----------------------------------------------------------------------------------------
    def restore_key_groups(self, groups: dict[int, dict[str, Any]], meta: dict[str, dict[str, Any]] | None) -> None:
        """Take the keyed state of a checkpoint's key groups (each one this subtask owns; values already copied).

        Like Flink's backends, the stored state comes back before it is registered: a state registered already
        (a window's contents) is checked and filled now, every other one when its descriptor is first used,
        which also checks the descriptor against what was stored (kind and type; ``StateMigrationError``)."""
        for kg in sorted(groups):
            if kg not in self.key_groups:
                raise KeyGroupError("?", kg, self.key_groups)
            g = groups[kg]
            for name, entries in g.get("states", {}).items():
                slot = self.restored.setdefault(name, [])
                for key, ns, stored in entries:
                    self.key_group_of[state_key(key)] = kg
                    slot.append((key, ns, stored))
            for timers in (g.get("event_timers", ()), g.get("processing_timers", ())):
                for _, key, _ in timers:
                    self.key_group_of[key if type(key) is TypedKey else state_key(key)] = kg
        self.restored_meta.update(meta or {})
        for name in list(self.restored):
            m = self.metas.get(name)
            if m is not None:
                self._check_restored(m.descriptor)
                self._load(m, self.restored.pop(name))

    def _check_restored(self, descriptor: S.StateDescriptor) -> None:
        old = self.restored_meta.get(descriptor.name)
        if old is None:
            return
        if old["kind"] != descriptor.kind:
            raise StateMigrationError(
                f"Incompatible key/value state types. Was [{old['kind'].upper()}], registered with "
                f"[{descriptor.kind.upper()}]. State '{descriptor.name}' of operator '{self.operator_id}' was stored "
                f"as a {KIND_NAMES[old['kind']]} and is now asked for as a {KIND_NAMES[descriptor.kind]}: restore "
                "it with the descriptor it was written with, or give the new state another name (the old one is "
                "then dropped).")
        new_type, new_ttl = state_type_name(descriptor), descriptor.ttl_config is not None
        if old["type"] != new_type or bool(old.get("ttl")) != new_ttl:
            was = f"TtlSerializer({old['type']})" if old.get("ttl") else old["type"]
            now = f"TtlSerializer({new_type})" if new_ttl else new_type
            where = "For heap backends, the new" if self.name == "hashmap" else "The new"
            raise StateMigrationError(
                f"{where} state serializer ({now}) must not be incompatible with the old state serializer ({was}). "
                f"State '{descriptor.name}' of operator '{self.operator_id}' was stored with type {was} and is "
                f"declared with {now} now: flowlab (like Flink for these types) cannot migrate it. Declare the type "
                "it was written with, or give the new state another name.")

    def _load(self, meta: StateMeta, entries: list[tuple[Any, Any, Any]]) -> None:
        """Put restored ``(user key, namespace, stored value)`` entries into a registered state."""
        raise NotImplementedError

    def state_meta(self) -> dict[str, dict[str, Any]]:
        """What each state is, for a checkpoint: ``{name: {"kind", "type", "ttl"}}`` (restored ones not yet
        registered as they were stored)."""
        out = {name: dict(m) for name, m in self.restored_meta.items()}
        for name, meta in self.metas.items():
            out[name] = {"kind": meta.kind, "type": state_type_name(meta.descriptor), "ttl": meta.ttl is not None}
        return dict(sorted(out.items()))

    def _new_handle(self, meta: StateMeta, namespace: Any) -> Handle:
        raise NotImplementedError

    def _setup_ttl(self, meta: StateMeta) -> None:
        """Background TTL cleanup of ``meta`` (heap: incremental); RocksDB has none here."""

    def ttl_accessed(self, meta: StateMeta) -> None:
        """A TTL state was accessed: Flink's access callback (heap: incremental cleanup)."""

    def ttl_cleanup(self, meta: StateMeta) -> None:
        """Per-record TTL cleanup (``run_cleanup_for_every_record``)."""

    # -- inspection (never charged, never changes state) ------------------------------------------------
    def state_names(self) -> list[str]:
        return list(self.metas)

    def entries(self, name: str) -> list[tuple[Any, Any, Any]]:
        """``(user key, namespace, stored value)`` of one state, as stored (TTL values stay wrapped)."""
        raise NotImplementedError

    def num_entries(self, name: str) -> int:
        return len(self.entries(name))

    def size_bytes(self, name: str) -> int | None:
        """Bytes the state occupies (RocksDB: keys and values); None where state is objects (heap)."""
        return None

    def dispose(self) -> None:
        """Release resources (RocksDB: close and delete the instance directory)."""


def state_type_name(d: S.StateDescriptor) -> str:
    """The declared type of a state as checkpoints record it (``Integer``; a map: ``String, Long``)."""
    return _types(d)


def _types(d: S.StateDescriptor) -> str:
    sig = d.type_signature()[1:]
    return ", ".join(repr(t) for t in sig)
