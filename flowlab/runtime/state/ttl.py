"""State time-to-live: Flink's TTL state decorators (``TtlValueState``, ``TtlListState``, …), both backends.

Every value, list element and map entry is stored as a ``TtlValue(value, ts)``, ``ts`` being the
processing time (ms) of its last write (or read, with ``OnReadAndWrite``). It has expired when
``ts + ttl <= now``. Reading an expired value removes it and returns None, or — with
``ReturnExpiredIfNotCleanedUp`` — returns it this last time. In detail, as Flink's decorators do:

* value/reducing/aggregating: one ``TtlValue``; a read renews ``ts`` only if the value had not expired.
* list: ``get()`` skips expired elements (returns them with ``ReturnExpiredIfNotCleanedUp``); with
  ``OnReadAndWrite`` it first rewrites the unexpired elements with ``ts = now``; if every element had
  expired, the list is removed. Partly expired lists keep their expired elements until cleanup.
* map: ``get``/``contains`` check one entry; ``items``/``keys``/``values`` check every entry, removing the
  expired ones; ``is_empty`` checks entries in order until it meets one it would return.
* reducing/aggregating ``add`` ignores an expired current value (starts afresh).

Background cleanup: the heap backend checks ``cleanup_size`` entries (default 5) of the state on every
access of it, and per record with ``run_cleanup_for_every_record`` (Flink's incremental cleanup);
RocksDB relies on its compaction filter, which flowlab does not run.
Simplification: the incremental cleanup walks the state's entries in insertion order (Flink: its hash
table's order).
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream.state_ttl import StateTtlConfig
from flowlab.runtime.state.handles import (
    AggregatingStateHandle,
    ListStateHandle,
    MapStateHandle,
    ReducingStateHandle,
    ValueStateHandle,
)

LONG_MAX = (1 << 63) - 1


class TtlValue:
    """A stored value with its last-access time (ms of processing time)."""

    __slots__ = ("value", "ts")

    def __init__(self, value: Any, ts: int) -> None:
        self.value = value
        self.ts = ts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TtlValue) and self.value == other.value and self.ts == other.ts

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TtlValue({self.value!r}, ts={self.ts})"


def expiration(ts: int, ttl: int) -> int:
    """``ts + ttl``, saturating at Long.MAX as Flink's ``TtlUtils.getExpirationTimestamp``."""
    t = ts + ttl
    return LONG_MAX if t > LONG_MAX else t


class _Ttl:
    """Shared TTL behaviour; mixed in front of the plain state semantics."""

    __slots__ = ()

    def _cfg(self) -> tuple[int, bool, bool]:
        cfg: StateTtlConfig = self.meta.ttl
        return (cfg.ttl_ms(), cfg.get_update_type() is StateTtlConfig.UpdateType.OnReadAndWrite,
                cfg.get_state_visibility() is StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp)

    def _access(self) -> int:
        """Flink's access callback (incremental cleanup on heap); returns the current processing time."""
        b = self.backend
        b.ttl_accessed(self.meta)
        return b.now_ms()

    def _read(self, tv: TtlValue | None, now: int, remove: Any, renew: Any) -> Any:
        """``getWithTtlCheckAndUpdate``: None if absent; expired: removed, returned only if visible."""
        if tv is None:
            return None
        ttl, on_read, return_expired = self._cfg()
        if expiration(tv.ts, ttl) <= now:
            remove()
            return tv.value if return_expired else None
        if on_read:
            renew(TtlValue(tv.value, now))
        return tv.value

    def _unexpired(self, tv: TtlValue | None, now: int) -> Any:
        """``getUnexpired``: the value unless absent, or expired and not visible."""
        if tv is None:
            return None
        ttl, _, return_expired = self._cfg()
        if not return_expired and expiration(tv.ts, ttl) <= now:
            return None
        return tv.value


class TtlValueStateHandle(_Ttl, ValueStateHandle):
    __slots__ = ()

    def value(self) -> Any:
        now = self._access()
        return self._read(self._get(), now, self._delete, self._put)

    def update(self, value: Any) -> None:
        now = self._access()
        if value is None:
            self._delete()
        else:
            self._put(TtlValue(self._checked(value), now))

    def clear(self) -> None:
        self._access()
        self._delete()


class TtlListStateHandle(_Ttl, ListStateHandle):
    __slots__ = ()

    def get(self) -> list[Any]:
        now = self._access()
        stored = self._get() or []
        ttl, on_read, return_expired = self._cfg()
        alive = [expiration(e.ts, ttl) > now for e in stored]
        if on_read:
            renewed = [TtlValue(e.value, now) for e, ok in zip(stored, alive) if ok]
            if renewed:
                self._put(renewed)
        if stored and not any(alive):
            self._delete()
        return [e.value for e, ok in zip(stored, alive) if ok or return_expired]

    def add(self, value: Any) -> None:
        now = self._access()
        self._append(TtlValue(self._element(value), now))

    def add_all(self, values: list[Any]) -> None:
        now = self._access()
        if values is None:
            super().add_all(values)
        for v in list(values):
            self._append(TtlValue(self._element(v), now))

    def update(self, values: list[Any]) -> None:
        now = self._access()
        if values is None:
            super().update(values)
        wrapped = [TtlValue(self._element(v), now) for v in values]
        if wrapped:
            self._put(wrapped)
        else:
            self._delete()

    def clear(self) -> None:
        self._access()
        self._delete()


