"""Keys are equal when Java's equals says so: every NaN is one key, 0.0 and -0.0 are two."""
from __future__ import annotations

import math

from flowlab.common import Row
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime.keys import state_key


def _running_counts(keys: list) -> list[tuple]:
    env = StreamExecutionEnvironment.get_execution_environment()
    counts = (env.from_collection([(k, 1) for k in keys]).key_by(lambda t: t[0])
              .reduce(lambda a, b: (a[0], a[1] + b[1])))
    return list(counts.execute_and_collect())


def test_nan_keys_share_their_state():
    """Double.equals(NaN, NaN) is true: the second NaN record counts 2 (it used to start again at 1)."""
    got = _running_counts([math.nan, math.nan, math.nan])
    assert [c for _, c in got] == [1, 2, 3]
    assert all(math.isnan(k) for k, _ in got)


def test_zero_and_negative_zero_are_different_keys():
    """Double.equals(0.0, -0.0) is false: each keeps its own count (they used to be merged)."""
    got = _running_counts([0.0, -0.0, 0.0, -0.0, -0.0])
    assert [(math.copysign(1, k), c) for k, c in got] == [(1, 1), (-1, 1), (1, 2), (-1, 2), (-1, 3)]


def test_tuple_keys_holding_nan_are_equal():
    """A tuple key compares field by field with Java's rule: ('a', NaN) twice is one key."""
    assert state_key(("a", math.nan)) == state_key(("a", math.nan))
    assert state_key(("a", 0.0)) != state_key(("a", -0.0))


def test_row_keys_holding_negative_zero_differ():
    """Row(0.0) and Row(-0.0) are different keys, as Row.equals compares the fields' equals."""
    assert state_key(Row(0.0)) != state_key(Row(-0.0))
    assert state_key(Row(math.nan)) == state_key(Row(math.nan))
