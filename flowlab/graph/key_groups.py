"""Key groups: which subtask of a keyed operator owns a key, computed exactly as Flink does.

Flink (``KeyGroupRangeAssignment``) hashes a key with Java's ``hashCode``, scrambles it with
``MathUtils.murmurHash``, takes it modulo the max parallelism to get the key group, and gives each
subtask a contiguous range of key groups.

PyFlink's ``key_by`` wraps the key in a one-field ``Row`` (``KeyByKeySelector``), so the hash fed to
murmur is ``Row.hashCode`` of that wrapper. Flink's ``RowUtils.deepHashCodeRow`` computes, with 32-bit
wrap-around::

    row_hash(kind, fields) = 31 * kind.toByteValue() + A
    A = 1;  for each field f:  A = 31 * A + (0 if f is null else 31 + hashCode(f))

(the ``31 +`` comes from ``Arrays.deepHashCode(new Object[]{f})``). A one-field INSERT row holding a
non-null key k therefore hashes to ``62 + hashCode(k)``; a null field hashes to ``31``. A Java
``TupleN`` key hashes as ``T = 0; T = 31 * T + hashCode(f)`` over its fields.

``hashCode`` of the key follows its ``key_type``: STRING is ``String.hashCode`` over UTF-16 code units,
INT/SHORT/BYTE the value, LONG ``(int)(v ^ v >>> 32)``, BOOLEAN 1231/1237, DOUBLE/FLOAT from their IEEE
bits, CHAR the code unit, BIG_INT/BIG_DEC as ``BigInteger``/``BigDecimal``, ROW a nested row, TUPLE a
Java tuple.

Every function here is a flowlab extension (an analysis helper with Flink's Java names in snake_case);
PyFlink 2.3 has none of them: Flink computes key groups inside the runtime.

Simplification: without a ``key_type`` PyFlink hashes the *pickled bytes* of the key, which depends on
the pickler and is not reproducible. flowlab instead types an untyped key by its Python type: ``str`` as
STRING, ``bool`` as BOOLEAN, ``int`` as LONG, ``float`` as DOUBLE, ``None`` as null, and a ``tuple`` or
``Row`` as a ROW of its fields (typed the same way). ``Types.PICKLED_BYTE_ARRAY()`` means the same.
"""

from __future__ import annotations

import decimal
import struct
from typing import Any

from flowlab.common.row import Row, RowKind
from flowlab.common.typeinfo import (
    BasicType,
    BasicTypeInfo,
    PickledBytesTypeInfo,
    RowTypeInfo,
    TupleTypeInfo,
    TypeInformation,
    Types,
)

__all__ = [
    "DEFAULT_LOWER_BOUND_MAX_PARALLELISM", "UPPER_BOUND_MAX_PARALLELISM", "murmur_hash", "java_string_hash",
    "java_int_hash", "java_long_hash", "java_boolean_hash", "java_double_hash", "java_float_hash",
    "java_row_hash", "java_tuple_hash", "java_hash_code", "pyflink_key_hash", "compute_default_max_parallelism",
    "check_parallelism", "assign_to_key_group", "compute_operator_index_for_key_group",
    "key_group_range_for_operator", "assign_key_to_parallel_operator", "key_group_for", "infer_key_type",
]

DEFAULT_LOWER_BOUND_MAX_PARALLELISM = 1 << 7
UPPER_BOUND_MAX_PARALLELISM = 1 << 15

_MASK32 = 0xFFFFFFFF
_INT_MIN = -(1 << 31)


def _int32(value: int) -> int:
    """Wrap to a signed 32-bit int, like Java ``int`` arithmetic."""
    value &= _MASK32
    return value - (1 << 32) if value >= (1 << 31) else value


def _rotl32(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (32 - bits))) & _MASK32