class TtlMapStateHandle(_Ttl, MapStateHandle):
    __slots__ = ()

    def _entry(self, key: Any, now: int) -> Any:
        return self._read(self._map_get(key), now, lambda: self._map_remove(key),
                          lambda tv: self._map_put(key, tv))

    def get(self, key: Any) -> Any:
        return self._entry(key, self._access())

    def contains(self, key: Any) -> bool:
        return self._entry(key, self._access()) is not None

    def put(self, key: Any, value: Any) -> None:
        now = self._access()
        key_check = self.meta.key_check
        if key_check is not None and key_check(key):
            super().put(key, value)      # raises the type error
        if value is not None:
            self._checked(value)
        self._map_put(key, TtlValue(value, now))

    def put_all(self, dict_value: dict) -> None:
        for k, v in dict(dict_value).items():
            self.put(k, v)

    def remove(self, key: Any) -> None:
        self._access()
        self._map_remove(key)

    def items(self) -> list[tuple[Any, Any]]:
        now = self._access()
        out = []
        for k, tv in self._map_items():
            v = self._read(tv, now, lambda k=k: self._map_remove(k), lambda t, k=k: self._map_put(k, t))
            if v is not None:
                out.append((k, v))
        return out

    def keys(self) -> list[Any]:
        return [k for k, _ in self.items()]

    def values(self) -> list[Any]:
        return [v for _, v in self.items()]

    def is_empty(self) -> bool:
        now = self._access()
        for k, tv in self._map_items():
            v = self._read(tv, now, lambda k=k: self._map_remove(k), lambda t, k=k: self._map_put(k, t))
            if v is not None:
                return False
        return True

    def clear(self) -> None:
        self._access()
        self._delete()


class TtlReducingStateHandle(_Ttl, ReducingStateHandle):
    __slots__ = ()

    def get(self) -> Any:
        now = self._access()
        return self._read(self._get(), now, self._delete, self._put)

    def add(self, value: Any) -> None:
        now = self._access()
        if value is None:
            self._delete()
            return
        current = self._unexpired(self._get(), now)
        new = value if current is None else self.meta.reduce(current, value)
        self._put(TtlValue(self._checked(new), now))

    def clear(self) -> None:
        self._access()
        self._delete()

    def _merge(self, a: TtlValue, b: TtlValue) -> Any:
        now = self.backend.now_ms()
        ua, ub = self._unexpired(a, now), self._unexpired(b, now)
        if ua is not None and ub is not None:
            return TtlValue(self.meta.reduce(ua, ub), now)
        if ua is None and ub is None:
            return None
        return TtlValue(ua if ub is None else ub, now)


class TtlAggregatingStateHandle(_Ttl, AggregatingStateHandle):
    __slots__ = ()

    def get(self) -> Any:
        now = self._access()
        acc = self._read(self._get(), now, self._delete, self._put)
        return None if acc is None else self.meta.descriptor.agg_function.get_result(acc)

    def add(self, value: Any) -> None:
        now = self._access()
        if value is None:
            self._delete()
            return
        agg = self.meta.descriptor.agg_function
        acc = self._unexpired(self._get(), now)
        self._put(TtlValue(self._checked(agg.add(value, agg.create_accumulator() if acc is None else acc)), now))

    def clear(self) -> None:
        self._access()
        self._delete()

    def _merge(self, a: TtlValue, b: TtlValue) -> Any:
        now = self.backend.now_ms()
        ua, ub = self._unexpired(a, now), self._unexpired(b, now)
        if ua is not None and ub is not None:
            return TtlValue(self.meta.descriptor.agg_function.merge(ua, ub), now)
        if ua is None and ub is None:
            return None
        return TtlValue(ua if ub is None else ub, now)


TTL_SEMANTICS = {
    "value": TtlValueStateHandle, "list": TtlListStateHandle, "map": TtlMapStateHandle,
    "reducing": TtlReducingStateHandle, "aggregating": TtlAggregatingStateHandle,
}


def unexpired_or_none(kind: str, stored: Any, ttl: int, now: int) -> Any:
    """Flink's ``getUnexpiredOrNull`` for cleanup: the stored form without expired parts, None if nothing
    is left (``stored`` itself when nothing expired)."""
    if kind == "list":
        kept = [e for e in stored if expiration(e.ts, ttl) > now]
        return stored if len(kept) == len(stored) else (kept or None)
    if kind == "map":
        kept = {k: e for k, e in stored.items() if expiration(e.ts, ttl) > now}
        return stored if len(kept) == len(stored) else (kept or None)
    return stored if expiration(stored.ts, ttl) > now else None
