"""The order in which BATCH hands a keyed operator its keys: by the *serialized* key, not by Python's ``<``.

Flink's sorter (``SortingDataInput``) serializes each record's key with the key's ``TypeSerializer`` and
compares the bytes one by one as Java's signed ``byte`` (``Byte.compare``), a shorter key first when one
is a prefix of the other; records of one key are then ordered by timestamp. PyFlink's ``key_by`` wraps the
key in a one-field ``Row``, so the bytes are ``RowSerializer``'s: a bit mask (two row-kind bits, one null
bit per field), then the field. Consequences a learner sees:

* strings: ``StringSerializer`` writes the length (+1) first, so shorter strings come first:
  ``a, b, ab, ccc`` (Python sorts ``a, ab, b, ccc``); a character or length of 128 or more starts with
  a byte whose high bit is set, which sorts before every ASCII byte;
* ``LONG``/``INT`` are 8/4 bytes big-endian, and *every* byte compares signed: 0, 1, 2 … 127 come in numeric
  order after the negative numbers, but a byte of 128 or more anywhere sorts first (128 and 10**12 come
  before 0);
* ``DOUBLE``: the IEEE bits, so negative numbers come first, -1.0 before -2.0;
* a null key (or null field) after all non-null ones (its null bit is set).

Untyped keys are typed as ``flowlab.graph.key_groups`` types them (str as STRING, int as LONG, float as
DOUBLE, bool as BOOLEAN, tuple and Row as a ROW of their fields).

Simplification: PyFlink hashes and sorts an untyped key by its *pickled* bytes; flowlab uses the type
above (the same choice ``key_groups`` makes for routing), so keys come out as typed keys would.
"""
from __future__ import annotations

import decimal
import struct
from collections.abc import Iterable
from typing import Any

from flowlab.common.row import Row, RowKind
from flowlab.common.typeinfo import (
    BasicType,
    BasicTypeInfo,
    PickledBytesTypeInfo,
    RowTypeInfo,
    TupleTypeInfo,
    TypeInformation,
)
from flowlab.graph.key_groups import infer_key_type

_FLIP = bytes(b ^ 0x80 for b in range(256))     # signed-byte order as Python's unsigned bytes order
_CANONICAL_DOUBLE_NAN = 0x7FF8000000000000
_CANONICAL_FLOAT_NAN = 0x7FC00000
_PACK = {BasicType.BYTE: ">b", BasicType.SHORT: ">h", BasicType.INT: ">i", BasicType.LONG: ">q"}


def _varint7(n: int, out: bytearray) -> None:
    """``StringValue``'s variable-length int: 7 bits at a time, lowest first, high bit = more follow."""
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _string(s: str, out: bytearray) -> None:
    units = s.encode("utf-16-be", "surrogatepass")
    _varint7(len(units) // 2 + 1, out)
    for i in range(0, len(units), 2):
        _varint7(units[i] << 8 | units[i + 1], out)


def _big_integer(v: int, out: bytearray) -> None:
    """``BigIntSerializer.writeBigInteger``: length + 4, then ``toByteArray`` (minimal two's complement)."""
    data = v.to_bytes(v.bit_length() // 8 + 1, "big", signed=True)
    out += struct.pack(">i", len(data) + 4)
    out += data


def _basic(value: Any, basic: BasicType, out: bytearray) -> None:
    if basic is BasicType.STRING:
        _string(value, out)
    elif basic in _PACK:
        out += struct.pack(_PACK[basic], value)
    elif basic is BasicType.BOOLEAN:
        out.append(1 if value else 0)
    elif basic is BasicType.DOUBLE:
        bits = _CANONICAL_DOUBLE_NAN if value != value else struct.unpack(">Q", struct.pack(">d", value))[0]
        out += struct.pack(">Q", bits)
    elif basic is BasicType.FLOAT:
        bits = _CANONICAL_FLOAT_NAN if value != value else struct.unpack(">I", struct.pack(">f", value))[0]
        out += struct.pack(">I", bits)
    elif basic is BasicType.CHAR:
        out += struct.pack(">H", ord(value))
    elif basic is BasicType.BIG_INT:
        _big_integer(value, out)
    elif basic is BasicType.BIG_DEC:
        d = decimal.Decimal(value)
        sign, digits, exponent = d.as_tuple()
        unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        _big_integer(unscaled, out)
        out += struct.pack(">i", -exponent)
    else:
        raise TypeError(f"flowlab cannot sort keys of type {basic.value}")


def _row(values: list[Any], types: list[TypeInformation | None], kind: RowKind, out: bytearray) -> None:
    """``RowSerializer``: the mask (row kind's two bits, then a null bit per field; each byte's bits filled
    from the top of the byte's used width, as ``MaskUtils.writeMask`` does), then the non-null fields."""
    bits = [bool(kind.to_byte_value() & 1), bool(kind.to_byte_value() & 2)] + [v is None for v in values]
    for start in range(0, len(bits), 8):
        b = 0
        for bit in bits[start:start + 8]:
            b = b << 1 | bit
        out.append(b)
    for value, t in zip(values, types, strict=True):
        if value is not None:
            _write(value, t, out)


def _write(value: Any, t: TypeInformation | None, out: bytearray) -> None:
    if t is None or isinstance(t, PickledBytesTypeInfo):
        t = infer_key_type(value)
    if isinstance(t, RowTypeInfo):
        fields = t._field_values(value)
        if isinstance(fields, str):
            raise TypeError(f"key {value!r} does not fit key_type {t!r}: {fields}")
        kind = value.get_row_kind() if isinstance(value, Row) else RowKind.INSERT
        _row(fields, t.get_field_types(), kind, out)
    elif isinstance(t, TupleTypeInfo):
        for field, field_type in zip(value, t.get_field_types(), strict=True):
            _write(field, field_type, out)
    elif type(t) is BasicTypeInfo:
        _basic(value, t._basic_type, out)
    else:
        raise TypeError(f"flowlab cannot sort keys of type {t!r} in BATCH mode; use a basic type, ROW or TUPLE "
                        "as key_type")


def serialized_key(key: Any, key_type: TypeInformation | None = None) -> bytes:
    """The bytes Flink's BATCH sorter compares for PyFlink's key ``Row(key)`` (flowlab extension, an analysis
    helper; PyFlink 2.3 has no such function)."""
    out = bytearray()
    _row([key], [key_type], RowKind.INSERT, out)
    return bytes(out)


def sort_key(key: Any, key_type: TypeInformation | None = None) -> bytes:
    """``serialized_key`` with every byte's sign bit flipped, so Python's ``bytes`` order is Flink's signed-byte
    order (shorter first on a common prefix holds in both)."""
    return serialized_key(key, key_type).translate(_FLIP)


def batch_key_order(keys: Iterable[Any], key_type: TypeInformation | None = None) -> list[Any]:
    """The distinct ``keys`` in the order a BATCH keyed operator processes them (flowlab extension, an analysis
    helper; PyFlink 2.3 has no such function)::

        >>> batch_key_order(["ccc", "ab", "b", "a"])
        ['a', 'b', 'ab', 'ccc']
    """
    seen: dict[bytes, Any] = {}
    for k in keys:
        seen.setdefault(sort_key(k, key_type), k)
    return [seen[b] for b in sorted(seen)]
