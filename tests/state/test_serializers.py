"""flowlab's binary format for RocksDB state: exact layouts, round trips, deterministic bytes."""
from __future__ import annotations

import datetime
import decimal

import pytest

from flowlab.common import Instant, Row, Types
from flowlab.common.row import RowKind
from flowlab.datastream.window import GlobalWindow, TimeWindow
from flowlab.runtime.state.serializers import GENERIC, serializer_for


@pytest.mark.parametrize(("t", "value", "data"), [
    (Types.LONG(), 1, b"\x00\x00\x00\x00\x00\x00\x00\x01"),
    (Types.LONG(), -1, b"\xff" * 8),
    (Types.INT(), 258, b"\x00\x00\x01\x02"),
    (Types.BOOLEAN(), True, b"\x01"),
    (Types.STRING(), "ab", b"\x02ab"),
    (Types.DOUBLE(), 1.5, b"\x3f\xf8\x00\x00\x00\x00\x00\x00"),
    (Types.TUPLE([Types.STRING(), Types.INT()]), ("a", 1), b"\x01a\x00\x00\x00\x01"),
    (Types.LIST(Types.INT()), [1, None], b"\x02\x01\x00\x00\x00\x01\x00"),
])
def test_typed_layouts_are_exact(t, value, data) -> None:
    """Fixed layouts: big-endian two's complement numbers, varint-length strings, null markers in lists."""
    assert serializer_for(t).dumps(value) == data


@pytest.mark.parametrize(("t", "value"), [
    (Types.ROW_NAMED(["a", "b"], [Types.STRING(), Types.LONG()]), Row(a="x", b=None)),
    (Types.ROW([Types.INT(), Types.STRING()]), Row.of_kind(RowKind.DELETE, 1, "y")),
    (Types.MAP(Types.STRING(), Types.LIST(Types.LONG())), {"k": [1, 2], "z": None}),
    (Types.BIG_DEC(), decimal.Decimal("-12.340")),
    (Types.BIG_INT(), -(2 ** 70)),
    (Types.INSTANT(), Instant(5, 7)),
    (Types.SQL_DATE(), datetime.date(2024, 2, 29)),
    (Types.SQL_TIME(), datetime.time(13, 4, 5, 6)),
    (Types.SQL_TIMESTAMP(), datetime.datetime(1969, 12, 31, 23, 59, 59, 999)),
    (Types.PRIMITIVE_ARRAY(Types.BYTE()), b"\x00\x7f\xff"),
    (Types.CHAR(), "é"),
])
def test_typed_values_round_trip(t, value) -> None:
    """What is written is read back equal (rows keep names and kind)."""
    s = serializer_for(t)
    back = s.loads(s.dumps(value))
    assert (back, type(back)) == (value, type(value))


def test_float_is_stored_as_32_bits_as_in_pyflink() -> None:
    """Types.FLOAT() keeps 32 bits, like PyFlink's coder: 0.1 comes back as 0.10000000149011612."""
    s = serializer_for(Types.FLOAT())
    assert s.loads(s.dumps(0.1)) == 0.10000000149011612


@pytest.mark.parametrize("value", [
    None, True, False, 0, -5, 2 ** 80, 1.25, "text", b"\x00\x01", (1, "a", (True,)), [1, [2]],
    {"a": 1, (1, 2): [None]}, Row(x=1), TimeWindow(0, 1000), GlobalWindow(), decimal.Decimal("1.5"),
])
def test_untyped_values_round_trip_with_their_python_type(value) -> None:
    """The tagged encoding keeps Python types apart (1, 1.0 and True differ) and reads back equal values."""
    back = GENERIC.loads(GENERIC.dumps(value))
    assert (back, type(back)) == (value, type(value))


def test_untyped_int_float_bool_have_different_bytes() -> None:
    """1, 1.0 and True are three keys in RocksDB, as Long, Double and Boolean are in Java."""
    assert len({GENERIC.dumps(1), GENERIC.dumps(1.0), GENERIC.dumps(True)}) == 3


def test_encodings_are_self_delimiting() -> None:
    """Two values written back to back read back as the same two values (keys concatenate safely)."""
    s = serializer_for(Types.TUPLE([Types.STRING(), Types.STRING()]))
    data = s.dumps(("a", "bc")) + s.dumps(("ab", "c"))
    first, pos = s.read(data, 0)
    assert (first, s.read(data, pos)[0]) == (("a", "bc"), ("ab", "c"))
