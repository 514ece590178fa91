"""UpsertSink (flowlab's idempotent sink): rows overwritten by key; after a restore the replayed writes repeat
the same values, so the table ends as without the failure."""
from __future__ import annotations

from typing import Any

import flowlab
from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream.connectors.number_seq import NumberSequenceSource
from flowlab.datastream.connectors.upsert import UpsertSink, UpsertTable
from tests.connectors.helpers import env_with, restored_from, run_to_checkpoint

PAIR = Types.TUPLE([Types.STRING(), Types.LONG()])


def _job(table: UpsertTable, interval: int | None = 10) -> Any:
    """Readings 1..40 of three sensors (number n belongs to sensor n % 3): the table keeps each sensor's last."""
    env = env_with(1, interval)
    (env.from_source(NumberSequenceSource(1, 40), WatermarkStrategy.no_watermarks(), "readings")
        .map(lambda n: (f"s{n % 3}", n), output_type=PAIR).set_processing_cost(0.5)
        .sink_to(UpsertSink(table, key_selector=lambda r: r[0], value_selector=lambda r: r[1])))
    return env


def test_each_key_keeps_its_last_value() -> None:
    """The table holds one row per key, the value of the key's last record."""
    table = UpsertTable("last")
    result = _job(table, interval=None).execute()
    assert table.contents(result) == {"s1": 40, "s2": 38, "s0": 39}


def test_writes_reach_the_table_one_network_latency_later_and_overwrite() -> None:
    """The history lists every write with the value it replaced; the first arrives at 1 ms (written at 0, the
    RPC takes 1 ms), the next ones 0.5 ms apart (the map's cost) plus the chain's 2 µs."""
    table = UpsertTable("last")
    result = _job(table, interval=None).execute()
    history = table.history(result)
    assert len(history) == 40
    assert history[:4] == [(1.0, "s1", 1, None), (1.502, "s2", 2, None), (2.004, "s0", 3, None),
                           (2.506, "s1", 4, 1)]


def test_a_restore_rewrites_the_same_values_and_ends_as_without_the_failure() -> None:
    """Restored from checkpoint 1 after running on, the job writes records 23.. again: the replayed writes
    replace values with themselves (idempotent), and the table ends equal to a failure-free run's."""
    clean = UpsertTable("last")
    expected = clean.contents(_job(clean).execute())
    table = UpsertTable("last")
    crashed = flowlab.Simulation(_job(table))
    checkpoint = run_to_checkpoint(crashed, 1)
    crashed.run(until_ms=15)
    assert table.contents(crashed) == {"s1": 28, "s2": 26, "s0": 27}
    carried = table.from_run(crashed)
    with restored_from(checkpoint):
        sim = flowlab.Simulation(_job(carried))
        sim.run()
    assert carried.contents(sim) == expected
    replayed = [(k, v, old) for _, k, v, old in carried.history(sim)][:3]
    assert replayed == [("s2", 23, 26), ("s0", 24, 27), ("s1", 25, 28)]      # for a moment older than before
