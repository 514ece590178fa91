"""State values in checkpoints: JSON with tagged values, pickle only for what is not plain data."""
from __future__ import annotations

import datetime
import decimal
import json
import threading

import pytest

from flowlab.common import Row
from flowlab.common.time import Instant
from flowlab.datastream.window import CountWindow, GlobalWindow, TimeWindow
from flowlab.runtime.keys import TypedKey
from flowlab.runtime.state.snapshot_codec import (
    PickleRefusedError,
    UnwritableStateError,
    decode,
    encode,
    to_plain,
    uses_pickle,
)


class Point:
    def __init__(self, x: int) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other.x == self.x


PLAIN = [None, True, 7, 2 ** 70, -0.5, "ü", [1, (2, 3)], {1: "a", ("k", 2): [None]}, {3, 1, 2}, frozenset({"x"}),
         b"\x00\xff", bytearray(b"ab"), float("inf"), decimal.Decimal("1.50"), datetime.date(2024, 2, 29),
         datetime.time(12, 30), datetime.datetime(2024, 1, 2, 3, 4, 5), Instant(5, 7), TimeWindow(0, 1000),
         GlobalWindow(), CountWindow(3), TypedKey(1.0), TypedKey((True, 2))]


@pytest.mark.parametrize("value", PLAIN, ids=[repr(v)[:30] for v in PLAIN])
def test_plain_values_round_trip_without_pickle(value: object) -> None:
    """Every value a Types.* type describes (and windows, typed keys) survives and needs no pickle."""
    data = encode(value)
    assert not uses_pickle(json.loads(data))
    back = decode(data)
    assert back == value and type(back) is type(value)


def test_rows_keep_their_fields_and_kind() -> None:
    """A named Row comes back with its field names and row kind."""
    row = Row(name="a", n=2)
    back = decode(encode(row))
    assert (back.as_dict(), back.get_row_kind(), type(back)) == ({"name": "a", "n": 2}, row.get_row_kind(), Row)


def test_nan_is_tagged_and_json_stays_standard() -> None:
    """NaN cannot be JSON: it is written as a tagged float."""
    assert to_plain(float("nan")) == {"F": "nan"}
    assert str(decode(encode(float("nan")))) == "nan"


def test_sets_encode_the_same_whatever_their_insertion_order() -> None:
    """A set's bytes do not depend on hash or insertion order."""
    assert encode({"b", "a", "c"}) == encode({"c", "a", "b"}) == b'{"s":["a","b","c"]}'


def test_other_objects_are_pickled_and_refused_unless_allowed() -> None:
    """A user object is pickled; decoding it needs explicit trust, since unpickling runs code."""
    data = encode(Point(3))
    assert uses_pickle(json.loads(data))
    with pytest.raises(PickleRefusedError, match="flowlab.checkpointing.unpickle-foreign-files: true"):
        decode(data, source="chk-1/_metadata")
    assert decode(data, allow_pickle=True) == Point(3)


def test_a_value_neither_plain_nor_picklable_is_refused_with_its_type() -> None:
    """A lock in state cannot be checkpointed: the error names its type and what to keep instead."""
    with pytest.raises(UnwritableStateError, match=r"a state value of type lock .* Keep plain values in state"):
        encode([threading.Lock()])
