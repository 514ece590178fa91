"""Tests for flowlab.common.row: PyFlink's Row and RowKind."""

import pickle

import pytest

from flowlab.common.row import Row, RowKind


def test_row_kind_short_strings():
    """RowKind short strings are +I, -U, +U, -D (also its str, as in PyFlink)."""
    assert [kind.short_string() for kind in RowKind] == ["+I", "-U", "+U", "-D"]
    assert str(RowKind.UPDATE_AFTER) == "+U"


def test_row_kind_byte_values():
    """RowKind values are Java's byte values 0..3."""
    assert [kind.value for kind in RowKind] == [0, 1, 2, 3]
    assert RowKind.DELETE.to_byte_value() == 3


def test_positional_row_repr():
    """A positional row prints as PyFlink prints it: <Row(1, 'x')>."""
    assert repr(Row(1, "x")) == "<Row(1, 'x')>"


def test_named_row_repr_keeps_keyword_order():
    """A named row prints its fields in the order given (PyFlink 2.x no longer sorts them)."""
    assert repr(Row(b="x", a=1)) == "Row(b='x', a=1)"


def test_row_rejects_args_and_kwargs_together():
    """Mixing positional and named fields raises ValueError."""
    with pytest.raises(ValueError, match="both args and kwargs"):
        Row(1, a=2)


def test_index_access_by_int_slice_and_name():
    """Fields are reachable by position, slice and name."""
    row = Row(word="a", count=3)
    assert (row[0], row[1], row[:1], row["count"]) == ("a", 3, ["a"], 3)


def test_attribute_access_by_name():
    """Named fields are reachable as attributes; unknown names raise AttributeError."""
    row = Row(word="a", count=3)
    assert row.word == "a" and row.count == 3
    with pytest.raises(AttributeError):
        _ = row.missing


def test_unknown_field_name_raises_value_error():
    """An unknown field name in [] raises ValueError, as PyFlink does."""
    with pytest.raises(ValueError):
        _ = Row(a=1)["b"]


def test_setitem_by_position_and_name():
    """Fields can be replaced by position and by name."""
    row = Row(a=1, b=2)
    row[0] = 10
    row["b"] = 20
    assert row.as_dict() == {"a": 10, "b": 20}


def test_rows_reject_new_attributes():
    """Setting an attribute that is not a row internal raises AttributeError."""
    with pytest.raises(AttributeError):
        Row(a=1).a = 5


def test_values_and_fields_internals():
    """_values holds the values; _fields the names, absent on positional rows."""
    assert Row(a=1, b=2)._values == [1, 2]
    assert Row(a=1, b=2)._fields == ["a", "b"]
    assert not hasattr(Row(1, 2), "_fields")


def test_as_dict_flat_and_recursive():
    """as_dict maps names to values; recursive turns nested rows into dicts."""
    row = Row(key=1, value=Row(name="a", age=2))
    assert row.as_dict() == {"key": 1, "value": Row(name="a", age=2)}
    assert row.as_dict(True) == {"key": 1, "value": {"name": "a", "age": 2}}


def test_as_dict_of_positional_row_raises():
    """A positional row cannot become a dict."""
    with pytest.raises(TypeError):
        Row(1, 2).as_dict()


def test_row_kind_defaults_to_insert_and_can_be_set():
    """A new row is INSERT; set_row_kind changes it."""
    row = Row(1)
    assert row.get_row_kind() is RowKind.INSERT
    row.set_row_kind(RowKind.DELETE)
    assert row.get_row_kind() is RowKind.DELETE


def test_of_kind_builds_a_row_of_that_kind():
    """Row.of_kind makes a row with the given kind."""
    assert Row.of_kind(RowKind.UPDATE_BEFORE, 1, 2).get_row_kind() is RowKind.UPDATE_BEFORE


def test_set_field_names_names_a_positional_row():
    """set_field_names turns a positional row into a named one."""
    row = Row(1, "x")
    row.set_field_names(["n", "s"])
    assert row.s == "x" and repr(row) == "Row(n=1, s='x')"


def test_get_fields_by_names_reorders():
    """get_fields_by_names returns values in the order asked."""
    assert Row(a=1, b=2, c=3).get_fields_by_names(["c", "a"]) == [3, 1]


def test_equality_includes_kind():
    """Rows with the same values but different kinds are not equal."""
    assert Row(1, 2) == Row(1, 2)
    assert Row(1, 2) != Row.of_kind(RowKind.DELETE, 1, 2)


def test_named_rows_compare_by_name_not_order():
    """Named rows with the same name→value pairs are equal whatever the order (PyFlink 2.x)."""
    assert Row(a=1, b=2) == Row(b=2, a=1)
    assert hash(Row(a=1, b=2)) == hash(Row(b=2, a=1))


def test_named_and_positional_rows_differ():
    """A named row never equals a positional one, nor a plain tuple."""
    assert Row(a=1) != Row(1)
    assert Row(1, 2) != (1, 2)


def test_equal_rows_hash_alike():
    """Equal positional rows have equal hashes and work as dict keys."""
    assert {Row(1, "x"): "v"}[Row(1, "x")] == "v"


def test_len_iter_and_contains():
    """len counts fields, iteration yields values; `in` checks names on named rows, values otherwise."""
    assert len(Row(1, 2, 3)) == 3
    assert list(Row(a=1, b=2)) == [1, 2]
    assert "a" in Row(a=1) and 1 not in Row(a=1)
    assert 1 in Row(1, 2)


def test_row_as_factory():
    """Row("x", "y") is a factory: calling it makes named rows."""
    Point = Row("x", "y")
    point = Point(1, 2)
    assert point == Row(x=1, y=2)
    assert repr(Point) == "<Row('x', 'y')>"


def test_factory_rejects_too_many_values():
    """A row factory given more values than names raises ValueError."""
    with pytest.raises(ValueError, match="expected 2 values"):
        Row("x", "y")(1, 2, 3)


def test_pickle_round_trip_keeps_names_and_kind():
    """Pickling a row keeps its values, names and kind."""
    row = Row.of_kind(RowKind.UPDATE_AFTER, a=1, b="x")
    copy = pickle.loads(pickle.dumps(row))
    assert copy == row and copy._fields == ["a", "b"] and copy.get_row_kind() is RowKind.UPDATE_AFTER
