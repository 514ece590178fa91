"""``EmbeddedRocksDBStateBackend``'s keyed side: state as bytes in a real RocksDB, laid out as Flink's
``RocksDBKeyedStateBackend`` lays it out.

Every state name is a column family. A RocksDB key is ``key group (1 byte, 2 if max parallelism > 128,
big-endian) + serialized key + serialized namespace``, plus the serialized map key for a map entry, so one
key group — and a range of them, for rescaling — is one contiguous run of keys, read out in order; the
entries of one map are adjacent and iterate in the byte order of their serialized keys. Values are
serialized per the descriptor's type (``serializers.py``); with TTL they carry their timestamp.
Iteration order only ever comes from the bytes.

Simplification: a list is stored one element per RocksDB entry (the key followed by a 4-byte element
index) rather than as one value that RocksDB's merge operator appends to, which ``rocksdict`` does not
offer; reading the list is one prefix scan, as Flink's is one lookup.

Each access costs ``flowlab.state.rocksdb.access-cost-ns`` plus ``…byte-cost-ns`` per byte of key and
value moved (see ``costs.py``).
"""
from __future__ import annotations

import struct
from typing import Any

from flowlab.datastream import state as S
from flowlab.runtime.keys import state_key
from flowlab.runtime.state.backend import NO_KEY, KeyedStateBackend
from flowlab.runtime.state.handles import SEMANTICS, Handle, StateMeta
from flowlab.runtime.state.rocksdb_store import RocksColumn, RocksDBInstance, RocksDBWorkspace
from flowlab.runtime.state.serializers import (
    GENERIC,
    Nullable,
    Serializer,
    TtlValueSerializer,
    serializer_for,
)
from flowlab.runtime.state.ttl import TTL_SEMANTICS

_INDEX = struct.Struct(">I")
_LAST_INDEX = b"\xff\xff\xff\xff"
_VOID_NS = GENERIC.dumps(None)


class _Layout:
    """Per state: its column and serializers (stored unit; map keys)."""

    __slots__ = ("column", "ser", "uk_ser")

    def __init__(self, column: RocksColumn, ser: Serializer, uk_ser: Serializer | None) -> None:
        self.column, self.ser, self.uk_ser = column, ser, uk_ser

    def __deepcopy__(self, memo: dict) -> _Layout:
        import copy
        return _Layout(copy.deepcopy(self.column, memo), self.ser, self.uk_ser)


