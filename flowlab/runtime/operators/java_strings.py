"""What Flink's print sink writes for a value of a declared type: Java's ``toString`` of the Java object.

PyFlink converts a typed value to its Java object before the (Java) print sink calls ``toString``;
an untyped (pickled) stream is first mapped to Python's ``str``. For typed values:

- numbers: ``Integer``/``Long`` as digits, ``Double.toString``/``Float.toString`` (``1.0E7``, ``NaN``),
  booleans ``true``/``false``, ``None`` ``null``, ``BigDecimal`` in its scientific form (``1E-7``);
- ``TupleN``: ``(a,1)`` (no spaces); ``Row``: ``+I[a, 1]``; ``List``: ``[1, 2]``; ``Map``: ``{a=1, b=2}``
  in Java ``HashMap`` order (bucket of the key's ``hashCode``, then insertion order);
- an array printed on its own is Java's ``[I@1b6d3586`` (type and identity hash); inside a tuple or row
  its elements are shown (``[1, 2]``), as Flink's ``StringUtils.arrayAwareToString`` does;
- ``Instant`` ISO-8601 (``1970-01-01T00:00:00.123Z``), SQL date/time/timestamp as ``java.sql`` prints them.

Simplification: an array's identity hash is made up from its contents (Java's changes every run); a
``HashMap`` bucket with 8 or more colliding keys is shown in insertion order (Java may turn it into a tree).
"""
from __future__ import annotations

import datetime
import decimal
import zlib
from typing import Any

from flowlab.common.java_numbers import java_double_to_string, java_float_to_string
from flowlab.common.row import Row
from flowlab.common.time import Instant
from flowlab.common.typeinfo import (
    BasicArrayTypeInfo,
    BasicType,
    BasicTypeInfo,
    DateTypeInfo,
    ListTypeInfo,
    MapTypeInfo,
    ObjectArrayTypeInfo,
    PickledBytesTypeInfo,
    PrimitiveArrayTypeInfo,
    RowTypeInfo,
    TimestampTypeInfo,
    TimeTypeInfo,
    TupleTypeInfo,
    TypeInformation,
)
from flowlab.graph.key_groups import java_hash_code

__all__ = ["java_to_string", "print_text"]

_PRIMITIVE_CODES = {"Boolean": "Z", "Byte": "B", "Short": "S", "Integer": "I", "Long": "J", "Float": "F",
                    "Double": "D", "Char": "C"}
_ARRAYS = (PrimitiveArrayTypeInfo, BasicArrayTypeInfo, ObjectArrayTypeInfo)


def print_text(value: Any, type_info: TypeInformation | None) -> str:
    """The line body Flink's print sink writes for ``value`` of the stream's declared type."""
    if type_info is None or isinstance(type_info, PickledBytesTypeInfo):
        return value if isinstance(value, str) else str(value)       # PyFlink maps pickled values to str
    return java_to_string(value, type_info)


def java_to_string(value: Any, type_info: TypeInformation | None, top: bool = True) -> str:
    """Java's ``toString`` of ``value`` converted to the Java object of ``type_info`` (``String.valueOf`` for
    null). ``top=False`` inside tuples and rows, where arrays show their elements."""
    if value is None:
        return "null"
    try:
        if isinstance(type_info, _ARRAYS) and isinstance(value, (list, tuple, bytes, bytearray)):
            return _array_identity(value, type_info) if top else _array_elements(value, type_info)
        if isinstance(type_info, BasicTypeInfo):
            return _basic(value, type_info)
        if isinstance(type_info, TupleTypeInfo) and isinstance(value, (tuple, list)):
            fields = zip(value, type_info.get_field_types(), strict=True)
            return "(" + ",".join(java_to_string(v, t, top=False) for v, t in fields) + ")"
        if isinstance(type_info, RowTypeInfo):
            return _row(value, type_info)
        if isinstance(type_info, ListTypeInfo) and isinstance(value, (list, tuple)):
            return "[" + ", ".join(_element(v, type_info.elem_type) for v in value) + "]"
        if isinstance(type_info, MapTypeInfo) and isinstance(value, dict):
            return _map(value, type_info)
        if isinstance(type_info, TimestampTypeInfo) and isinstance(value, datetime.datetime):
            nanos = f"{value.microsecond * 1000:09d}".rstrip("0") or "0"
            return f"{value:%Y-%m-%d %H:%M:%S}.{nanos}"
        if isinstance(type_info, DateTypeInfo) and isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(type_info, TimeTypeInfo) and isinstance(value, datetime.time):
            return f"{value:%H:%M:%S}"
    except (TypeError, ValueError):        # a value that does not fit its type: shown as Java would guess
        pass
    return untyped_java_string(value)


