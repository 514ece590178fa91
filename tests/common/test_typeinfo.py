"""Tests for flowlab.common.typeinfo: PyFlink's Types factory and TypeInformation values."""

import datetime
import decimal

import pytest

from flowlab.common.row import Row
from flowlab.common.time import Instant
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
    Types,
)

BASIC_REPRS = [
    (Types.STRING, "String"), (Types.BYTE, "Byte"), (Types.BOOLEAN, "Boolean"), (Types.SHORT, "Short"),
    (Types.INT, "Integer"), (Types.LONG, "Long"), (Types.FLOAT, "Float"), (Types.DOUBLE, "Double"),
    (Types.CHAR, "Char"), (Types.BIG_INT, "BigInteger"), (Types.BIG_DEC, "BigDecimal"), (Types.INSTANT, "Instant"),
]


@pytest.mark.parametrize(("factory", "text"), BASIC_REPRS)
def test_basic_types_repr_as_java_class_names(factory, text):
    """Each basic type prints as PyFlink prints it (the Java class's simple name)."""
    assert repr(factory()) == text
    assert isinstance(factory(), BasicTypeInfo)


def test_basic_type_infos_have_value_equality_and_hash():
    """Two separately built STRING infos are equal and hash alike; STRING differs from LONG."""
    assert Types.STRING() == Types.STRING()
    assert hash(Types.STRING()) == hash(Types.STRING())
    assert Types.STRING() != Types.LONG()
    assert len({Types.INT(), Types.INT(), Types.LONG()}) == 2


def test_basic_type_info_static_factories_match_types():
    """BasicTypeInfo.X_TYPE_INFO() builds the same value as Types.X()."""
    assert BasicTypeInfo.LONG_TYPE_INFO() == Types.LONG()
    assert BasicTypeInfo(BasicType.STRING) == Types.STRING()


def test_sql_time_and_pickled_reprs():
    """SQL time types and the pickled type print as in PyFlink."""
    assert [repr(t) for t in (Types.SQL_DATE(), Types.SQL_TIME(), Types.SQL_TIMESTAMP())] == [
        "DateTypeInfo", "TimeTypeInfo", "TimestampTypeInfo"]
    assert repr(Types.PICKLED_BYTE_ARRAY()) == "PickledByteArrayTypeInfo"
    assert Types.PICKLED_BYTE_ARRAY() == PickledBytesTypeInfo()


def test_row_type_info_repr_with_names():
    """ROW_NAMED prints field names and types: RowTypeInfo(a: String, b: Long)."""
    assert repr(Types.ROW_NAMED(["a", "b"], [Types.STRING(), Types.LONG()])) == "RowTypeInfo(a: String, b: Long)"


def test_row_type_info_repr_without_names():
    """ROW without names prints only the types."""
    assert repr(Types.ROW([Types.STRING(), Types.INT()])) == "RowTypeInfo(String, Integer)"


def test_row_type_info_default_field_names():
    """An unnamed row's fields are called f0, f1… as in Java's RowTypeInfo."""
    assert Types.ROW([Types.STRING(), Types.INT()]).get_field_names() == ["f0", "f1"]


def test_row_type_info_field_index_and_types():
    """get_field_index finds a name's position (-1 when absent); get_field_types returns the types."""
    row_type = Types.ROW_NAMED(["word", "count"], [Types.STRING(), Types.LONG()])
    assert row_type.get_field_index("count") == 1
    assert row_type.get_field_index("missing") == -1
    assert row_type.get_field_types() == [Types.STRING(), Types.LONG()]
    assert isinstance(row_type, RowTypeInfo)


def test_row_type_info_equality_includes_names():
    """Row types are equal when types and names match (Java's RowTypeInfo.equals)."""
    a = Types.ROW_NAMED(["a"], [Types.INT()])
    assert a == Types.ROW_NAMED(["a"], [Types.INT()])
    assert a != Types.ROW_NAMED(["b"], [Types.INT()])
    assert Types.ROW([Types.INT()]) == Types.ROW_NAMED(["f0"], [Types.INT()])
    assert hash(a) == hash(Types.ROW_NAMED(["a"], [Types.INT()]))


def test_row_named_rejects_mismatched_names():
    """ROW_NAMED with a different number of names than types raises ValueError."""
    with pytest.raises(ValueError, match="2 field names for 1 field types"):
        Types.ROW_NAMED(["a", "b"], [Types.INT()])


def test_tuple_type_info_repr_and_field_types():
    """TUPLE prints as TupleTypeInfo(String, Long) and keeps its field types."""
    tuple_type = Types.TUPLE([Types.STRING(), Types.LONG()])
    assert repr(tuple_type) == "TupleTypeInfo(String, Long)"
    assert tuple_type.get_field_types() == [Types.STRING(), Types.LONG()]
    assert isinstance(tuple_type, TupleTypeInfo)


def test_tuple_and_row_with_same_fields_differ():
    """A tuple type never equals a row type with the same field types."""
    assert Types.TUPLE([Types.INT()]) != Types.ROW([Types.INT()])


def test_collection_type_reprs():
    """Array, list and map types print as in PyFlink."""
    assert repr(Types.PRIMITIVE_ARRAY(Types.INT())) == "PrimitiveArrayTypeInfo<Integer>"
    assert repr(Types.BASIC_ARRAY(Types.STRING())) == "BasicArrayTypeInfo<String>"
    assert repr(Types.OBJECT_ARRAY(Types.ROW([Types.INT()]))) == "ObjectArrayTypeInfo<RowTypeInfo(Integer)>"
    assert repr(Types.LIST(Types.LONG())) == "ListTypeInfo<Long>"
    assert repr(Types.MAP(Types.STRING(), Types.INT())) == "MapTypeInfo<String, Integer>"


