"""Values of a declared type become what Flink's serializer for that type makes of them.

With ``output_type=`` PyFlink encodes each result with the coder of the declared type: a ``str`` where
``Types.INT()`` is declared fails, an ``int`` where ``Types.DOUBLE()`` is declared becomes ``3.0``,
``Types.FLOAT()`` values become 32-bit floats (``0.1`` arrives as ``0.10000000149011612``), a list
declared as ``Types.TUPLE`` arrives as a tuple, one declared as ``Types.ROW`` as a ``Row``.
``converter_for(type_info)`` builds that conversion once per operator; it raises ``OutputTypeError`` with
what was expected when a value does not fit. No declared type (pickled Python objects) needs none.

Simplification: PyFlink encodes only where a value leaves the Python worker; two Python operators it
fuses into one hand results over unencoded. flowlab converts at every operator that declares a type.
"""
from __future__ import annotations

import decimal
import struct
from collections.abc import Callable
from typing import Any

from flowlab.common.row import Row
from flowlab.common.typeinfo import (
    BasicArrayTypeInfo,
    BasicType,
    BasicTypeInfo,
    ListTypeInfo,
    MapTypeInfo,
    ObjectArrayTypeInfo,
    PickledBytesTypeInfo,
    PrimitiveArrayTypeInfo,
    RowTypeInfo,
    TupleTypeInfo,
    TypeInformation,
)

Converter = Callable[[Any], Any]

_FLOAT32 = struct.Struct("f")         # native size: rounds to nearest, overflows to inf
pack_float, unpack_float = _FLOAT32.pack, _FLOAT32.unpack
_INT_RANGES = {BasicType.BYTE: 8, BasicType.SHORT: 16, BasicType.INT: 32, BasicType.LONG: 64}


class OutputTypeError(TypeError):
    """A value does not fit the type declared for it (PyFlink's coder would fail on it)."""