def _scan(cf: Any, prefix: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    it = cf.iter()
    it.seek(prefix)
    while it.valid():
        k = it.key()
        if not k.startswith(prefix):
            break
        out.append((k, it.value()))
        it.next()
    return out


class _RocksOps(Handle):
    """The storage primitives over the state's column family."""

    __slots__ = ()

    def _k(self) -> bytes:
        ns = self.namespace
        return self.backend.key_prefix + (_VOID_NS if ns is None else GENERIC.dumps(ns))

    def _charge(self, nbytes: int) -> None:
        costs = self.backend.costs
        self.backend.spend(costs.rocksdb_access_ns + costs.rocksdb_byte_ns * nbytes)

    def _get(self) -> Any:
        lay: _Layout = self.meta.extra
        k = self._k()
        cf = lay.column.cf()
        if self.meta.kind == "list":
            rows = _scan(cf, k)
            self._charge(sum(len(a) + len(b) for a, b in rows) or len(k))
            return [lay.ser.loads(v) for _, v in rows] or None
        raw = cf.get(k)
        self._charge(len(k) + (len(raw) if raw is not None else 0))
        return None if raw is None else lay.ser.loads(raw)

    def _put(self, value: Any) -> None:
        lay: _Layout = self.meta.extra
        k = self._k()
        cf = lay.column.cf()
        if self.meta.kind == "list":
            self._delete()
            n = 0
            for i, el in enumerate(value):
                data = lay.ser.dumps(el)
                cf[k + _INDEX.pack(i)] = data
                n += len(k) + 4 + len(data)
            self._charge(n)
            return
        data = lay.ser.dumps(value)
        cf[k] = data
        self._charge(len(k) + len(data))

    def _delete(self) -> None:
        lay: _Layout = self.meta.extra
        k = self._k()
        cf = lay.column.cf()
        if self.meta.kind in ("list", "map"):
            for key, _ in _scan(cf, k):
                cf.delete(key)
        else:
            cf.delete(k)
        self._charge(len(k))

    def _append(self, element: Any) -> None:
        lay: _Layout = self.meta.extra
        k = self._k()
        cf = lay.column.cf()
        it = cf.iter()
        it.seek_for_prev(k + _LAST_INDEX)
        last = it.key() if it.valid() else None
        index = _INDEX.unpack_from(last, len(k))[0] + 1 if last is not None and last.startswith(k) and \
            len(last) == len(k) + 4 else 0
        data = lay.ser.dumps(element)
        cf[k + _INDEX.pack(index)] = data
        self._charge(len(k) + 4 + len(data))

    def _map_key(self, key: Any) -> bytes:
        return self._k() + self.meta.extra.uk_ser.dumps(key)

    def _map_get(self, key: Any) -> Any:
        lay: _Layout = self.meta.extra
        mk = self._map_key(key)
        raw = lay.column.cf().get(mk)
        self._charge(len(mk) + (len(raw) if raw is not None else 0))
        return None if raw is None else lay.ser.loads(raw)

    def _map_put(self, key: Any, value: Any) -> None:
        lay: _Layout = self.meta.extra
        mk = self._map_key(key)
        data = lay.ser.dumps(value)
        lay.column.cf()[mk] = data
        self._charge(len(mk) + len(data))

    def _map_remove(self, key: Any) -> None:
        mk = self._map_key(key)
        self.meta.extra.column.cf().delete(mk)
        self._charge(len(mk))

    def _map_items(self) -> list[tuple[Any, Any]]:
        lay: _Layout = self.meta.extra
        k = self._k()
        rows = _scan(lay.column.cf(), k)
        self._charge(sum(len(a) + len(b) for a, b in rows) or len(k))
        return [(lay.uk_ser.read(a, len(k))[0], lay.ser.loads(b)) for a, b in rows]

    def _map_is_empty(self) -> bool:
        lay: _Layout = self.meta.extra
        k = self._k()
        it = lay.column.cf().iter()
        it.seek(k)
        self._charge(len(k))
        return not (it.valid() and it.key().startswith(k))


def _classes() -> dict[tuple[str, bool], type]:
    out: dict[tuple[str, bool], type] = {}
    for kind, cls in SEMANTICS.items():
        out[(kind, False)] = type(f"RocksDB{cls.__name__}", (_RocksOps, cls), {"__slots__": ()})
        ttl = TTL_SEMANTICS[kind]
        out[(kind, True)] = type(f"RocksDB{ttl.__name__}", (_RocksOps, ttl), {"__slots__": ()})
    return out


_CLASSES = _classes()


class RocksDBKeyedStateBackend(KeyedStateBackend):
    """Holds every keyed state of one operator subtask in its own RocksDB instance."""

    name = "rocksdb"

    def __init__(self, host: Any, operator_id: str, max_parallelism: int, key_type: Any, key_groups: range,
                 costs: Any, workspace: RocksDBWorkspace, label: str) -> None:
        super().__init__(host, operator_id, max_parallelism, key_type, key_groups, costs)
        self.instance = RocksDBInstance(workspace, label)
        self.key_serializer = serializer_for(key_type)
        self.prefix_bytes = 2 if max_parallelism > 128 else 1
        self.key_prefix: Any = NO_KEY    # kg + key bytes of the current key

    def set_current_key(self, key: Any) -> None:
        super().set_current_key(key)
        self.key_prefix = self.current_key_group.to_bytes(self.prefix_bytes, "big") + \
            self.key_serializer.dumps(self.user_key)

    def _key_cleared(self) -> None:
        self.key_prefix = NO_KEY

    def _register(self, descriptor: S.StateDescriptor) -> StateMeta:
        ser = serializer_for(descriptor.value_type())
        if descriptor.kind == "map":
            ser = Nullable(ser)
        if descriptor.ttl_config is not None:
            ser = TtlValueSerializer(ser)
        uk = serializer_for(descriptor.key_type_info) if descriptor.kind == "map" else None
        meta = StateMeta(descriptor, None)
        meta.extra = _Layout(RocksColumn(self.instance, descriptor.name), ser, uk)
        return meta

    def _new_handle(self, meta: StateMeta, namespace: Any) -> Handle:
        return _CLASSES[(meta.kind, meta.ttl is not None)](self, meta, namespace)

    def _load(self, meta: StateMeta, entries: list[tuple[Any, Any, Any]]) -> None:
        """Write restored entries through a handle (as Flink's restore writes its key-group stream), free of
        charge: the restore's cost is not a record's."""
        saved = self.key_prefix, self.host.cost, self.cost_ns
        try:
            for key, ns, stored in entries:
                kg = self.key_group_of[state_key(key)]
                self.key_prefix = kg.to_bytes(self.prefix_bytes, "big") + self.key_serializer.dumps(key)
                handle = self._new_handle(meta, ns)
                if meta.kind == "map":
                    for map_key, value in stored.items():
                        handle._map_put(map_key, value)
                else:
                    handle._put(stored)
        finally:
            self.key_prefix, self.host.cost, self.cost_ns = saved

    # -- inspection -------------------------------------------------------------------------------------
    def _rows(self, name: str) -> list[tuple[bytes, bytes]]:
        meta = self.metas.get(name)
        if meta is None or not (self.instance.is_open() or self.instance.has_data()):
            return []
        return _scan(meta.extra.column.cf(), b"")

    def entries(self, name: str) -> list[tuple[Any, Any, Any]]:
        """Decoded ``(key, namespace, stored)``, grouped like the heap backend stores them, in byte order."""
        meta = self.metas.get(name)
        out: list[tuple[Any, Any, Any]] = []
        last: tuple[bytes, Any] | None = None
        for k, v in self._rows(name):
            pos = self.prefix_bytes
            key, pos = self.key_serializer.read(k, pos)
            ns, pos = GENERIC.read(k, pos)
            base = k[:pos]
            value = meta.extra.ser.loads(v)
            if meta.kind == "list" or meta.kind == "map":
                item = value if meta.kind == "list" else (meta.extra.uk_ser.read(k, pos)[0], value)
                if last is not None and last[0] == base:
                    last[1].append(item)
                    continue
                group: list[Any] = [item]
                last = (base, group)
                out.append((key, ns, group))
            else:
                out.append((key, ns, value))
        if meta is not None and meta.kind == "map":
            out = [(k, ns, dict(items)) for k, ns, items in out]
        return out

    def num_entries(self, name: str) -> int:
        return len(self.entries(name))

    def size_bytes(self, name: str) -> int | None:
        return sum(len(k) + len(v) for k, v in self._rows(name))

    def dispose(self) -> None:
        self.instance.close()
