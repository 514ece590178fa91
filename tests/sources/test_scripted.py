"""``ScriptedSource``: validation, end of input, split assignment and arrival-ordered reading."""
from __future__ import annotations

from typing import Any

import pytest

import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import ScriptedSource


def _drain(reader: Any) -> list[tuple[int, Any, int | None]]:
    """(arrival µs, value, timestamp) in the order the reader hands elements out."""
    out = []
    while (t := reader.next_arrival_us()) is not None:
        out.append((t, *reader.poll()))
    return out


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"elements": [(50, "a"), (40, "b")]}, r"split 0, element 1: arrival times must not decrease"),
    ({"partitions": [[(0, "a")], [(10, "b"), (5, "c")]]}, r"split 1, element 1: arrival times must not decrease"),
    ({"elements": [(-1, "a")]}, r"split 0, element 0: arrival_ms must be a finite number >= 0"),
    ({"elements": [("0", "a")]}, r"arrival_ms must be a finite number >= 0"),
    ({"elements": [(0,)]}, r"expected \(arrival_ms, value\) or \(arrival_ms, value, timestamp_ms\)"),
    ({"elements": [(0, "a", 1, 2)]}, r"expected \(arrival_ms, value\)"),
    ({"elements": [[0, "a"]]}, r"expected \(arrival_ms, value\)"),
    ({"elements": [(0, "a", 1.5)]}, r"timestamp_ms must be an int"),
    ({}, r"give either elements="),
    ({"elements": [(0, "a")], "partitions": [[(0, "a")]]}, r"give either elements="),
    ({"elements": [(0, "a")], "end_ms": -1}, r"end_ms must be a finite number >= 0"),
    ({"elements": [(float("nan"), "a")]}, r"split 0, element 0: arrival_ms must be a finite number >= 0 \(virtual "
                                          r"ms\), got nan"),
    ({"elements": [(0, "a"), (float("inf"), "b")]}, r"split 0, element 1: arrival_ms must be a finite number"),
    ({"elements": [(0, "a")], "end_ms": float("nan")}, r"end_ms must be a finite number >= 0 \(virtual ms\), "
                                                       r"got nan"),
    ({"elements": [(0, "a", True)]}, r"timestamp_ms must be an int, got True"),
    ({"elements": [(0, "a", 2 ** 63)]}, r"split 0, element 0: timestamp_ms 9223372036854775808 is outside Java's "
                                        r"long range"),
])
def test_invalid_scripts_are_refused(kwargs: dict[str, Any], match: str) -> None:
    """Bad shapes, negative or decreasing arrivals and bad timestamps raise ValueError naming the element."""
    with pytest.raises(ValueError, match=match):
        ScriptedSource(**kwargs)


def test_equal_arrivals_are_allowed() -> None:
    """Two elements may arrive at the same moment (arrivals must only not decrease)."""
    assert _drain(ScriptedSource([(10, "a"), (10, "b")]).create_reader(0, 1, None)) == \
        [(10_000, "a", None), (10_000, "b", None)]


def test_default_end_is_one_gap_after_the_last_element() -> None:
    """Default end of a split: last arrival + (last - previous arrival); one element: its arrival; empty: 0."""
    src = ScriptedSource(partitions=[[(0, "a"), (30, "b"), (100, "c")], [(70, "d")], []])
    assert src.split_end_us == [170_000, 70_000, 0]


def test_explicit_end_applies_to_every_split() -> None:
    """``end_ms`` sets the end of every split (µs internally)."""
    src = ScriptedSource(partitions=[[(0, "a")], [(10, "b")]], end_ms=500)
    assert src.split_end_us == [500_000, 500_000]


def test_fractional_arrivals_are_kept_in_microseconds() -> None:
    """Arrival 0.25 ms is 250 µs of virtual time."""
    assert _drain(ScriptedSource([(0.25, "a", 7)]).create_reader(0, 1, None)) == [(250, "a", 7)]


def test_splits_are_assigned_round_robin_to_subtasks() -> None:
    """Split i is read by subtask i % parallelism."""
    src = ScriptedSource(partitions=[[(0, i)] for i in range(5)])
    assert [src.create_reader(s, 2, None).split_ids for s in range(2)] == [[0, 2, 4], [1, 3]]
    assert [src.create_reader(s, 3, None).split_ids for s in range(3)] == [[0, 3], [1, 4], [2]]


def test_reader_merges_its_splits_by_arrival_time() -> None:
    """One reader reads its splits in arrival order, the lower split first on ties."""
    src = ScriptedSource(partitions=[[(0, "a0"), (20, "a1"), (40, "a2")], [(10, "b0"), (20, "b1"), (30, "b2")]])
    reader = src.create_reader(0, 1, None)
    assert [v for _, v, _ in _drain(reader)] == ["a0", "b0", "a1", "b1", "b2", "a2"]
    assert reader.position == 6


def test_reader_end_is_the_latest_end_of_its_splits() -> None:
    """A reader's input ends when the last of its splits ends."""
    src = ScriptedSource(partitions=[[(0, "a"), (10, "b")], [(0, "c")], [(50, "d"), (100, "e")]])
    assert [src.create_reader(s, 2, None).end_us for s in range(2)] == [150_000, 0]


def test_subtask_without_split_reads_nothing() -> None:
    """With more subtasks than splits the extra subtask has no element and ends at 0."""
    reader = ScriptedSource([(5, "a")]).create_reader(1, 2, None)
    assert (reader.next_arrival_us(), reader.end_us) == (None, 0)


def test_running_job_emits_each_split_on_its_subtask_at_arrival_time() -> None:
    """In a job, source subtask s emits its splits' elements at their arrival times."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    src = ScriptedSource(partitions=[[(0, "a"), (30, "b")], [(10, "c")], [(20, "d")]])
    env.from_source(src, WatermarkStrategy.no_watermarks(), "src").print()
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    emits = [(e.time_ms, e.subtask, e.detail) for e in sim.events() if e.kind == "source_emit"]
    assert emits == [(0, 0, "'a'"), (10, 1, "'c'"), (20, 0, "'d'"), (30, 0, "'b'")]


def test_input_ends_at_end_ms() -> None:
    """The source emits MAX (end of input) at ``end_ms``, not after its last element."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.from_source(ScriptedSource([(0, ("a", 1), 1)], end_ms=300), WatermarkStrategy.for_monotonous_timestamps(),
                    "src").print()
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    ends = [e.time_ms for e in sim.events() if e.kind == "watermark" and e.data == {"watermark": 2**63 - 1}]
    assert ends == [300]
