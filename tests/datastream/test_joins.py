"""Window join, coGroup and interval join (docs/flink-rules.md §6): exact outputs, bounds, lateness, timestamps."""
from __future__ import annotations

from typing import Any

import pytest

import flowlab
from flowlab.common import Duration, Types, WatermarkStrategy
from flowlab.datastream import (
    CoGroupFunction,
    JoinFunction,
    ProcessFunction,
    ProcessJoinFunction,
    StreamExecutionEnvironment,
)
from flowlab.datastream.window import TumblingEventTimeWindows
from flowlab.sources import ScriptedSource
from flowlab.trace.events import EventKind

LEFT = [(0, ("a", 1), 1), (1, ("a", 2), 3), (2, ("b", 3), 4), (3, ("a", 4), 12), (4, ("c", 9), 25)]
RIGHT = [(0, ("a", "x"), 2), (1, ("b", "y"), 15), (2, ("a", "z"), 8), (3, ("c", "w"), 27)]


class WithTimestamp(ProcessFunction):
    def process_element(self, value: Any, ctx: Any) -> Any:
        yield (value, ctx.timestamp())


class Pair(JoinFunction):
    def join(self, first: Any, second: Any) -> Any:
        return (first[0], first[1], second[1])


class Describe(CoGroupFunction):
    def co_group(self, first: Any, second: Any) -> Any:
        first, second = list(first), list(second)
        key = (first or second)[0][0]
        yield (key, [v for _, v in first], [v for _, v in second])


class Match(ProcessJoinFunction):
    def process_element(self, left: Any, right: Any, ctx: Any) -> Any:
        yield (left[1], right[1], ctx.get_left_timestamp(), ctx.get_right_timestamp(), ctx.get_timestamp())


def _env(parallelism: int = 2) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    env.get_config().set_auto_watermark_interval(5)
    env.set_buffer_timeout(0)
    return env


def _sources(env: StreamExecutionEnvironment, left: list, right: list) -> tuple[Any, Any]:
    ws = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0))
    return env.from_source(ScriptedSource(left), ws, "L"), env.from_source(ScriptedSource(right), ws, "R")


def _collect(ds: Any) -> list[Any]:
    with ds.execute_and_collect() as it:
        return list(it)


def _window(builder: Any) -> Any:
    return builder.where(lambda v: v[0]).equal_to(lambda v: v[0]).window(TumblingEventTimeWindows.of(10))


def test_window_join_pairs_per_key_and_window() -> None:
    """Every (left, right) pair of one key and window, left-major in arrival order, stamped window end - 1."""
    env = _env()
    left, right = _sources(env, LEFT, RIGHT)
    out = _collect(_window(left.join(right)).apply(Pair()).process(WithTimestamp()))
    a = [o for o in out if o[0][0] == "a"]
    assert a == [(("a", 1, "x"), 9), (("a", 1, "z"), 9), (("a", 2, "x"), 9), (("a", 2, "z"), 9)]
    assert sorted(out) == sorted(a + [(("c", 9, "w"), 29)])


def test_window_join_one_sided_windows_emit_nothing() -> None:
    """b has a left element in [0,10) and a right one in [10,20): no pair; a's [10,20) has only a left side."""
    env = _env(1)
    left, right = _sources(env, LEFT, RIGHT)
    out = _collect(_window(left.join(right)).apply(lambda x, y: (x[0], x[1], y[1])))
    assert {o[0] for o in out} == {"a", "c"}
    assert len(out) == 5


def test_window_join_desugars_to_maps_and_a_window() -> None:
    """The job graph shows Flink's shape: a tagging Map per input, then one Window operator."""
    env = _env()
    left, right = _sources(env, LEFT, RIGHT)
    _window(left.join(right)).apply(Pair()).print()
    names = [n.name for n in env.get_stream_graph().nodes]
    assert names.count("Map") == 2
    assert sum(n.startswith("Window(") for n in names) == 1


def test_co_group_is_called_with_an_empty_side() -> None:
    """coGroup runs per key and window even when one side has no elements."""
    env = _env()
    left, right = _sources(env, LEFT, RIGHT)
    out = _collect(_window(left.co_group(right)).apply(Describe()).process(WithTimestamp()))
    assert sorted(out) == sorted([
        (("a", [1, 2], ["x", "z"]), 9), (("b", [3], []), 9), (("a", [4], []), 19),
        (("b", [], ["y"]), 19), (("c", [9], ["w"]), 29),
    ])


def test_join_rejects_mismatched_key_types() -> None:
    """Declared key types of the two sides must be equal."""
    env = _env()
    left, right = _sources(env, LEFT, RIGHT)
    with pytest.raises(TypeError, match="keys for the two inputs are not equal"):
        left.join(right).where(lambda v: v[0], key_type=Types.STRING()).equal_to(lambda v: v[1],
                                                                                 key_type=Types.LONG())


def test_join_rejects_a_non_join_function() -> None:
    """apply() on a join needs a JoinFunction or a callable."""
    env = _env()
    left, right = _sources(env, LEFT, RIGHT)
    with pytest.raises(TypeError, match="JoinFunction"):
        _window(left.join(right)).apply(Describe())


# -- interval join --------------------------------------------------------------------------------------
ONE_LEFT = [(0, ("a", "l5"), 5)]
RIGHTS = [(0, ("a", f"r{t}"), t) for t in range(0, 11)]


