"""Bytes for state: flowlab's own compact, deterministic binary format, chosen per type information.

The RocksDB backend stores every key, namespace and value as bytes, as Flink's ``TypeSerializer``s make
them. A ``Types.*`` type gets a fixed layout (``LONG``: 8 bytes big-endian two's complement, as Flink's
``LongSerializer``; ``STRING``: a length then UTF-8; ``ROW``: kind, names flag, one null marker per field;
…) and never uses pickle. Untyped values (no type, or ``PICKLED_BYTE_ARRAY``) get a tagged encoding of
Python's common values (None, bool, int, float, str, bytes, tuple, list, dict, Row, windows, Decimal)
and pickle only for other objects, which this very run wrote. Every encoding is self-delimiting, so
``key group + key + namespace (+ map key)`` concatenate unambiguously, and equal values always give equal
bytes (except sets inside pickled objects, whose order Python does not fix).

Simplification: the layouts are flowlab's, not Flink's wire format (Flink's are Java-specific); the
ordering facts that matter carry over: integers are big-endian two's complement, so negative numbers
sort after positive ones in RocksDB, as they do in Flink.
"""
from __future__ import annotations

import datetime
import decimal
from typing import Any

from flowlab.common.row import Row, RowKind
from flowlab.common.time import Instant
from flowlab.common.typeinfo import (
    BasicType,
    BasicTypeInfo,
    DateTypeInfo,
    InstantTypeInfo,
    MapTypeInfo,
    PickledBytesTypeInfo,
    PrimitiveArrayTypeInfo,
    RowTypeInfo,
    TimestampTypeInfo,
    TimeTypeInfo,
    TupleTypeInfo,
    TypeInformation,
    _ElementsTypeInfo,
)
from flowlab.runtime.state.serial_base import (
    _BYTE,
    _CHAR,
    _DOUBLE,
    _EPOCH,
    _FLOAT,
    _INT,
    _LONG,
    _ROW_KINDS,
    _SHORT,
    BIG_INT,
    BOOL,
    STRING,
    Nullable,
    Serializer,
    _Struct,
    read_varint,
    write_varint,
)
from flowlab.runtime.state.untyped import GENERIC


class _Char(Serializer):
    name = "Char"

    def write(self, value: Any, out: bytearray) -> None:
        out += _CHAR.pack(ord(value))

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return chr(_CHAR.unpack_from(buf, pos)[0]), pos + 2


class _BigDec(Serializer):
    name = "BigDecimal"

    def write(self, value: Any, out: bytearray) -> None:
        STRING.write(str(value), out)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        text, pos = STRING.read(buf, pos)
        return decimal.Decimal(text), pos


class _Instant(Serializer):
    name = "Instant"

    def write(self, value: Any, out: bytearray) -> None:
        out += _LONG.pack(value.seconds)
        out += _INT.pack(value.nanos)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return Instant(_LONG.unpack_from(buf, pos)[0], _INT.unpack_from(buf, pos + 8)[0]), pos + 12


class _Date(Serializer):
    name = "Date"

    def write(self, value: Any, out: bytearray) -> None:
        out += _INT.pack(value.toordinal())

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return datetime.date.fromordinal(_INT.unpack_from(buf, pos)[0]), pos + 4


class _Time(Serializer):
    name = "Time"

    def write(self, value: Any, out: bytearray) -> None:
        micros = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
        out += _LONG.pack(micros)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        micros = _LONG.unpack_from(buf, pos)[0]
        seconds, us = divmod(micros, 1_000_000)
        return datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60, us), pos + 8


