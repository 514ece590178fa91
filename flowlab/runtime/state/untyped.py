"""The tagged encoding of untyped state values (no type, or ``Types.PICKLED_BYTE_ARRAY()``).

One tag byte, then the value's own layout: None, bool, int (8 bytes, or a BigInteger beyond Long's range),
float, str, bytes, tuple, list, dict, ``Row``, windows, ``Decimal``. Anything else is pickled — bytes this
very run wrote. Python types stay apart (``1``, ``1.0`` and ``True`` are three different encodings, as
Long, Double and Boolean are in Java), so RocksDB keeps state for them apart.
"""
from __future__ import annotations

import decimal
import pickle
from typing import Any

from flowlab.common.row import Row
from flowlab.datastream.window import CountWindow, GlobalWindow, TimeWindow
from flowlab.runtime.state.serial_base import (
    _DOUBLE,
    _LONG,
    _ROW_KINDS,
    BIG_INT,
    STRING,
    Serializer,
    read_varint,
    write_varint,
)

(T_NONE, T_FALSE, T_TRUE, T_LONG, T_BIGINT, T_FLOAT, T_STR, T_BYTES, T_TUPLE, T_LIST, T_DICT, T_ROW,
 T_TIME_WINDOW, T_GLOBAL_WINDOW, T_COUNT_WINDOW, T_DECIMAL, T_PICKLE) = range(17)


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
                BIG_INT.write(value, out)
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
            return BIG_INT.read(buf, pos)
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