def untyped_java_string(value: Any) -> str:
    """A value whose Java type is unknown, shown by its Python type the way Java shows the likely match."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_to_string(value)
    if isinstance(value, tuple):
        return "(" + ",".join(untyped_java_string(v) for v in value) + ")"
    if isinstance(value, Row):
        return _row(value, None)
    if isinstance(value, list):
        return "[" + ", ".join(untyped_java_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{untyped_java_string(k)}={untyped_java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Instant):
        return _instant(value)
    return str(value)


def _basic(value: Any, type_info: BasicTypeInfo) -> str:
    kind = type_info._basic_type
    if kind is BasicType.STRING or kind is BasicType.CHAR:
        return value if isinstance(value, str) else untyped_java_string(value)
    if kind is BasicType.BOOLEAN:
        return "true" if value else "false"
    if kind is BasicType.DOUBLE:
        return java_double_to_string(value)
    if kind is BasicType.FLOAT:
        return java_float_to_string(value)
    if kind is BasicType.BIG_DEC and isinstance(value, decimal.Decimal):
        return str(abs(value) if value.is_zero() else value)      # BigDecimal has no negative zero
    if kind is BasicType.INSTANT and isinstance(value, Instant):
        return _instant(value)
    if kind in (BasicType.BYTE, BasicType.SHORT, BasicType.INT, BasicType.LONG, BasicType.BIG_INT):
        return str(int(value))
    return untyped_java_string(value)


def _element(value: Any, type_info: TypeInformation) -> str:
    """An element of a ``List`` or ``Map`` (``String.valueOf``: an array shows its identity)."""
    return java_to_string(value, type_info, top=True)


def _row(value: Any, type_info: RowTypeInfo | None) -> str:
    """Flink's ``Row.toString``: ``+I[f0, f1]``, nested arrays, lists and maps shown deeply."""
    kind = value.get_row_kind().short_string() if isinstance(value, Row) else "+I"
    fields = type_info._field_values(value) if type_info is not None else list(value)
    if isinstance(fields, str):
        raise TypeError(fields)
    types = type_info.get_field_types() if type_info is not None else [None] * len(fields)
    return kind + "[" + ", ".join(_deep(v, t) for v, t in zip(fields, types, strict=True)) + "]"


def _deep(value: Any, type_info: TypeInformation | None) -> str:
    """``RowUtils.deepToStringInternal``: arrays, lists and maps inside a row show their contents."""
    if value is None:
        return "null"
    if isinstance(type_info, ListTypeInfo) and isinstance(value, (list, tuple)):
        return "[" + ", ".join(_deep(v, type_info.elem_type) for v in value) + "]"
    if isinstance(type_info, MapTypeInfo) and isinstance(value, dict):
        return _map(value, type_info, deep=True)
    if isinstance(type_info, ObjectArrayTypeInfo | BasicArrayTypeInfo) and isinstance(value, (list, tuple)):
        return "[" + ", ".join(_deep(v, type_info._element_type) for v in value) + "]"
    if type_info is None:
        return untyped_java_string(value)
    return java_to_string(value, type_info, top=False)