def test_collection_types_have_value_equality():
    """Collection types compare by their element types."""
    assert Types.LIST(Types.LONG()) == ListTypeInfo(Types.LONG())
    assert Types.LIST(Types.LONG()) != Types.LIST(Types.INT())
    assert Types.MAP(Types.STRING(), Types.INT()) == MapTypeInfo(Types.STRING(), Types.INT())
    assert Types.PRIMITIVE_ARRAY(Types.INT()) != Types.BASIC_ARRAY(Types.INT())
    assert Types.OBJECT_ARRAY(Types.STRING()) == ObjectArrayTypeInfo(Types.STRING())
    assert Types.BASIC_ARRAY(Types.INT()) == BasicArrayTypeInfo(Types.INT())


def test_list_type_info_exposes_elem_type():
    """ListTypeInfo keeps PyFlink's elem_type attribute."""
    assert Types.LIST(Types.STRING()).elem_type == Types.STRING()


def test_primitive_array_rejects_string_elements():
    """PRIMITIVE_ARRAY(STRING) is invalid, as in PyFlink."""
    with pytest.raises(TypeError, match="primitive array"):
        Types.PRIMITIVE_ARRAY(Types.STRING())
    assert isinstance(Types.PRIMITIVE_ARRAY(Types.DOUBLE()), PrimitiveArrayTypeInfo)


def test_arity_of_row_and_tuple():
    """arity() counts the fields of row and tuple types and is None for others."""
    assert Types.ROW([Types.INT(), Types.INT(), Types.STRING()]).arity() == 3
    assert Types.TUPLE([Types.STRING(), Types.LONG()]).arity() == 2
    assert Types.STRING().arity() is None
    assert Types.LIST(Types.INT()).arity() is None


def test_check_accepts_fitting_values():
    """check() returns None for values that fit their type."""
    fitting = [
        (Types.STRING(), "x"), (Types.INT(), -(2 ** 31)), (Types.LONG(), 2 ** 63 - 1), (Types.DOUBLE(), 1),
        (Types.BOOLEAN(), False), (Types.CHAR(), "é"), (Types.BIG_DEC(), decimal.Decimal("1.5")),
        (Types.SQL_DATE(), datetime.date(2024, 1, 1)), (Types.INSTANT(), Instant.of_epoch_milli(5)),
        (Types.TUPLE([Types.STRING(), Types.LONG()]), ("a", 1)),
        (Types.ROW_NAMED(["a", "b"], [Types.STRING(), Types.INT()]), Row(b=1, a="x")),
        (Types.ROW([Types.STRING(), Types.INT()]), ("x", None)),
        (Types.LIST(Types.INT()), [1, 2]), (Types.MAP(Types.STRING(), Types.LONG()), {"a": 1}),
        (Types.PRIMITIVE_ARRAY(Types.BYTE()), b"\x00\x01"), (Types.PICKLED_BYTE_ARRAY(), object()),
    ]
    assert [(t, t.check(v)) for t, v in fitting if t.check(v) is not None] == []


def test_check_tuple_arity_mismatch():
    """A 3-tuple given for a 2-field TUPLE is reported with both counts."""
    message = Types.TUPLE([Types.STRING(), Types.LONG()]).check(("a", 1, 2))
    assert message == "expected TupleTypeInfo(String, Long) with 2 fields, got tuple of 3: ('a', 1, 2)"


def test_check_string_given_int():
    """An int given for STRING is reported."""
    assert Types.STRING().check(5) == "expected String (str), got int 5"


def test_check_int_out_of_32_bit_range():
    """An int beyond 32 bits given for INT is reported with the range."""
    assert Types.INT().check(2 ** 31) == "2147483648 is out of range for Integer (-2147483648..2147483647)"


def test_check_bool_is_not_an_int():
    """A bool given for INT is reported (bool is an int subclass in Python, not in Java)."""
    assert Types.INT().check(True) == "expected Integer (int), got bool True"


def test_check_names_the_bad_field():
    """A wrong field inside a tuple is reported with its index."""
    message = Types.TUPLE([Types.STRING(), Types.LONG()]).check(("a", "1"))
    assert message == "field 1: expected Long (int), got str '1'"


def test_check_none_for_primitive_and_for_tuple_field():
    """None does not fit INT at top level nor as a tuple field, but fits STRING and a row field."""
    assert Types.INT().check(None) == "Integer does not accept None"
    assert Types.TUPLE([Types.INT()]).check((None,)) == "field 0: Integer does not accept None"
    assert Types.STRING().check(None) is None
    assert Types.ROW([Types.INT()]).check((None,)) is None


def test_check_named_row_missing_field():
    """A named Row lacking one of the type's field names is reported."""
    message = Types.ROW_NAMED(["a", "b"], [Types.INT(), Types.INT()]).check(Row(a=1, c=2))
    assert message == "expected RowTypeInfo(a: Integer, b: Integer), but Row(a=1, c=2) has no field(s) ['b']"


def test_check_list_element():
    """A bad list element is reported with its index."""
    assert Types.LIST(Types.INT()).check([1, "2"]) == "element 1: expected Integer (int), got str '2'"


def test_base_type_information_conversions_are_identity():
    """to_internal_type/from_internal_type pass values through; need_conversion is False by default."""
    info = Types.STRING()
    assert isinstance(info, TypeInformation)
    assert info.to_internal_type("x") == "x" and info.from_internal_type("x") == "x"
    assert info.need_conversion() is False
    assert Types.ROW([Types.INT()]).need_conversion() is True
