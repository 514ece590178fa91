"""Flink's type system as PyFlink shows it: ``TypeInformation`` values built by the ``Types`` factory.

Names, constructors and reprs follow ``pyflink.common.typeinfo``. A type info here is an inert value:
there is no JVM behind it, so the ``get_java_type_info`` machinery is absent.

flowlab additions (not in PyFlink): ``TypeInformation.check(value)`` returns a short message when a value
plainly does not fit the declared type (``None`` when it fits), so a mistake surfaces at the operator
that made it; ``TypeInformation.arity()`` gives the field count of row and tuple types.
"""

from __future__ import annotations

import datetime
import decimal
from enum import Enum
from typing import Any

__all__ = [
    "TypeInformation", "Types", "BasicType", "BasicTypeInfo", "InstantTypeInfo", "SqlTimeTypeInfo",
    "DateTypeInfo", "TimeTypeInfo", "TimestampTypeInfo", "PrimitiveArrayTypeInfo", "BasicArrayTypeInfo",
    "ObjectArrayTypeInfo", "PickledBytesTypeInfo", "RowTypeInfo", "TupleTypeInfo", "ListTypeInfo",
    "MapTypeInfo",
]

# Inclusive ranges of Java's fixed-width integer types.
_INT_RANGES = {
    "Byte": (-(2 ** 7), 2 ** 7 - 1),
    "Short": (-(2 ** 15), 2 ** 15 - 1),
    "Integer": (-(2 ** 31), 2 ** 31 - 1),
    "Long": (-(2 ** 63), 2 ** 63 - 1),
}


def _show(value: Any) -> str:
    """A value for an error message: its Python type and a short repr."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


class TypeInformation:
    """Flink's ``TypeInformation``: describes the values a stream or state carries.

    Simplification: a plain description; Flink builds serializers and comparators from it, flowlab
    only uses it to check values and to hash keys (see ``flowlab.graph.key_groups``).
    """

    def need_conversion(self) -> bool:
        """Whether values need converting between Python and Flink's internal form (PyFlink API)."""
        return False

    def to_internal_type(self, obj: Any) -> Any:
        """Convert a Python value to the internal form; identity in flowlab."""
        return obj

    def from_internal_type(self, obj: Any) -> Any:
        """Convert an internal value back to Python; identity in flowlab."""
        return obj

    def check(self, value: Any) -> str | None:
        """flowlab helper (not in PyFlink): a message if ``value`` obviously does not fit, else None."""
        return self._check(value, nullable=False)

    def arity(self) -> int | None:
        """flowlab helper (not in PyFlink): number of fields of a row or tuple type, else None."""
        return None

    def _check(self, value: Any, nullable: bool) -> str | None:
        return None

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def _key(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return type(self).__name__


class BasicType(Enum):
    """The basic Java types behind ``BasicTypeInfo``; the value is the Java class's simple name."""

    STRING = "String"
    BYTE = "Byte"
    BOOLEAN = "Boolean"
    SHORT = "Short"
    INT = "Integer"
    LONG = "Long"
    FLOAT = "Float"
    DOUBLE = "Double"
    CHAR = "Char"
    BIG_INT = "BigInteger"
    BIG_DEC = "BigDecimal"
    INSTANT = "Instant"


class BasicTypeInfo(TypeInformation):
    """Flink's ``BasicTypeInfo``: String, the boxed primitives, BigInteger and BigDecimal."""

    def __init__(self, basic_type: BasicType):
        self._basic_type = basic_type

    def _key(self) -> tuple:
        return (self._basic_type,)

    def __repr__(self) -> str:
        return self._basic_type.value

    def _check(self, value: Any, nullable: bool) -> str | None:
        name = self._basic_type.value
        if value is None:
            ok = nullable or self._basic_type in (BasicType.STRING, BasicType.BIG_INT, BasicType.BIG_DEC,
                                                  BasicType.INSTANT)
            return None if ok else f"{name} does not accept None"
        if self._basic_type is BasicType.STRING:
            return None if isinstance(value, str) else f"expected String (str), got {_show(value)}"
        if self._basic_type is BasicType.BOOLEAN:
            return None if isinstance(value, bool) else f"expected Boolean (bool), got {_show(value)}"
        if name in _INT_RANGES:
            if isinstance(value, bool) or not isinstance(value, int):
                return f"expected {name} (int), got {_show(value)}"
            low, high = _INT_RANGES[name]
            if not low <= value <= high:
                return f"{value} is out of range for {name} ({low}..{high})"
            return None
        if self._basic_type in (BasicType.FLOAT, BasicType.DOUBLE):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"expected {name} (float), got {_show(value)}"
            return None
        if self._basic_type is BasicType.CHAR:
            if not isinstance(value, str) or len(value) != 1 or ord(value) > 0xFFFF:
                return f"expected Char (a str of one BMP character), got {_show(value)}"
            return None
        if self._basic_type is BasicType.BIG_INT:
            ok = isinstance(value, int) and not isinstance(value, bool)
            return None if ok else f"expected BigInteger (int), got {_show(value)}"
        if self._basic_type is BasicType.BIG_DEC:
            ok = isinstance(value, decimal.Decimal)
            return None if ok else f"expected BigDecimal (decimal.Decimal), got {_show(value)}"
        return None

    @staticmethod
    def STRING_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.STRING)

    @staticmethod
    def BOOLEAN_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.BOOLEAN)

    @staticmethod
    def BYTE_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.BYTE)

    @staticmethod
    def SHORT_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.SHORT)

    @staticmethod
    def INT_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.INT)

    @staticmethod
    def LONG_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.LONG)

    @staticmethod
    def FLOAT_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.FLOAT)

    @staticmethod
    def DOUBLE_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.DOUBLE)

    @staticmethod
    def CHAR_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.CHAR)

    @staticmethod
    def BIG_INT_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.BIG_INT)

    @staticmethod
    def BIG_DEC_TYPE_INFO() -> BasicTypeInfo:
        return BasicTypeInfo(BasicType.BIG_DEC)

    @staticmethod
    def INSTANT_TYPE_INFO() -> InstantTypeInfo:
        return InstantTypeInfo(BasicType.INSTANT)