def murmur_hash(code: int) -> int:
    """Flink's ``MathUtils.murmurHash(int)``: Murmur3-32 of one int (seed 0), made non-negative."""
    h = (code & _MASK32) * 0xCC9E2D51 & _MASK32
    h = _rotl32(h, 15) * 0x1B873593 & _MASK32
    h = (_rotl32(h, 13) * 5 + 0xE6546B64) & _MASK32
    h ^= 4
    h ^= h >> 16
    h = h * 0x85EBCA6B & _MASK32
    h ^= h >> 13
    h = h * 0xC2B2AE35 & _MASK32
    h ^= h >> 16
    signed = _int32(h)
    if signed >= 0:
        return signed
    return 0 if signed == _INT_MIN else -signed


def java_string_hash(s: str) -> int:
    """Java's ``String.hashCode``: s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units, 32-bit wrap."""
    units = s.encode("utf-16-be", "surrogatepass")
    h = 0
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & _MASK32
    return _int32(h)


def java_int_hash(v: int) -> int:
    """Java's ``Integer.hashCode`` (also ``Short``/``Byte``): the value; it must fit in 32 bits."""
    if not -(1 << 31) <= v < (1 << 31):
        raise TypeError(f"{v} does not fit a Java int (32-bit); use Types.LONG() for larger keys")
    return v


def java_long_hash(v: int) -> int:
    """Java's ``Long.hashCode``: ``(int)(v ^ (v >>> 32))``; ``v`` must fit in 64 bits."""
    if not -(1 << 63) <= v < (1 << 63):
        raise TypeError(f"{v} does not fit a Java long (64-bit); use Types.BIG_INT() as key_type")
    bits = v & 0xFFFFFFFFFFFFFFFF
    return _int32(bits ^ (bits >> 32))


def java_boolean_hash(v: bool) -> int:
    """Java's ``Boolean.hashCode``: 1231 for true, 1237 for false."""
    return 1231 if v else 1237


def java_double_hash(v: float) -> int:
    """Java's ``Double.hashCode``: ``bits ^ bits >>> 32`` of ``doubleToLongBits`` (one canonical NaN)."""
    bits = 0x7FF8000000000000 if v != v else struct.unpack(">Q", struct.pack(">d", v))[0]
    return _int32(bits ^ (bits >> 32))


def java_float_hash(v: float) -> int:
    """Java's ``Float.hashCode``: ``floatToIntBits`` of the value rounded to 32-bit (one canonical NaN)."""
    if v != v:
        return 0x7FC00000
    try:
        return _int32(struct.unpack(">I", struct.pack(">f", v))[0])
    except OverflowError:
        raise TypeError(f"{v} does not fit a Java float (32-bit); use Types.DOUBLE()") from None


def _big_integer_hash(v: int) -> int:
    """Java's ``BigInteger.hashCode``: over the 32-bit words of |v|, most significant first, times sign."""
    magnitude, words = abs(v), []
    while magnitude:
        words.append(magnitude & _MASK32)
        magnitude >>= 32
    h = 0
    for word in reversed(words):
        h = (31 * h + word) & _MASK32
    return _int32(h * (1 if v > 0 else -1 if v < 0 else 0))


def _big_decimal_hash(v: decimal.Decimal) -> int:
    """Java's ``BigDecimal.hashCode``: ``31 * unscaledValue.hashCode() + scale``."""
    if not v.is_finite():
        raise TypeError(f"{v} has no Java BigDecimal equivalent")
    sign, digits, exponent = v.as_tuple()
    unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    return _int32(31 * _big_integer_hash(unscaled) - exponent)


def java_row_hash(field_hashes: list[int | None], kind: RowKind = RowKind.INSERT) -> int:
    """Flink's ``Row.hashCode`` given each field's Java ``hashCode`` (``None`` for a null field)."""
    fields = 1
    for h in field_hashes:
        fields = (31 * fields + (0 if h is None else 31 + h)) & _MASK32
    return _int32(31 * kind.to_byte_value() + fields)


