"""Rolling aggregations are not rolling in BATCH: one final value per key."""
from __future__ import annotations

import flowlab
from flowlab.runtime.elements import LONG_MAX
from tests.batch.jobs import env_in, kinds

ROWS = [("b", 3), ("a", 1), ("ccc", 7), ("a", 4), ("b", 2), ("ab", 5), ("a", 2)]


def _sum(mode: str, p: int = 1) -> flowlab.Simulation:
    env = env_in(mode, parallelism=p)
    env.from_collection(ROWS).key_by(lambda r: r[0]).sum(1).print()
    sim = flowlab.Simulation(env)
    sim.run()
    return sim


def test_sum_emits_only_each_keys_final_value_in_key_order() -> None:
    """4 keys, 4 rows: a, b, ab, ccc with their totals."""
    assert _sum("BATCH").printed_lines() == ["('a', 7)", "('b', 5)", "('ab', 5)", "('ccc', 7)"]


def test_streaming_sum_emits_one_row_per_record() -> None:
    """The contrast: 7 records, 7 rolling updates, in arrival order."""
    assert _sum("STREAMING").printed_lines() == ["('b', 3)", "('a', 1)", "('ccc', 7)", "('a', 5)", "('b', 5)",
                                                 "('ab', 5)", "('a', 7)"]


def test_final_values_carry_the_timers_timestamp_long_max() -> None:
    """PyFlink's batch reduce emits from an event-time timer at Long.MAX_VALUE, with that timestamp."""
    sim = _sum("BATCH")
    rows = sim.runtime.sinks[next(iter(sim.runtime.sinks))].rows
    assert {r[2] for r in rows} == {LONG_MAX}


def test_each_key_fires_one_timer_at_long_max_when_it_ends() -> None:
    """The final value leaves when the key's timer fires: one event-time timer per key."""
    sim = _sum("BATCH")
    timers = kinds(sim, "timer")
    assert [(e.data["domain"], e.data["timestamp"]) for e in timers] == [("event-time", LONG_MAX)] * 4


def test_reduce_min_max_and_max_by_are_final_only_too() -> None:
    """reduce, min, max, max_by: one row per key with the value over all its records."""
    env = env_in("BATCH")
    ds = env.from_collection(ROWS).key_by(lambda r: r[0])
    ds.reduce(lambda x, y: (x[0], x[1] * y[1])).print("product")
    ds.min(1).print("min")
    ds.max(1).print("max")
    ds.max_by(1).print("max_by")
    sim = flowlab.Simulation(env)
    sim.run()
    out = sim.printed_lines()
    assert [line for line in out if line.startswith("product")] == [
        "product> ('a', 8)", "product> ('b', 6)", "product> ('ab', 5)", "product> ('ccc', 7)"]
    assert [line for line in out if line.startswith("min>")] == [
        "min> ('a', 1)", "min> ('b', 2)", "min> ('ab', 5)", "min> ('ccc', 7)"]
    assert [line for line in out if line.startswith("max>")] == [
        "max> ('a', 4)", "max> ('b', 3)", "max> ('ab', 5)", "max> ('ccc', 7)"]
    assert [line for line in out if line.startswith("max_by")] == [
        "max_by> ('a', 4)", "max_by> ('b', 3)", "max_by> ('ab', 5)", "max_by> ('ccc', 7)"]


def test_each_subtask_emits_its_own_keys_in_key_order() -> None:
    """With parallelism 2, every subtask sorts the keys it owns; together: the same final values."""
    sim = _sum("BATCH", p=2)
    by_subtask: dict[str, list[str]] = {}
    for line in sim.printed_lines():
        prefix, value = line.split("> ")
        by_subtask.setdefault(prefix, []).append(value)
    assert by_subtask == {"1": ["('ccc', 7)"], "2": ["('a', 7)", "('b', 5)", "('ab', 5)"]}
