"""How state values are written into a checkpoint: JSON with tagged values, pickle only as a last resort.

Plain JSON values (``null``, booleans, numbers, strings, arrays = Python lists) stand for themselves; every
JSON object is one tagged value with exactly one key::

    {"t": [...]} tuple           {"d": [[k, v], ...]} dict      {"s": [...]} set   {"fs": [...]} frozenset
    {"b": "<base64>"} bytes      {"ba": "<base64>"} bytearray   {"F": "nan" | "inf" | "-inf"} float
    {"D": "1.50"} Decimal        {"date"|"time"|"datetime": "<iso>"}      {"I": [seconds, nanos]} Instant
    {"r": [kind, fields or null, [values]]} Row                  {"k": value} a typed key (1 vs 1.0 vs True)
    {"w": [start, end]} TimeWindow   {"gw": 0} GlobalWindow   {"cw": id} CountWindow
    {"ttl": [value, last access ms]} a value of state with a time-to-live
    {"p": "<base64>"} a pickled value (anything else)

Everything a ``Types.*`` type describes is plain, so typed state never needs pickle. Sets are written in a
fixed order (sorted by their encoded elements) so that a snapshot's bytes never depend on hash order.
Decoding a pickled value runs code: ``decode`` refuses it unless the caller says the bytes are trusted.
"""
from __future__ import annotations

import base64
import datetime
import decimal
import json
import math
import pickle
from typing import Any

from flowlab.common.row import Row, RowKind
from flowlab.common.time import Instant
from flowlab.datastream.window import CountWindow, GlobalWindow, TimeWindow
from flowlab.runtime.keys import TypedKey
from flowlab.runtime.state.ttl import TtlValue


class PickleRefusedError(ValueError):
    """A checkpoint holds a pickled value, and unpickling it was not allowed."""


class UnwritableStateError(TypeError):
    """A state value can be written neither as plain data nor with pickle."""


def to_plain(value: Any) -> Any:
    """``value`` as JSON-ready data (see the module docstring); records whether pickle was needed."""
    return _Encoder().plain(value)


def encode(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON."""
    return dumps(to_plain(value))


def dumps(plain: Any) -> bytes:
    return json.dumps(plain, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def uses_pickle(plain: Any) -> bool:
    """Whether encoded data holds a pickled value anywhere."""
    if isinstance(plain, list):
        return any(uses_pickle(v) for v in plain)
    if isinstance(plain, dict):
        if "p" in plain:
            return True
        return any(uses_pickle(v) for v in plain.values())
    return False


class _Encoder:
    def plain(self, v: Any) -> Any:
        t = type(v)
        if v is None or t is bool or t is int or t is str:
            return v
        if t is float:
            if math.isnan(v):
                return {"F": "nan"}
            if math.isinf(v):
                return {"F": "inf" if v > 0 else "-inf"}
            return v
        if t is list:
            return [self.plain(x) for x in v]
        if t is tuple:
            return {"t": [self.plain(x) for x in v]}
        if t is dict:
            return {"d": [[self.plain(k), self.plain(x)] for k, x in v.items()]}
        if t is set or t is frozenset:
            items = sorted((self.plain(x) for x in v), key=lambda p: dumps(p))
            return {"s" if t is set else "fs": items}
        if t is bytes:
            return {"b": base64.b64encode(v).decode("ascii")}
        if t is bytearray:
            return {"ba": base64.b64encode(bytes(v)).decode("ascii")}
        if t is TypedKey:
            return {"k": self.plain(v.key)}
        if t is TtlValue:
            return {"ttl": [self.plain(v.value), v.ts]}
        if t is TimeWindow:
            return {"w": [v.start, v.end]}
        if t is GlobalWindow:
            return {"gw": 0}
        if t is CountWindow:
            return {"cw": v.id}
        if t is Row:
            fields = list(v._fields) if "_fields" in v.__dict__ else None
            return {"r": [v.get_row_kind().name, fields, [self.plain(x) for x in v._values]]}
        if t is decimal.Decimal:
            return {"D": str(v)}
        if t is datetime.datetime:
            return {"datetime": v.isoformat()}
        if t is datetime.date:
            return {"date": v.isoformat()}
        if t is datetime.time:
            return {"time": v.isoformat()}
        if t is Instant:
            return {"I": [v.seconds, v.nanos]}
        try:
            return {"p": base64.b64encode(pickle.dumps(v, protocol=4)).decode("ascii")}
        except Exception as exc:  # noqa: BLE001 - any pickling failure means the value cannot be stored
            raise UnwritableStateError(
                f"a state value of type {t.__name__} ({_short(v)}) cannot be written to a checkpoint: it is not "
                f"plain data (numbers, strings, tuples, lists, dicts, Rows, ...) and pickle failed ({exc}). Keep "
                "plain values in state.") from None


def decode(data: bytes, allow_pickle: bool = False, source: str = "checkpoint data") -> Any:
    """Values from ``encode``'s bytes. A pickled value raises ``PickleRefusedError`` unless ``allow_pickle``."""
    return from_plain(json.loads(data), allow_pickle, source)


def from_plain(plain: Any, allow_pickle: bool = False, source: str = "checkpoint data") -> Any:
    """Values from already parsed JSON (see ``decode``)."""
    return _Decoder(allow_pickle, source).value(plain)


class _Decoder:
    def __init__(self, allow_pickle: bool, source: str) -> None:
        self.allow_pickle = allow_pickle
        self.source = source

    def value(self, p: Any) -> Any:
        if isinstance(p, list):
            return [self.value(x) for x in p]
        if not isinstance(p, dict):
            return p
        if len(p) != 1:
            raise ValueError(f"{self.source}: malformed tagged value {p!r}")
        (tag, arg), = p.items()
        if tag == "t":
            return tuple(self.value(x) for x in arg)
        if tag == "d":
            return {self.value(k): self.value(v) for k, v in arg}
        if tag == "s":
            return {self.value(x) for x in arg}
        if tag == "fs":
            return frozenset(self.value(x) for x in arg)
        if tag == "b":
            return base64.b64decode(arg)
        if tag == "ba":
            return bytearray(base64.b64decode(arg))
        if tag == "F":
            return float(arg)
        if tag == "k":
            return TypedKey(self.value(arg))
        if tag == "ttl":
            return TtlValue(self.value(arg[0]), arg[1])
        if tag == "w":
            return TimeWindow(arg[0], arg[1])
        if tag == "gw":
            return GlobalWindow.get()
        if tag == "cw":
            return CountWindow(arg)
        if tag == "r":
            kind, fields, values = arg
            row = Row(*[self.value(x) for x in values])
            if fields is not None:
                row._fields = list(fields)
            row.set_row_kind(RowKind[kind])
            return row
        if tag == "D":
            return decimal.Decimal(arg)
        if tag == "datetime":
            return datetime.datetime.fromisoformat(arg)
        if tag == "date":
            return datetime.date.fromisoformat(arg)
        if tag == "time":
            return datetime.time.fromisoformat(arg)
        if tag == "I":
            return Instant(arg[0], arg[1])
        if tag == "p":
            if not self.allow_pickle:
                raise PickleRefusedError(
                    f"{self.source} holds a pickled value (state that is not plain data), and this run did not "
                    "write it: unpickling runs code from the file. If you trust the file, set "
                    "flowlab.checkpointing.unpickle-foreign-files: true.")
            return pickle.loads(base64.b64decode(arg))
        raise ValueError(f"{self.source}: unknown tag {tag!r}")


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:59] + "…"