def _map(value: dict, type_info: MapTypeInfo, deep: bool = False) -> str:
    """``AbstractMap.toString`` of the ``HashMap`` Flink's ``MapSerializer`` fills: Java's iteration order."""
    key_type, value_type = type_info._key_type_info, type_info._value_type_info
    items = list(value.items())
    order = hashmap_order([java_hash_code(k, key_type) for k, _ in items])
    show = _deep if deep else _element
    return "{" + ", ".join(f"{show(items[i][0], key_type)}={show(items[i][1], value_type)}" for i in order) + "}"


def hashmap_order(key_hashes: list[int | None]) -> list[int]:
    """Positions of the entries in the order Java's ``HashMap`` (built by ``new HashMap<>(n)`` and ``put``
    in this order) iterates them: by bucket ``(h ^ h >>> 16) & (capacity - 1)``, then insertion order."""
    n = len(key_hashes)
    capacity = 1 << max(0, (n - 1).bit_length())          # tableSizeFor(n)
    while n > int(capacity * 0.75):                       # resize when ++size > threshold
        capacity *= 2
    mask = capacity - 1

    def bucket(h: int | None) -> int:
        h = 0 if h is None else h & 0xFFFFFFFF
        return (h ^ (h >> 16)) & mask
    return sorted(range(n), key=lambda i: (bucket(key_hashes[i]), i))


def _array_elements(value: Any, type_info: Any) -> str:
    """``Arrays.toString``: ``[1, 2]``; Java bytes are signed."""
    element_type = type_info._element_type
    if isinstance(value, (bytes, bytearray)):
        return "[" + ", ".join(str(b - 256 if b > 127 else b) for b in value) + "]"
    return "[" + ", ".join(java_to_string(v, element_type, top=True) for v in value) + "]"


def _array_identity(value: Any, type_info: Any) -> str:
    """``Object.toString`` of a Java array: ``[I@`` plus a hash (made up from the contents here)."""
    return f"{java_class_descriptor(type_info)}@{zlib.crc32(_array_elements(value, type_info).encode()):x}"


def java_class_descriptor(type_info: TypeInformation) -> str:
    """``Class.getName()`` of the Java class behind ``type_info`` (``[I``, ``[Ljava.lang.String;`` …)."""
    if isinstance(type_info, PrimitiveArrayTypeInfo):
        return "[" + _PRIMITIVE_CODES[repr(type_info._element_type)]
    if isinstance(type_info, (BasicArrayTypeInfo, ObjectArrayTypeInfo)):
        inner = java_class_descriptor(type_info._element_type)
        return "[" + (inner if inner.startswith("[") else f"L{inner};")
    if isinstance(type_info, BasicTypeInfo):
        name = {"Char": "Character"}.get(repr(type_info), repr(type_info))
        package = "java.math" if name in ("BigInteger", "BigDecimal") else "java.time" if name == "Instant" \
            else "java.lang"
        return f"{package}.{name}"
    if isinstance(type_info, RowTypeInfo):
        return "org.apache.flink.types.Row"
    if isinstance(type_info, TupleTypeInfo):
        return f"org.apache.flink.api.java.tuple.Tuple{type_info.arity()}"
    if isinstance(type_info, ListTypeInfo):
        return "java.util.List"
    if isinstance(type_info, MapTypeInfo):
        return "java.util.Map"
    if isinstance(type_info, TimestampTypeInfo):
        return "java.sql.Timestamp"
    if isinstance(type_info, DateTypeInfo):
        return "java.sql.Date"
    if isinstance(type_info, TimeTypeInfo):
        return "java.sql.Time"
    return "java.lang.Object"


def _instant(value: Instant) -> str:
    """``Instant.toString`` (ISO-8601, UTC; fraction in groups of three digits, none when zero)."""
    moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=value.seconds)
    nanos = value.nanos
    if nanos == 0:
        frac = ""
    elif nanos % 1_000_000 == 0:
        frac = f".{nanos // 1_000_000:03d}"
    elif nanos % 1000 == 0:
        frac = f".{nanos // 1000:06d}"
    else:
        frac = f".{nanos:09d}"
    return f"{moment:%Y-%m-%dT%H:%M:%S}{frac}Z"
