"""Keyed state as Flink and PyFlink define it, identical on the heap and the RocksDB backend."""
from __future__ import annotations

import pytest

from flowlab.common import Types
from flowlab.datastream import AggregateFunction
from flowlab.datastream.state import (
    AggregatingStateDescriptor,
    ListStateDescriptor,
    MapStateDescriptor,
    ReducingStateDescriptor,
    ValueStateDescriptor,
)
from tests.state.state_jobs import BACKENDS, failure_of, run_script


class Avg(AggregateFunction):
    def create_accumulator(self):
        return (0, 0)

    def add(self, value, acc):
        return (acc[0] + value, acc[1] + 1)

    def get_result(self, acc):
        return acc[0] / acc[1]

    def merge(self, a, b):
        return (a[0] + b[0], a[1] + b[1])


@pytest.mark.parametrize("backend", BACKENDS)
def test_value_state_is_scoped_per_key_and_update_none_clears(backend: str) -> None:
    """Each key has its own value; update(None) removes it (value() is None again)."""
    out = run_script(lambda: ValueStateDescriptor("v", Types.LONG()), [
        (0, "a", "update", 1), (1, "b", "update", 2), (2, "a", "value", None), (3, "b", "value", None),
        (4, "a", "update", None), (5, "a", "value", None), (6, "b", "value", None)], backend)
    assert [r for _, op, r in out if op == "value"] == [1, 2, None, 2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_list_state_add_get_update_and_empty_update_clears(backend: str) -> None:
    """add appends; get returns [] when empty; update replaces; update([]) clears."""
    out = run_script(lambda: ListStateDescriptor("l", Types.STRING()), [
        (0, "k", "get", None), (1, "k", "add", "x"), (2, "k", "add_all", ["y", "z"]), (3, "k", "get", None),
        (4, "k", "update", ["q"]), (5, "k", "get", None), (6, "k", "update", []), (7, "k", "get", None)], backend)
    assert [r for _, op, r in out if op == "get"] == [[], ["x", "y", "z"], ["q"], []]


@pytest.mark.parametrize("backend", BACKENDS)
def test_list_state_get_returns_a_copy(backend: str) -> None:
    """Appending to the list get() returned does not change the state."""
    out = run_script(lambda: ListStateDescriptor("l"), [
        (0, "k", "add", 1), (1, "k", "mutate_get", 2), (2, "k", "get", None)], backend)
    assert out[-1] == (3, "get", [1])


@pytest.mark.parametrize("backend", BACKENDS)
def test_list_state_refuses_none_element(backend: str) -> None:
    """add(None) fails with Flink's rule, worded for Python."""
    text = failure_of(lambda: ListStateDescriptor("l"), [(0, "k", "add", None)], backend)
    assert "You cannot add None to the ListState 'l' (Flink: 'You cannot add null to a ListState.')" in text


@pytest.mark.parametrize("backend", BACKENDS)
def test_list_state_refuses_update_with_none(backend: str) -> None:
    """update(None) fails and says to use clear() or update([])."""
    text = failure_of(lambda: ListStateDescriptor("l"), [(0, "k", "update", None)], backend)
    assert ("ListState.update(None): the list of values cannot be None (Flink: 'List of values to add cannot be "
            "null.'); use clear() to remove the list, or update([]).") in text


@pytest.mark.parametrize("backend", BACKENDS)
def test_map_state_get_missing_is_none_and_none_value_is_not_contained(backend: str) -> None:
    """get of a missing key is None; a key mapped to None is listed by keys() but contains() is False (PyFlink)."""
    out = run_script(lambda: MapStateDescriptor("m", Types.STRING(), Types.INT()), [
        (0, "k", "get", "x"), (1, "k", "put", ("x", None)), (2, "k", "contains", "x"), (3, "k", "keys", None),
        (4, "k", "put", ("y", 7)), (5, "k", "contains", "y"), (6, "k", "get", "y")], backend)
    assert [r for _, _, r in out] == [None, None, False, ["x"], None, True, 7]


@pytest.mark.parametrize("backend", BACKENDS)
def test_map_state_removing_last_entry_empties_it(backend: str) -> None:
    """remove drops an entry; after the last one is_empty() is True and items() is []."""
    out = run_script(lambda: MapStateDescriptor("m", Types.STRING(), Types.INT()), [
        (0, "k", "is_empty", None), (1, "k", "put_all", {"a": 1}), (2, "k", "is_empty", None),
        (3, "k", "remove", "a"), (4, "k", "remove", "zz"), (5, "k", "is_empty", None), (6, "k", "items", None)],
        backend)
    assert [r for _, op, r in out if op in ("is_empty", "items")] == [True, False, True, []]


@pytest.mark.parametrize("backend", BACKENDS)
def test_reducing_state_reduces_and_add_none_clears(backend: str) -> None:
    """add reduces into the current value; add(None) clears it, as Java's heap state does."""
    out = run_script(lambda: ReducingStateDescriptor("r", lambda a, b: a + b, Types.LONG()), [
        (0, "k", "add", 3), (1, "k", "add", 4), (2, "k", "get", None), (3, "k", "add", None),
        (4, "k", "get", None)], backend)
    assert [r for _, op, r in out if op == "get"] == [7, None]


@pytest.mark.parametrize("backend", BACKENDS)
def test_aggregating_state_keeps_accumulator_returns_result(backend: str) -> None:
    """get returns get_result of the accumulator; clear removes it."""
    out = run_script(lambda: AggregatingStateDescriptor("avg", Avg(), Types.TUPLE([Types.LONG(), Types.LONG()])), [
        (0, "k", "get", None), (1, "k", "add", 2), (2, "k", "add", 5), (3, "k", "get", None),
        (4, "k", "clear", None), (5, "k", "get", None)], backend)
    assert [r for _, op, r in out if op == "get"] == [None, 3.5, None]


@pytest.mark.parametrize("backend", BACKENDS)
def test_value_of_wrong_type_fails_naming_state_and_type(backend: str) -> None:
    """Writing a str to Types.LONG() state fails where PyFlink would, naming the state and the types."""
    text = failure_of(lambda: ValueStateDescriptor("count", Types.LONG()), [(0, "k", "update", "ten")], backend)
    assert ("StateTypeError: state 'count' (ValueStateDescriptor) declares values of type Long, but 'ten' was "
            "written: expected Long (int), got str 'ten'. PyFlink would fail to serialize it.") in text


@pytest.mark.parametrize("backend", BACKENDS)
def test_map_key_of_wrong_type_fails(backend: str) -> None:
    """A map key that does not fit the declared key type fails."""
    text = failure_of(lambda: MapStateDescriptor("m", Types.STRING(), Types.INT()), [(0, "k", "put", (1, 2))],
                      backend)
    assert "state 'm' (MapStateDescriptor) declares keys of type String, but 1 was written" in text


@pytest.mark.parametrize("backend", BACKENDS)
def test_untyped_state_accepts_any_object(backend: str) -> None:
    """Without a type (or with PICKLED_BYTE_ARRAY) any value round-trips."""
    value = {"a": [1, 2.5, None, ("t", True)], 3: b"\x00\xff"}
    out = run_script(lambda: ValueStateDescriptor("any", Types.PICKLED_BYTE_ARRAY()), [
        (0, "k", "update", value), (1, "k", "value", None)], backend)
    assert out[-1] == (2, "value", value)