class _Timestamp(Serializer):
    name = "Timestamp"

    def write(self, value: Any, out: bytearray) -> None:
        if value.tzinfo is None:
            out.append(0)
            delta = value - _EPOCH
            out += _LONG.pack((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
        else:
            out.append(1)
            STRING.write(value.isoformat(), out)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        if buf[pos] == 0:
            return _EPOCH + datetime.timedelta(microseconds=_LONG.unpack_from(buf, pos + 1)[0]), pos + 9
        text, pos = STRING.read(buf, pos + 1)
        return datetime.datetime.fromisoformat(text), pos


class _Elements(Serializer):
    """Lists and arrays: a count, then the elements."""

    def __init__(self, element: Serializer, name: str, as_bytes: bool = False) -> None:
        self.element, self.name, self.as_bytes = element, name, as_bytes

    def write(self, value: Any, out: bytearray) -> None:
        write_varint(len(value), out)
        if self.as_bytes and isinstance(value, (bytes, bytearray)):
            out += bytes(b & 0xFF for b in value)
            return
        el = self.element
        for v in value:
            el.write(v, out)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        n, pos = read_varint(buf, pos)
        if self.as_bytes:
            return bytes(buf[pos:pos + n]), pos + n
        el = self.element
        items = []
        for _ in range(n):
            v, pos = el.read(buf, pos)
            items.append(v)
        return items, pos


class _Map(Serializer):
    def __init__(self, key: Serializer, value: Serializer) -> None:
        self.key, self.value = key, Nullable(value)
        self.name = f"Map<{key.name}, {value.name}>"

    def write(self, value: Any, out: bytearray) -> None:
        write_varint(len(value), out)
        for k, v in value.items():
            self.key.write(k, out)
            self.value.write(v, out)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        n, pos = read_varint(buf, pos)
        out = {}
        for _ in range(n):
            k, pos = self.key.read(buf, pos)
            out[k], pos = self.value.read(buf, pos)
        return out, pos


class _Tuple(Serializer):
    def __init__(self, fields: list[Serializer]) -> None:
        self.fields, self.name = fields, f"Tuple{len(fields)}"

    def write(self, value: Any, out: bytearray) -> None:
        for f, v in zip(self.fields, value, strict=True):
            f.write(v, out)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        values = []
        for f in self.fields:
            v, pos = f.read(buf, pos)
            values.append(v)
        return tuple(values), pos


class _Row(Serializer):
    """Row kind, whether the row carries names (then the type's names), one nullable value per field."""

    def __init__(self, t: RowTypeInfo, fields: list[Serializer]) -> None:
        self.t, self.fields, self.name = t, [Nullable(f) for f in fields], "Row"
        self.names = t.get_field_names()

    def write(self, value: Any, out: bytearray) -> None:
        values = self.t._field_values(value)
        kind = value.get_row_kind() if isinstance(value, Row) else RowKind.INSERT
        named = isinstance(value, dict) or (isinstance(value, Row) and value._names() is not None)
        out.append(kind.value)
        out.append(1 if named else 0)
        for f, v in zip(self.fields, values, strict=True):
            f.write(v, out)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        kind, named = buf[pos], buf[pos + 1]
        pos += 2
        values = []
        for f in self.fields:
            v, pos = f.read(buf, pos)
            values.append(v)
        row = Row(*values)
        if named:
            row.set_field_names(list(self.names))
        if kind:
            row.set_row_kind(_ROW_KINDS[kind])
        return row, pos


_BASIC: dict[BasicType, Serializer] = {
    BasicType.STRING: STRING, BasicType.BOOLEAN: BOOL, BasicType.BYTE: _Struct(_BYTE, "Byte"),
    BasicType.SHORT: _Struct(_SHORT, "Short"), BasicType.INT: _Struct(_INT, "Integer"),
    BasicType.LONG: _Struct(_LONG, "Long"), BasicType.FLOAT: _Struct(_FLOAT, "Float"),
    BasicType.DOUBLE: _Struct(_DOUBLE, "Double"), BasicType.CHAR: _Char(), BasicType.BIG_INT: BIG_INT,
    BasicType.BIG_DEC: _BigDec(), BasicType.INSTANT: _Instant(),
}


def serializer_for(t: TypeInformation | None) -> Serializer:
    """The serializer of values of type ``t`` (untyped and ``PICKLED_BYTE_ARRAY``: the tagged encoding)."""
    if t is None or isinstance(t, PickledBytesTypeInfo):
        return GENERIC
    if isinstance(t, InstantTypeInfo):
        return _BASIC[BasicType.INSTANT]
    if type(t) is BasicTypeInfo:
        return _BASIC[t._basic_type]
    if isinstance(t, DateTypeInfo):
        return _Date()
    if isinstance(t, TimeTypeInfo):
        return _Time()
    if isinstance(t, TimestampTypeInfo):
        return _Timestamp()
    if isinstance(t, RowTypeInfo):
        return _Row(t, [serializer_for(f) for f in t.get_field_types()])
    if isinstance(t, TupleTypeInfo):
        return _Tuple([serializer_for(f) for f in t.get_field_types()])
    if isinstance(t, MapTypeInfo):
        return _Map(serializer_for(t._key_type_info), serializer_for(t._value_type_info))
    if isinstance(t, _ElementsTypeInfo):
        el = serializer_for(t._element_type)
        if isinstance(t, PrimitiveArrayTypeInfo):
            return _Elements(el, f"{el.name}[]", as_bytes=repr(t._element_type) == "Byte")
        return _Elements(Nullable(el), f"{el.name}[]")      # lists and object/basic arrays allow None
    return GENERIC



class TtlValueSerializer(Serializer):
    """A value with its last-access time: 8 bytes of timestamp (ms), then the value (Flink's ``TtlValue``)."""

    def __init__(self, inner: Serializer) -> None:
        self.inner, self.name = inner, f"TtlValue<{inner.name}>"

    def write(self, value: Any, out: bytearray) -> None:
        out += _LONG.pack(value.ts)
        self.inner.write(value.value, out)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        from flowlab.runtime.state.ttl import TtlValue
        ts = _LONG.unpack_from(buf, pos)[0]
        v, pos = self.inner.read(buf, pos + 8)
        return TtlValue(v, ts), pos