def java_tuple_hash(field_hashes: list[int]) -> int:
    """Flink's ``TupleN.hashCode`` given each field's Java ``hashCode``."""
    h = 0
    for field_hash in field_hashes:
        h = (31 * h + field_hash) & _MASK32
    return _int32(h)


_BASIC_HASHES = {
    BasicType.STRING: java_string_hash,
    BasicType.BOOLEAN: java_boolean_hash,
    BasicType.BYTE: java_int_hash,
    BasicType.SHORT: java_int_hash,
    BasicType.INT: java_int_hash,
    BasicType.LONG: java_long_hash,
    BasicType.FLOAT: java_float_hash,
    BasicType.DOUBLE: java_double_hash,
    BasicType.CHAR: ord,
    BasicType.BIG_INT: _big_integer_hash,
    BasicType.BIG_DEC: _big_decimal_hash,
}


def _infer_type(value: Any) -> TypeInformation:
    """flowlab's rule for untyped keys: the Flink type a Python value is hashed as."""
    if isinstance(value, str):
        return Types.STRING()
    if isinstance(value, bool):
        return Types.BOOLEAN()
    if isinstance(value, int):
        return Types.LONG()
    if isinstance(value, float):
        return Types.DOUBLE()
    if isinstance(value, (tuple, Row)):
        field_types = [_infer_type(field) for field in value]
        names = value.__dict__.get("_fields") if isinstance(value, Row) else None
        return Types.ROW(field_types) if names is None else Types.ROW_NAMED(names, field_types)
    if value is None:
        return Types.STRING()  # any nullable type: a null field hashes the same whatever its type
    raise TypeError(f"flowlab cannot hash a key of type {type(value).__name__} ({value!r}) without a "
                    "key_type: keys must be str, int, float, bool, None, tuple or Row, or pass key_type= "
                    "to key_by (e.g. Types.STRING())")


def infer_key_type(value: Any) -> TypeInformation:
    """The Flink type flowlab gives an untyped key (no ``key_type``, or ``PICKLED_BYTE_ARRAY``): see above."""
    return _infer_type(value)


def _java_hash(value: Any, type_info: TypeInformation) -> int | None:
    """Java's ``hashCode`` of ``value`` stored with ``type_info``; None for a null value."""
    if value is None:
        return None
    if isinstance(type_info, PickledBytesTypeInfo):
        type_info = _infer_type(value)
    problem = type_info.check(value)
    if problem:
        raise TypeError(f"key {value!r} does not fit key_type {type_info!r}: {problem}")
    if isinstance(type_info, RowTypeInfo):
        fields = type_info._field_values(value)
        kind = value.get_row_kind() if isinstance(value, Row) else RowKind.INSERT
        pairs = zip(fields, type_info.get_field_types(), strict=True)
        return java_row_hash([_java_hash(field, field_type) for field, field_type in pairs], kind)
    if isinstance(type_info, TupleTypeInfo):
        pairs = zip(value, type_info.get_field_types(), strict=True)
        return java_tuple_hash([_java_hash(field, field_type) for field, field_type in pairs])
    if type(type_info) is BasicTypeInfo and type_info._basic_type in _BASIC_HASHES:
        return _BASIC_HASHES[type_info._basic_type](value)
    raise TypeError(f"flowlab cannot hash keys of type {type_info!r}; use a basic type, ROW or TUPLE")


def java_hash_code(value: Any, type_info: TypeInformation) -> int | None:
    """Java's ``hashCode`` of ``value`` as the Java object of ``type_info`` (None for null), e.g. a map key."""
    return _java_hash(value, type_info)


def pyflink_key_hash(key: Any, key_type: TypeInformation | None = None) -> int:
    """The int PyFlink's ``key_by`` feeds to murmur: ``hashCode`` of the key wrapped in a one-field Row."""
    if key_type is None:
        key_type = Types.PICKLED_BYTE_ARRAY()
    if not isinstance(key_type, TypeInformation):
        raise TypeError(f"key_type must be a TypeInformation such as Types.STRING(), got {key_type!r}")
    return java_row_hash([_java_hash(key, key_type)])