def _interval(lower: int, upper: int, lower_exclusive: bool = False, upper_exclusive: bool = False,
              left: list | None = None, right: list | None = None) -> list[Any]:
    env = _env()
    ls, rs = _sources(env, left or ONE_LEFT, right or RIGHTS)
    joined = ls.key_by(lambda v: v[0]).interval_join(rs.key_by(lambda v: v[0])).between(lower, upper)
    if lower_exclusive:
        joined = joined.lower_bound_exclusive()
    if upper_exclusive:
        joined = joined.upper_bound_exclusive()
    return sorted(_collect(joined.process(Match())))


def _rights(out: list[Any]) -> list[int]:
    return [o[3] for o in out]


def test_interval_join_bounds_are_inclusive_by_default() -> None:
    """between(-2, 1): right timestamps 3..6 match a left element at 5."""
    assert _rights(_interval(-2, 1)) == [3, 4, 5, 6]


def test_interval_join_lower_bound_exclusive() -> None:
    """lower_bound_exclusive moves the lower bound up by one."""
    assert _rights(_interval(-2, 1, lower_exclusive=True)) == [4, 5, 6]


def test_interval_join_upper_bound_exclusive() -> None:
    """upper_bound_exclusive moves the upper bound down by one."""
    assert _rights(_interval(-2, 1, upper_exclusive=True)) == [3, 4, 5]


def test_interval_join_both_bounds_exclusive() -> None:
    """Both exclusive: only the open interval (3, 6)."""
    assert _rights(_interval(-2, 1, lower_exclusive=True, upper_exclusive=True)) == [4, 5]


def test_interval_join_negative_bounds_reach_into_the_past() -> None:
    """between(-4, -2) joins rights 1..3 before the left at 5."""
    assert _rights(_interval(-4, -2)) == [1, 2, 3]


def test_interval_join_positive_bounds_and_durations() -> None:
    """Bounds may be Durations; between(2, 4) joins rights 7..9."""
    assert _rights(_interval(Duration.of_millis(2), Duration.of_millis(4))) == [7, 8, 9]


def test_interval_join_output_timestamp_is_the_max_of_both() -> None:
    """The pair's timestamp (and ctx.get_timestamp()) is max(left ts, right ts)."""
    env = _env()
    ls, rs = _sources(env, ONE_LEFT, RIGHTS)
    out = (ls.key_by(lambda v: v[0]).interval_join(rs.key_by(lambda v: v[0])).between(-2, 1)
           .process(Match()).process(WithTimestamp()))
    got = sorted(_collect(out))
    assert [(v[1], v[4], ts) for v, ts in got] == [("r3", 5, 5), ("r4", 5, 5), ("r5", 5, 5), ("r6", 6, 6)]


def test_interval_join_lower_above_upper_is_rejected() -> None:
    """lower > upper fails when the join is built."""
    env = _env()
    ls, rs = _sources(env, ONE_LEFT, RIGHTS)
    with pytest.raises(ValueError, match="lowerBound <= upperBound"):
        ls.key_by(lambda v: v[0]).interval_join(rs.key_by(lambda v: v[0])).between(3, -3)


def test_interval_join_needs_keyed_streams() -> None:
    """The other side must be a KeyedStream too."""
    env = _env()
    ls, rs = _sources(env, ONE_LEFT, RIGHTS)
    with pytest.raises(TypeError, match="two keyed streams"):
        ls.key_by(lambda v: v[0]).interval_join(rs)


def test_interval_join_drops_late_records() -> None:
    """A record with ts < the operator's watermark is dropped, counted and traced, even if it would match."""
    left = [(0, ("a", "l10"), 10), (50, ("a", "l3"), 3)]
    right = [(0, ("a", "r20"), 20), (40, ("a", "r12"), 12)]
    env = _env(1)
    ls, rs = _sources(env, left, right)
    (ls.key_by(lambda v: v[0]).interval_join(rs.key_by(lambda v: v[0])).between(-10, 10)
     .process(Match()).add_sink(lambda v: None))
    sim = flowlab.Simulation(env)
    sim.run()
    late = [e for e in sim.events() if e.kind == EventKind.LATE_RECORD]
    assert len(late) == 1 and "l3" in late[0].detail
    assert _rights(_interval(-10, 10, left=left, right=right)) == [12, 20]


def test_interval_join_needs_timestamps() -> None:
    """Elements without event timestamps fail the job with Flink's message."""
    env = StreamExecutionEnvironment.get_execution_environment()
    a, b = env.from_collection([("a", 1)]), env.from_collection([("a", 2)])
    out = a.key_by(lambda v: v[0]).interval_join(b.key_by(lambda v: v[0])).between(-1, 1).process(Match())
    with pytest.raises(Exception, match="need to have meaningful timestamps"):
        _collect(out)


def test_joins_replay_identically_after_time_travel() -> None:
    """Stepping back and re-running a join job reproduces the same outputs and trace."""
    def build() -> StreamExecutionEnvironment:
        env = _env()
        ls, rs = _sources(env, ONE_LEFT, RIGHTS)
        ls.key_by(lambda v: v[0]).interval_join(rs.key_by(lambda v: v[0])).between(-2, 1).process(Match()).print()
        l2, r2 = _sources(env, LEFT, RIGHT)
        _window(l2.join(r2)).apply(Pair()).print()
        return env

    sim = flowlab.Simulation(build(), snapshot_interval=5)
    sim.run()
    lines, digest = sim.printed_lines(), sim.trace_digest()
    sim.back(sim.step_count // 2)
    sim.run()
    assert sim.printed_lines() == lines and sim.trace_digest() == digest