class InstantTypeInfo(BasicTypeInfo):
    """Flink's ``Instant`` type info; values are ``flowlab.common.time.Instant``."""

    def _check(self, value: Any, nullable: bool) -> str | None:
        from flowlab.common.time import Instant

        if value is None or isinstance(value, Instant):
            return None
        return f"expected Instant (flowlab.common.time.Instant), got {_show(value)}"


class _PythonClassTypeInfo(TypeInformation):
    """A type info whose values are instances of one Python class; ``None`` is allowed."""

    _python_class: type = object
    _label = ""

    def _check(self, value: Any, nullable: bool) -> str | None:
        if value is None or isinstance(value, self._python_class):
            return None
        return f"expected {self._label}, got {_show(value)}"


class DateTypeInfo(_PythonClassTypeInfo):
    """Flink's ``SqlTimeTypeInfo.DATE``; values are ``datetime.date``."""

    _python_class = datetime.date
    _label = "SQL date (datetime.date)"


class TimeTypeInfo(_PythonClassTypeInfo):
    """Flink's ``SqlTimeTypeInfo.TIME``; values are ``datetime.time``."""

    _python_class = datetime.time
    _label = "SQL time (datetime.time)"


class TimestampTypeInfo(_PythonClassTypeInfo):
    """Flink's ``SqlTimeTypeInfo.TIMESTAMP``; values are ``datetime.datetime``."""

    _python_class = datetime.datetime
    _label = "SQL timestamp (datetime.datetime)"


class SqlTimeTypeInfo(TypeInformation):
    """Flink's ``SqlTimeTypeInfo``: factory for the SQL date, time and timestamp type infos."""

    @staticmethod
    def DATE() -> DateTypeInfo:
        return DateTypeInfo()

    @staticmethod
    def TIME() -> TimeTypeInfo:
        return TimeTypeInfo()

    @staticmethod
    def TIMESTAMP() -> TimestampTypeInfo:
        return TimestampTypeInfo()


class PickledBytesTypeInfo(TypeInformation):
    """PyFlink's ``PickledByteArrayTypeInfo``: any Python object, shipped as pickled bytes."""

    def __repr__(self) -> str:
        return "PickledByteArrayTypeInfo"