def compute_default_max_parallelism(parallelism: int) -> int:
    """Flink's ``computeDefaultMaxParallelism``: roundUpToPowerOfTwo(p + p/2), clamped to 128..32768."""
    check_parallelism(parallelism, UPPER_BOUND_MAX_PARALLELISM)
    wanted = parallelism + parallelism // 2
    power_of_two = 1 << (wanted - 1).bit_length()
    return min(max(power_of_two, DEFAULT_LOWER_BOUND_MAX_PARALLELISM), UPPER_BOUND_MAX_PARALLELISM)


def _check_max_parallelism(max_parallelism: int) -> None:
    if isinstance(max_parallelism, bool) or not isinstance(max_parallelism, int):
        raise TypeError(f"max parallelism must be an int, got {max_parallelism!r}")
    if not 1 <= max_parallelism <= UPPER_BOUND_MAX_PARALLELISM:
        raise ValueError(f"max parallelism must be between 1 and {UPPER_BOUND_MAX_PARALLELISM}, "
                         f"got {max_parallelism}")


def check_parallelism(parallelism: int, max_parallelism: int) -> None:
    """Raise ValueError unless 1 <= parallelism <= max_parallelism <= 32768 (Flink's preconditions)."""
    _check_max_parallelism(max_parallelism)
    if isinstance(parallelism, bool) or not isinstance(parallelism, int):
        raise TypeError(f"parallelism must be an int, got {parallelism!r}")
    if parallelism < 1:
        raise ValueError(f"parallelism must be at least 1, got {parallelism}")
    if parallelism > max_parallelism:
        raise ValueError(f"parallelism {parallelism} is larger than max parallelism {max_parallelism}: "
                         "a subtask needs at least one key group")


def assign_to_key_group(key_hash: int, max_parallelism: int) -> int:
    """Flink's ``computeKeyGroupForKeyHash``: ``murmurHash(key_hash) % max_parallelism``."""
    _check_max_parallelism(max_parallelism)
    return murmur_hash(key_hash) % max_parallelism


def compute_operator_index_for_key_group(max_parallelism: int, parallelism: int, key_group_id: int) -> int:
    """Flink's ``computeOperatorIndexForKeyGroup``: the subtask owning a key group, ``kg * p // maxP``."""
    check_parallelism(parallelism, max_parallelism)
    if not 0 <= key_group_id < max_parallelism:
        raise ValueError(f"key group {key_group_id} is outside 0..{max_parallelism - 1}")
    return key_group_id * parallelism // max_parallelism


def key_group_range_for_operator(max_parallelism: int, parallelism: int, operator_index: int) -> range:
    """Flink's ``computeKeyGroupRangeForOperatorIndex``: the key groups subtask ``operator_index`` owns."""
    check_parallelism(parallelism, max_parallelism)
    if not 0 <= operator_index < parallelism:
        raise ValueError(f"operator index {operator_index} is outside 0..{parallelism - 1}")
    start = (operator_index * max_parallelism + parallelism - 1) // parallelism
    end = ((operator_index + 1) * max_parallelism - 1) // parallelism
    return range(start, end + 1)


def key_group_for(key: Any, max_parallelism: int, key_type: TypeInformation | None = None) -> int:
    """The key group PyFlink puts ``key`` in."""
    return assign_to_key_group(pyflink_key_hash(key, key_type), max_parallelism)


def assign_key_to_parallel_operator(key: Any, max_parallelism: int, parallelism: int,
                                    key_type: TypeInformation | None = None) -> int:
    """The subtask index PyFlink routes ``key`` to (``assignKeyToParallelOperator``)."""
    return compute_operator_index_for_key_group(max_parallelism, parallelism,
                                                key_group_for(key, max_parallelism, key_type))