def _show(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def converter_for(type_info: TypeInformation | None, nullable: bool = False) -> Converter | None:
    """The conversion for values of ``type_info`` (None when there is nothing to convert or check)."""
    if type_info is None or isinstance(type_info, PickledBytesTypeInfo):
        return None
    inner = _converter(type_info)
    if nullable:
        return inner

    def not_null(value: Any) -> Any:
        if value is None:
            raise OutputTypeError(f"{type_info!r} does not accept None")
        return inner(value)
    return not_null if not _accepts_null(type_info) else inner


def _accepts_null(type_info: TypeInformation) -> bool:
    if isinstance(type_info, BasicTypeInfo):
        return type_info._basic_type in (BasicType.STRING, BasicType.BIG_INT, BasicType.BIG_DEC,
                                         BasicType.INSTANT)
    return not isinstance(type_info, (TupleTypeInfo, RowTypeInfo, PrimitiveArrayTypeInfo))


def _field(type_info: TypeInformation, nullable: bool) -> Converter:
    """A field converter: None passes where the field may be null."""
    inner = _converter(type_info)
    if not nullable:
        def required(value: Any) -> Any:
            if value is None:
                raise OutputTypeError(f"{type_info!r} does not accept None")
            return inner(value)
        return required

    def optional(value: Any) -> Any:
        return None if value is None else inner(value)
    return optional


def _converter(type_info: TypeInformation) -> Converter:
    if isinstance(type_info, BasicTypeInfo) and type(type_info) is BasicTypeInfo:
        return _basic(type_info)
    if isinstance(type_info, TupleTypeInfo):
        return _tuple(type_info)
    if isinstance(type_info, RowTypeInfo):
        return _row(type_info)
    if isinstance(type_info, (ListTypeInfo, BasicArrayTypeInfo, ObjectArrayTypeInfo, PrimitiveArrayTypeInfo)):
        return _elements(type_info)
    if isinstance(type_info, MapTypeInfo):
        return _map(type_info)

    def checked(value: Any) -> Any:          # date/time/instant types: checked, kept as they are
        problem = type_info.check(value) if value is not None else None
        if problem:
            raise OutputTypeError(problem)
        return value
    return checked


def _basic(type_info: BasicTypeInfo) -> Converter:
    kind = type_info._basic_type
    name = kind.value
    if kind is BasicType.STRING:
        def string(value: Any) -> Any:
            if type(value) is str or value is None:
                return value
            if isinstance(value, str):
                return str(value)
            raise OutputTypeError(f"expected String (str), got {_show(value)}")
        return string
    if kind in _INT_RANGES:
        bits = _INT_RANGES[kind]
        low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

        def integer(value: Any) -> Any:
            if type(value) is not int:
                if not isinstance(value, int):
                    raise OutputTypeError(f"expected {name} (int), got {_show(value)}")
                value = int(value)                     # bool: the coder writes 1 or 0
            if not low <= value <= high:
                raise OutputTypeError(f"{value} is out of range for {name} ({low}..{high})")
            return value
        return integer
    if kind is BasicType.DOUBLE or kind is BasicType.FLOAT:
        single = kind is BasicType.FLOAT

        def floating(value: Any) -> Any:
            if type(value) is not float:
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise OutputTypeError(f"expected {name} (float), got {_show(value)}")
                value = float(value)
            if single:            # a Java (float) cast: too large becomes Infinity
                return unpack_float(pack_float(value))[0]
            return value
        return floating
    if kind is BasicType.BOOLEAN:
        def boolean(value: Any) -> Any:
            if type(value) is bool:
                return value
            raise OutputTypeError(f"expected Boolean (bool), got {_show(value)}")
        return boolean
    if kind is BasicType.BIG_DEC:
        def big_decimal(value: Any) -> Any:
            if isinstance(value, decimal.Decimal) or value is None:
                return value
            if isinstance(value, int) and not isinstance(value, bool):
                return decimal.Decimal(value)
            raise OutputTypeError(f"expected BigDecimal (decimal.Decimal), got {_show(value)}")
        return big_decimal

    def checked(value: Any) -> Any:          # CHAR, BIG_INT, INSTANT
        problem = type_info.check(value) if value is not None else None
        if problem:
            raise OutputTypeError(problem)
        return value
    return checked


def _tuple(type_info: TupleTypeInfo) -> Converter:
    fields = [_field(t, nullable=False) for t in type_info.get_field_types()]
    n = len(fields)

    def tuple_(value: Any) -> Any:
        if not isinstance(value, (tuple, list, Row)) or len(value) != n:
            raise OutputTypeError(f"expected {type_info!r} (a tuple of {n} fields), got {_show(value)}")
        try:
            return tuple([conv(v) for conv, v in zip(fields, value)])
        except OutputTypeError as exc:
            raise OutputTypeError(f"{exc} in field {_bad_field(fields, value)} of {value!r}") from None
    return tuple_


def _row(type_info: RowTypeInfo) -> Converter:
    fields = [_field(t, nullable=True) for t in type_info.get_field_types()]

    def row(value: Any) -> Any:
        values = type_info._field_values(value)
        if isinstance(values, str):
            raise OutputTypeError(values)
        try:
            converted = [conv(v) for conv, v in zip(fields, values)]
        except OutputTypeError as exc:
            raise OutputTypeError(f"{exc} in field {_bad_field(fields, values)} of {value!r}") from None
        out = Row(*converted)
        if isinstance(value, Row):
            names = value.__dict__.get("_fields")
            if names is not None:
                out.set_field_names(list(names))
            out.set_row_kind(value.get_row_kind())
        return out
    return row


def _bad_field(fields: list[Converter], values: Any) -> int:
    for index, (conv, v) in enumerate(zip(fields, values)):
        try:
            conv(v)
        except OutputTypeError:
            return index
    return -1      # pragma: no cover - only called after a field failed


def _elements(type_info: Any) -> Converter:
    primitive = isinstance(type_info, PrimitiveArrayTypeInfo)
    element = _field(type_info._element_type, nullable=not primitive)
    byte_array = primitive and repr(type_info._element_type) == "Byte"

    def elements(value: Any) -> Any:
        if byte_array and isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if not isinstance(value, (list, tuple)):
            raise OutputTypeError(f"expected {type_info!r} (a list), got {_show(value)}")
        return [element(v) for v in value]
    return elements


def _map(type_info: MapTypeInfo) -> Converter:
    key = _field(type_info._key_type_info, nullable=False)
    item = _field(type_info._value_type_info, nullable=True)

    def mapping(value: Any) -> Any:
        if not isinstance(value, dict):
            raise OutputTypeError(f"expected {type_info!r} (a dict), got {_show(value)}")
        return {key(k): item(v) for k, v in value.items()}
    return mapping
