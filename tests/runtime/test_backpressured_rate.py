"""A back-pressured source emits, second by second, at the bottleneck's rate (credit-based flow control).

Flink's buffer-timeout flush only asks for the data written so far to be sent (``flushRequested``); the
filling buffer leaves when a credit is there and nothing is queued ahead of it. So a back-pressured
task keeps shipping full buffers, one per credit, and its output follows the bottleneck's pace.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

import flowlab
from flowlab.common import Configuration, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime.network.result_partition import ResultPartition
from flowlab.runtime.network.settings import NetworkSettings
from flowlab.sources import GeneratorSource

RECORDS_PER_BUFFER = 32 * 1024 // 64      # Flink's 32 KiB segments, flowlab's 64-byte records


def _job(p: int, chained: bool, rate: float, bottleneck: float) -> flowlab.Simulation:
    """Gen (``rate`` records/s) -> map (chained to Gen or not) -> sink (``bottleneck`` records/s over its p subtasks),
    default network settings, buffer timeout 100 ms."""
    env = StreamExecutionEnvironment.get_execution_environment(Configuration())
    env.set_parallelism(p)
    env.set_buffer_timeout(100)
    ds = env.from_source(GeneratorSource(records_per_second=rate), WatermarkStrategy.no_watermarks(), "Gen")
    work = ds.map(lambda v: v).name("work")
    if not chained:
        work = work.disable_chaining()
    work.add_sink(lambda v: None).name("sink").disable_chaining().set_processing_cost(1000 * p / bottleneck)
    return flowlab.Simulation(env, seed=0, record_trace=False)


def _source_seconds(sim: flowlab.Simulation) -> list[int]:
    """The source vertex's records out in each whole second that starts after it was first back-pressured."""
    m = sim.metrics(window_ms=1000)
    src = m[m.vertex == "v1"]
    first_bp = src[src.isBackPressured].time_ms.min()
    whole = src[(src.time_ms % 1000 == 0) & (src.time_ms >= first_bp + 1000)]
    return [round(r) for r in whole.groupby("time_ms").numRecordsOutPerSecond.sum()]


@pytest.mark.parametrize(("p", "chained"), [(1, True), (1, False), (2, True), (2, False)])
def test_backpressured_source_emits_the_bottleneck_rate_every_second(p: int, chained: bool) -> None:
    """9000 records/s behind a 6000 records/s sink: once the buffers are full, every second's numRecordsOut of the
    source lies within ±20 % of 6000 (it moves in whole 512-record buffers, so a second holds 5120 to 6144)."""
    sim = _job(p, chained, 9000, 6000)
    sim.run(until_ms=20_000)
    seconds = _source_seconds(sim)
    assert len(seconds) >= 6
    assert all(4800 <= n <= 7200 for n in seconds), seconds


def test_issue_scenario_source_ships_one_full_buffer_per_credit() -> None:
    """3000 records/s behind a 2000 records/s sink (p=1): each back-pressured second carries 3 or 4 full buffers
    (1536 or 2048 records, 2000/512 = 3.9 on average) -- never the 4-14 records/s and the 16 000-record bursts
    that near-empty flushed buffers caused."""
    sim = _job(1, True, 3000, 2000)
    sim.run(until_ms=25_000)
    seconds = _source_seconds(sim)
    assert len(seconds) >= 12
    assert set(seconds[1:]) == {3 * RECORDS_PER_BUFFER, 4 * RECORDS_PER_BUFFER}, seconds
    assert abs(sum(seconds[1:]) / len(seconds[1:]) - 2000) <= 0.05 * 2000


def _partition(credit: int) -> tuple[ResultPartition, list[int]]:
    """A one-channel partition with 256-byte buffers (4 records each); returns it and the record counts it sends."""
    sent: list[int] = []
    network = SimpleNamespace(send=lambda sub, buf, backlog: sent.append(buf.records))
    writer = SimpleNamespace(waiting_for_output=False, name="v1[0]", vertex_id="v1", index=0)
    part = ResultPartition(writer, network, 0, [0], NetworkSettings({"taskmanager.memory.segment-size": "256b"}, 100))
    part.subpartitions[0].credit = credit
    return part, sent


def _emit(part: ResultPartition, n: int) -> None:
    for i in range(n):
        part.emit(0, (i, None), 64, True)


def test_flush_without_credit_keeps_filling_the_same_buffer() -> None:
    """No credit: a flush sends nothing and ends no buffer; the records written afterwards join the same buffer,
    which leaves full when it fills and a credit comes."""
    part, sent = _partition(credit=0)
    _emit(part, 1)
    part.flush_all()
    _emit(part, 3)
    sub = part.subpartitions[0]
    assert (sent, part.buffers_in_use, len(sub.queue)) == ([], 1, 1)
    part.on_credit(0, 1)
    assert sent == [4]


def test_flush_with_credit_sends_the_filling_buffer() -> None:
    """With a credit and nothing queued, a flush sends the records written so far at once."""
    part, sent = _partition(credit=1)
    _emit(part, 2)
    part.flush_all()
    assert (sent, part.buffers_in_use) == ([2], 0)


def test_requested_flush_waits_for_the_queue_ahead_and_a_credit() -> None:
    """A full buffer queued without credit, 1 record filling, flush: the first credit takes the full buffer, the
    second the flushed record; without the flush the record would wait for its buffer to fill."""
    part, sent = _partition(credit=0)
    _emit(part, 5)
    part.flush_all()
    part.on_credit(0, 1)
    assert sent == [4]
    part.on_credit(0, 1)
    assert (sent, part.buffers_in_use) == ([4, 1], 0)
