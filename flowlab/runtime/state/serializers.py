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
import pickle
import struct
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
from flowlab.datastream.window import CountWindow, GlobalWindow, TimeWindow

_LONG = struct.Struct(">q")
_INT = struct.Struct(">i")
_SHORT = struct.Struct(">h")
_BYTE = struct.Struct(">b")
_CHAR = struct.Struct(">H")
_FLOAT = struct.Struct(">f")
_DOUBLE = struct.Struct(">d")
_EPOCH = datetime.datetime(1970, 1, 1)
_ROW_KINDS = list(RowKind)


def write_varint(n: int, out: bytearray) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


class Serializer:
    """Writes one value to a ``bytearray`` and reads it back from ``(bytes, position)``."""

    name = "?"

    def write(self, value: Any, out: bytearray) -> None:
        raise NotImplementedError

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        raise NotImplementedError

    def __deepcopy__(self, memo: dict) -> Serializer:
        return self            # stateless: time-travel snapshots share it

    def dumps(self, value: Any) -> bytes:
        out = bytearray()
        self.write(value, out)
        return bytes(out)

    def loads(self, buf: bytes) -> Any:
        return self.read(buf, 0)[0]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class _Struct(Serializer):
    def __init__(self, st: struct.Struct, name: str) -> None:
        self.st, self.name = st, name

    def write(self, value: Any, out: bytearray) -> None:
        out += self.st.pack(value)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return self.st.unpack_from(buf, pos)[0], pos + self.st.size


class _Bool(Serializer):
    name = "Boolean"

    def write(self, value: Any, out: bytearray) -> None:
        out.append(1 if value else 0)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return buf[pos] == 1, pos + 1


class _String(Serializer):
    name = "String"

    def write(self, value: Any, out: bytearray) -> None:
        data = value.encode("utf-8", "surrogatepass")
        write_varint(len(data), out)
        out += data

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        n, pos = read_varint(buf, pos)
        return bytes(buf[pos:pos + n]).decode("utf-8", "surrogatepass"), pos + n


class _Char(Serializer):
    name = "Char"

    def write(self, value: Any, out: bytearray) -> None:
        out += _CHAR.pack(ord(value))

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        return chr(_CHAR.unpack_from(buf, pos)[0]), pos + 2


class _BigInt(Serializer):
    name = "BigInteger"

    def write(self, value: Any, out: bytearray) -> None:
        data = value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)
        write_varint(len(data), out)
        out += data

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        n, pos = read_varint(buf, pos)
        return int.from_bytes(buf[pos:pos + n], "big", signed=True), pos + n


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


class Nullable(Serializer):
    """A marker byte (0 = None, 1 = a value) in front of the inner serializer."""

    def __init__(self, inner: Serializer) -> None:
        self.inner, self.name = inner, f"{inner.name}?"

    def write(self, value: Any, out: bytearray) -> None:
        if value is None:
            out.append(0)
        else:
            out.append(1)
            self.inner.write(value, out)

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        if buf[pos] == 0:
            return None, pos + 1
        return self.inner.read(buf, pos + 1)


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