class _ElementsTypeInfo(TypeInformation):
    """Shared checks for arrays and lists: a list or tuple whose elements fit the element type."""

    _nullable_elements = True

    def __init__(self, element_type: TypeInformation):
        if not isinstance(element_type, TypeInformation):
            raise TypeError(f"element type must be a TypeInformation, got {_show(element_type)}")
        self._element_type = element_type

    def _key(self) -> tuple:
        return (self._element_type,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{self._element_type!r}>"

    def _check(self, value: Any, nullable: bool) -> str | None:
        if value is None:
            return None if nullable else f"{self!r} does not accept None"
        if not isinstance(value, (list, tuple)):
            return f"expected {self!r} (a list), got {_show(value)}"
        for index, element in enumerate(value):
            problem = self._element_type._check(element, self._nullable_elements)
            if problem:
                return f"element {index}: {problem}"
        return None


_PRIMITIVE_ELEMENTS = ("Boolean", "Byte", "Short", "Integer", "Long", "Float", "Double", "Char")


class PrimitiveArrayTypeInfo(_ElementsTypeInfo):
    """Flink's ``PrimitiveArrayTypeInfo``: arrays of a primitive type such as ``int[]``."""

    _nullable_elements = False

    def __init__(self, element_type: TypeInformation):
        super().__init__(element_type)
        if type(element_type) is not BasicTypeInfo or repr(element_type) not in _PRIMITIVE_ELEMENTS:
            raise TypeError(f"Invalid element type for a primitive array: {element_type!r}")

    def _check(self, value: Any, nullable: bool) -> str | None:
        if repr(self._element_type) == "Byte" and isinstance(value, (bytes, bytearray)):
            return None
        return super()._check(value, nullable)


class BasicArrayTypeInfo(_ElementsTypeInfo):
    """Flink's ``BasicArrayTypeInfo``: arrays of boxed basic types such as ``Integer[]``."""

    def __init__(self, element_type: TypeInformation):
        super().__init__(element_type)
        if type(element_type) is not BasicTypeInfo or repr(element_type) not in _PRIMITIVE_ELEMENTS + ("String",):
            raise TypeError(f"Invalid element type for a basic array: {element_type!r}")


class ObjectArrayTypeInfo(_ElementsTypeInfo):
    """Flink's ``ObjectArrayTypeInfo``: arrays of non-primitive values; elements may be None."""


class ListTypeInfo(_ElementsTypeInfo):
    """Flink's ``ListTypeInfo``: a ``java.util.List`` of one element type (a Python list)."""

    @property
    def elem_type(self) -> TypeInformation:
        """The element type (PyFlink's attribute name)."""
        return self._element_type


class MapTypeInfo(TypeInformation):
    """Flink's ``MapTypeInfo``: a ``java.util.Map`` (a Python dict); used by ``MapStateDescriptor``."""

    def __init__(self, key_type_info: TypeInformation, value_type_info: TypeInformation):
        self._key_type_info = key_type_info
        self._value_type_info = value_type_info

    def _key(self) -> tuple:
        return (self._key_type_info, self._value_type_info)

    def __repr__(self) -> str:
        return f"MapTypeInfo<{self._key_type_info!r}, {self._value_type_info!r}>"

    def _check(self, value: Any, nullable: bool) -> str | None:
        if value is None:
            return None if nullable else f"{self!r} does not accept None"
        if not isinstance(value, dict):
            return f"expected {self!r} (a dict), got {_show(value)}"
        for key, item in value.items():
            problem = self._key_type_info._check(key, False) or self._value_type_info._check(item, True)
            if problem:
                return f"entry {key!r}: {problem}"
        return None


class _FieldsTypeInfo(TypeInformation):
    """Shared checks for row and tuple types: a fixed number of typed fields."""

    _fields_nullable = True

    def __init__(self, field_types: list[TypeInformation]):
        field_types = list(field_types)
        for index, field_type in enumerate(field_types):
            if not isinstance(field_type, TypeInformation):
                raise TypeError(f"field {index} type must be a TypeInformation, got {_show(field_type)}")
        self._field_types = field_types

    def get_field_types(self) -> list[TypeInformation]:
        """The types of the fields, in order."""
        return self._field_types

    def arity(self) -> int:
        """flowlab helper (not in PyFlink): the number of fields."""
        return len(self._field_types)

    def _field_values(self, value: Any) -> list | str:
        """The values of ``value``'s fields in order, or a message why it is not such a value."""
        from flowlab.common.row import Row

        if isinstance(value, (tuple, list, Row)):
            values = list(value)
            if len(values) != self.arity():
                return (f"expected {self!r} with {self.arity()} fields, "
                        f"got {type(value).__name__} of {len(values)}: {value!r}")
            return values
        return f"expected {self!r} (a tuple), got {_show(value)}"

    def _check(self, value: Any, nullable: bool) -> str | None:
        if value is None:
            return None if nullable else f"{self!r} does not accept None"
        values = self._field_values(value)
        if isinstance(values, str):
            return values
        for index, (field_type, field) in enumerate(zip(self._field_types, values, strict=True)):
            problem = field_type._check(field, self._fields_nullable)
            if problem:
                return f"field {index}: {problem}"
        return None


class RowTypeInfo(_FieldsTypeInfo):
    """Flink's ``RowTypeInfo``: a ``Row`` with typed, optionally named fields (default names f0, f1…).

    Simplification: equality compares field types and names, as Java's ``RowTypeInfo.equals`` does
    (PyFlink's Python-side ``__eq__`` compares the types only).
    """

    def __init__(self, field_types: list[TypeInformation], field_names: list[str] | None = None):
        super().__init__(field_types)
        if field_names is not None:
            field_names = list(field_names)
            if len(field_names) != len(self._field_types):
                raise ValueError(f"{len(field_names)} field names for {len(self._field_types)} field types")
            if len(set(field_names)) != len(field_names):
                raise ValueError(f"field names must be unique, got {field_names}")
        self._field_names = field_names

    def get_field_names(self) -> list[str]:
        """The field names; ``f0``, ``f1``… when none were given (as Java's ``RowTypeInfo``)."""
        if self._field_names is None:
            return [f"f{index}" for index in range(len(self._field_types))]
        return list(self._field_names)

    def get_field_index(self, field_name: str) -> int:
        """The position of the named field, or -1 if there is none."""
        names = self.get_field_names()
        return names.index(field_name) if field_name in names else -1

    def _key(self) -> tuple:
        return (tuple(self._field_types), tuple(self.get_field_names()))

    def need_conversion(self) -> bool:
        return True

    def __repr__(self) -> str:
        if self._field_names:
            pairs = zip(self._field_names, self._field_types, strict=True)
            fields = [f"{name}: {field_type!r}" for name, field_type in pairs]
        else:
            fields = [repr(field_type) for field_type in self._field_types]
        return f"RowTypeInfo({', '.join(fields)})"

    def _field_values(self, value: Any) -> list | str:
        from flowlab.common.row import Row

        if isinstance(value, dict) or (isinstance(value, Row) and "_fields" in value.__dict__):
            names = self.get_field_names()
            present = list(value.keys()) if isinstance(value, dict) else value._fields
            missing = [name for name in names if name not in present]
            if missing:
                return f"expected {self!r}, but {value!r} has no field(s) {missing}"
            return [value[name] for name in names]
        return super()._field_values(value)


class TupleTypeInfo(_FieldsTypeInfo):
    """Flink's ``TupleTypeInfo``: a Java ``TupleN`` (a Python tuple); its fields must not be None."""

    _fields_nullable = False

    def need_conversion(self) -> bool:
        return True

    def _key(self) -> tuple:
        return tuple(self._field_types)

    def __repr__(self) -> str:
        return f"TupleTypeInfo({', '.join(repr(field_type) for field_type in self._field_types)})"


class Types:
    """Flink's ``Types``: factory for the type information of the common types."""

    @staticmethod
    def STRING() -> TypeInformation:
        """String; supports None."""
        return BasicTypeInfo.STRING_TYPE_INFO()

    @staticmethod
    def BYTE() -> TypeInformation:
        """Byte (8-bit int); does not support None."""
        return BasicTypeInfo.BYTE_TYPE_INFO()

    @staticmethod
    def BOOLEAN() -> TypeInformation:
        """Boolean; does not support None."""
        return BasicTypeInfo.BOOLEAN_TYPE_INFO()

    @staticmethod
    def SHORT() -> TypeInformation:
        """Short (16-bit int); does not support None."""
        return BasicTypeInfo.SHORT_TYPE_INFO()

    @staticmethod
    def INT() -> TypeInformation:
        """Integer (32-bit int); does not support None."""
        return BasicTypeInfo.INT_TYPE_INFO()

    @staticmethod
    def LONG() -> TypeInformation:
        """Long (64-bit int); does not support None."""
        return BasicTypeInfo.LONG_TYPE_INFO()

    @staticmethod
    def FLOAT() -> TypeInformation:
        """Float (32-bit); does not support None."""
        return BasicTypeInfo.FLOAT_TYPE_INFO()

    @staticmethod
    def DOUBLE() -> TypeInformation:
        """Double (64-bit float); does not support None."""
        return BasicTypeInfo.DOUBLE_TYPE_INFO()

    @staticmethod
    def CHAR() -> TypeInformation:
        """Char (one UTF-16 code unit); does not support None."""
        return BasicTypeInfo.CHAR_TYPE_INFO()

    @staticmethod
    def BIG_INT() -> TypeInformation:
        """BigInteger (any Python int); supports None."""
        return BasicTypeInfo.BIG_INT_TYPE_INFO()

    @staticmethod
    def BIG_DEC() -> TypeInformation:
        """BigDecimal (``decimal.Decimal``); supports None."""
        return BasicTypeInfo.BIG_DEC_TYPE_INFO()

    @staticmethod
    def INSTANT() -> TypeInformation:
        """Instant; supports None."""
        return BasicTypeInfo.INSTANT_TYPE_INFO()

    @staticmethod
    def SQL_DATE() -> TypeInformation:
        """SQL date (``datetime.date``); supports None."""
        return SqlTimeTypeInfo.DATE()

    @staticmethod
    def SQL_TIME() -> TypeInformation:
        """SQL time (``datetime.time``); supports None."""
        return SqlTimeTypeInfo.TIME()

    @staticmethod
    def SQL_TIMESTAMP() -> TypeInformation:
        """SQL timestamp (``datetime.datetime``); supports None."""
        return SqlTimeTypeInfo.TIMESTAMP()

    @staticmethod
    def PICKLED_BYTE_ARRAY() -> TypeInformation:
        """Any Python object, pickled; the default when no type is given."""
        return PickledBytesTypeInfo()

    @staticmethod
    def ROW(field_types: list[TypeInformation]) -> RowTypeInfo:
        """A Row with fields of the given types, named f0, f1…; the row itself must not be None."""
        return RowTypeInfo(field_types)

    @staticmethod
    def ROW_NAMED(field_names: list[str], field_types: list[TypeInformation]) -> RowTypeInfo:
        """A Row with the given field names and types; the row itself must not be None."""
        return RowTypeInfo(field_types, field_names)

    @staticmethod
    def TUPLE(field_types: list[TypeInformation]) -> TupleTypeInfo:
        """A Tuple with fields of the given types; neither it nor its fields may be None."""
        return TupleTypeInfo(field_types)

    @staticmethod
    def PRIMITIVE_ARRAY(element_type: TypeInformation) -> TypeInformation:
        """An array of a primitive type, such as ``int[]``; must not be None."""
        return PrimitiveArrayTypeInfo(element_type)

    @staticmethod
    def BASIC_ARRAY(element_type: TypeInformation) -> TypeInformation:
        """An array of a boxed basic type, such as ``Integer[]``."""
        return BasicArrayTypeInfo(element_type)

    @staticmethod
    def OBJECT_ARRAY(element_type: TypeInformation) -> TypeInformation:
        """An array of non-primitive values; elements may be None."""
        return ObjectArrayTypeInfo(element_type)

    @staticmethod
    def MAP(key_type_info: TypeInformation, value_type_info: TypeInformation) -> TypeInformation:
        """A map from keys of one type to values of another (used by ``MapStateDescriptor``)."""
        return MapTypeInfo(key_type_info, value_type_info)

    @staticmethod
    def LIST(element_type_info: TypeInformation) -> TypeInformation:
        """A list of one element type."""
        return ListTypeInfo(element_type_info)