STRING = _String()
_BASIC: dict[BasicType, Serializer] = {
    BasicType.STRING: STRING, BasicType.BOOLEAN: _Bool(), BasicType.BYTE: _Struct(_BYTE, "Byte"),
    BasicType.SHORT: _Struct(_SHORT, "Short"), BasicType.INT: _Struct(_INT, "Integer"),
    BasicType.LONG: _Struct(_LONG, "Long"), BasicType.FLOAT: _Struct(_FLOAT, "Float"),
    BasicType.DOUBLE: _Struct(_DOUBLE, "Double"), BasicType.CHAR: _Char(), BasicType.BIG_INT: _BigInt(),
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


# -- the tagged encoding of untyped values -------------------------------------------------------------
(T_NONE, T_FALSE, T_TRUE, T_LONG, T_BIGINT, T_FLOAT, T_STR, T_BYTES, T_TUPLE, T_LIST, T_DICT, T_ROW,
 T_TIME_WINDOW, T_GLOBAL_WINDOW, T_COUNT_WINDOW, T_DECIMAL, T_PICKLE) = range(17)
_BIG_LONG = _BASIC[BasicType.BIG_INT]


class _Generic(Serializer):
    """One tag byte, then the value's own layout; pickle only for what has no layout here."""

    name = "Pickled"

    def write(self, value: Any, out: bytearray) -> None:
        t = type(value)
        if value is None:
            out.append(T_NONE)
        elif t is bool:
            out.append(T_TRUE if value else T_FALSE)
        elif t is int:
            if -(1 << 63) <= value < (1 << 63):
                out.append(T_LONG)
                out += _LONG.pack(value)
            else:
                out.append(T_BIGINT)
                _BIG_LONG.write(value, out)
        elif t is float:
            out.append(T_FLOAT)
            out += _DOUBLE.pack(value)
        elif t is str:
            out.append(T_STR)
            STRING.write(value, out)
        elif t is bytes:
            out.append(T_BYTES)
            write_varint(len(value), out)
            out += value
        elif t is tuple or t is list:
            out.append(T_TUPLE if t is tuple else T_LIST)
            write_varint(len(value), out)
            for v in value:
                self.write(v, out)
        elif t is dict:
            out.append(T_DICT)
            write_varint(len(value), out)
            for k, v in value.items():
                self.write(k, out)
                self.write(v, out)
        elif t is Row:
            out.append(T_ROW)
            out.append(value.get_row_kind().value)
            names = value._names()
            self.write(None if names is None else tuple(names), out)
            self.write(tuple(value._values), out)
        elif t is TimeWindow:
            out.append(T_TIME_WINDOW)
            out += _LONG.pack(value.start)
            out += _LONG.pack(value.end)
        elif t is GlobalWindow:
            out.append(T_GLOBAL_WINDOW)
        elif t is CountWindow:
            out.append(T_COUNT_WINDOW)
            out += _LONG.pack(value.id)
        elif t is decimal.Decimal:
            out.append(T_DECIMAL)
            STRING.write(str(value), out)
        else:
            out.append(T_PICKLE)
            data = pickle.dumps(value, protocol=4)
            write_varint(len(data), out)
            out += data

    def read(self, buf: bytes, pos: int) -> tuple[Any, int]:
        tag = buf[pos]
        pos += 1
        if tag == T_NONE:
            return None, pos
        if tag == T_FALSE or tag == T_TRUE:
            return tag == T_TRUE, pos
        if tag == T_LONG:
            return _LONG.unpack_from(buf, pos)[0], pos + 8
        if tag == T_BIGINT:
            return _BIG_LONG.read(buf, pos)
        if tag == T_FLOAT:
            return _DOUBLE.unpack_from(buf, pos)[0], pos + 8
        if tag == T_STR:
            return STRING.read(buf, pos)
        if tag == T_BYTES:
            n, pos = read_varint(buf, pos)
            return bytes(buf[pos:pos + n]), pos + n
        if tag == T_TUPLE or tag == T_LIST:
            n, pos = read_varint(buf, pos)
            items = []
            for _ in range(n):
                v, pos = self.read(buf, pos)
                items.append(v)
            return (tuple(items) if tag == T_TUPLE else items), pos
        if tag == T_DICT:
            n, pos = read_varint(buf, pos)
            d = {}
            for _ in range(n):
                k, pos = self.read(buf, pos)
                d[k], pos = self.read(buf, pos)
            return d, pos
        if tag == T_ROW:
            kind = buf[pos]
            names, pos = self.read(buf, pos + 1)
            values, pos = self.read(buf, pos)
            row = Row(*values)
            if names is not None:
                row.set_field_names(list(names))
            if kind:
                row.set_row_kind(_ROW_KINDS[kind])
            return row, pos
        if tag == T_TIME_WINDOW:
            return TimeWindow(_LONG.unpack_from(buf, pos)[0], _LONG.unpack_from(buf, pos + 8)[0]), pos + 16
        if tag == T_GLOBAL_WINDOW:
            return GlobalWindow(), pos
        if tag == T_COUNT_WINDOW:
            return CountWindow(_LONG.unpack_from(buf, pos)[0]), pos + 8
        if tag == T_DECIMAL:
            text, pos = STRING.read(buf, pos)
            return decimal.Decimal(text), pos
        if tag == T_PICKLE:
            n, pos = read_varint(buf, pos)
            return pickle.loads(bytes(buf[pos:pos + n])), pos + n   # noqa: S301 - bytes this run wrote
        raise ValueError(f"corrupt state bytes: unknown tag {tag} at position {pos - 1}")


GENERIC = _Generic()


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
