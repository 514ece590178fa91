"""Watermarks through running jobs: generation, forwarding, combining channels, idleness, end of input."""
from __future__ import annotations

from typing import Any

import pytest

import flowlab
from flowlab.common import Duration, TimestampAssigner, Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.functions import CoMapFunction, ProcessWindowFunction
from flowlab.datastream.window import TumblingEventTimeWindows
from flowlab.runtime import JobExecutionException
from flowlab.sources import ScriptedSource

MAX = 2**63 - 1
MONO = WatermarkStrategy.for_monotonous_timestamps()


def _env(parallelism: int = 1, interval: int | None = 5) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    if interval is not None:
        env.get_config().set_auto_watermark_interval(interval)
    env.set_buffer_timeout(0)
    return env


def _run(env: StreamExecutionEnvironment) -> flowlab.Simulation:
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    return sim


def _vertex(sim: flowlab.Simulation, name: str) -> str:
    (vid,) = [v["id"] for v in sim.snapshot()["vertices"] if v["name"] == name or v["name"].startswith(name + " ")]
    return vid


def _emitted(sim: flowlab.Simulation, operator: str) -> list[tuple[float, int]]:
    """(virtual ms, watermark) that the operator named ``operator`` emitted itself (sources, assigners)."""
    return [(e.time_ms, e.data["watermark"]) for e in sim.events()
            if e.kind == "watermark" and e.detail.startswith(f"{operator} emits Watermark(")]


def _input(sim: flowlab.Simulation, name: str, subtask: int = 0, input_number: int = 1) -> list[int]:
    """The successive combined input watermarks of one subtask of vertex ``name``."""
    vid = _vertex(sim, name)
    out: list[int] = []
    last = -(2**63)
    for e in sim.events():
        if (e.kind == "watermark" and e.vertex == vid and e.subtask == subtask and e.data
                and "combined" in e.data and e.data["input"] == input_number and e.data["combined"] != last):
            last = e.data["combined"]
            out.append(last)
    return out


def _probe(ds: Any) -> None:
    ds.map(lambda x: x).name("probe").disable_chaining().map(lambda x: x).name("probe2").disable_chaining()


class _Second(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[1]


class _Punctuated:
    """Emits the record's timestamp as watermark for records whose value is 'wm'."""

    def on_event(self, event: Any, event_timestamp: int, output: Any) -> None:
        if event == "wm":
            output.emit_watermark(event_timestamp)

    def on_periodic_emit(self, output: Any) -> None:
        pass


class _Scripted:
    """Emits, per record, the watermark the record carries as its value (may go backwards)."""

    def on_event(self, event: Any, event_timestamp: int, output: Any) -> None:
        output.emit_watermark(event)

    def on_periodic_emit(self, output: Any) -> None:
        pass


# -- generation at the source ---------------------------------------------------------------------
def test_source_never_sends_long_min_and_only_rising_watermarks() -> None:
    """No watermark before the first event; a repeated candidate is not sent again; input ends with MAX."""
    env = _env()
    env.from_source(ScriptedSource([(100, "a", 10), (150, "b", 10)]), MONO, "src")
    assert _emitted(_run(env), "Source: src") == [(105, 9), (200, MAX)]


def test_bounded_out_of_orderness_at_the_source() -> None:
    """Periodic watermarks are max ts - delay - 1, computed at each 5 ms tick."""
    env = _env()
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(50))
    env.from_source(ScriptedSource([(0, "a", 1000), (50, "b", 800), (100, "c", 1200)]), strategy, "src")
    assert _emitted(_run(env), "Source: src") == [(5, 949), (105, 1149), (150, MAX)]


def test_default_auto_watermark_interval_is_200_virtual_ms() -> None:
    """Without configuration the periodic emit runs every 200 ms of virtual time."""
    env = _env(interval=None)
    env.from_source(ScriptedSource([(0, "a", 10), (250, "b", 20), (450, "c", 30)]), MONO, "src")
    assert _emitted(_run(env), "Source: src") == [(200, 9), (400, 19), (600, 29), (650, MAX)]


def test_zero_interval_disables_periodic_watermarks() -> None:
    """With interval 0 only the final periodic emit at end of input and MAX are sent."""
    env = _env(interval=0)
    env.from_source(ScriptedSource([(0, "a", 10), (250, "b", 20), (450, "c", 30)]), MONO, "src")
    assert _emitted(_run(env), "Source: src") == [(650, 29), (650, MAX)]


def test_no_watermarks_sends_only_max() -> None:
    """``no_watermarks`` at the source: downstream sees only the end-of-input MAX."""
    env = _env()
    src = env.from_source(ScriptedSource([(0, "a", 10), (50, "b", 20)]), WatermarkStrategy.no_watermarks(), "src")
    _probe(src)
    assert _input(_run(env), "probe") == [MAX]


def test_punctuated_generator_emits_on_events() -> None:
    """A ``for_generator`` generator emitting in ``on_event`` sends the watermark at the record's arrival."""
    env = _env()
    src = [(0, "x", 5), (50, "wm", 20), (100, "x", 30), (150, "wm", 40)]
    env.from_source(ScriptedSource(src), WatermarkStrategy.for_generator(_Punctuated), "src")
    assert _emitted(_run(env), "Source: src") == [(50, 20), (150, 40), (200, MAX)]


def test_generator_watermarks_that_go_back_are_not_sent() -> None:
    """A generator emitting 20, 10, 30 sends 20 and 30 only (strictly rising)."""
    env = _env()
    src = [(0, 20, 0), (50, 10, 0), (100, 30, 0)]
    env.from_source(ScriptedSource(src), WatermarkStrategy.for_generator(_Scripted), "src")
    assert _emitted(_run(env), "Source: src") == [(0, 20), (100, 30), (150, MAX)]


def test_timestamp_assigner_callable() -> None:
    """A callable assigner supplies the timestamps the generator sees."""
    env = _env()
    strategy = MONO.with_timestamp_assigner(lambda v, ts: v[1] * 10)
    env.from_source(ScriptedSource([(0, ("a", 3)), (50, ("b", 7))]), strategy, "src")
    assert _emitted(_run(env), "Source: src") == [(5, 29), (55, 69), (100, MAX)]


def test_timestamp_assigner_object() -> None:
    """A ``TimestampAssigner`` overrides the record's own timestamp."""
    env = _env()
    strategy = MONO.with_timestamp_assigner(_Second())
    env.from_source(ScriptedSource([(0, ("a", 3), 999), (50, ("b", 7), 999)]), strategy, "src")
    assert _emitted(_run(env), "Source: src") == [(5, 2), (55, 6), (100, MAX)]


# -- mid-pipeline assigner ------------------------------------------------------------------------
def test_mid_pipeline_assigner_drops_upstream_watermarks_except_max() -> None:
    """Upstream watermarks stop at ``assign_timestamps_and_watermarks``; only MAX passes."""
    env = _env()
    src = env.from_source(ScriptedSource([(0, "a", 10), (50, "b", 20)]), MONO, "src")
    _probe(src.assign_timestamps_and_watermarks(WatermarkStrategy.no_watermarks()))
    sim = _run(env)
    assert _emitted(sim, "Source: src") == [(5, 9), (55, 19), (100, MAX)]
    assert _emitted(sim, "Timestamps/Watermarks") == [(100, MAX)]
    assert _input(sim, "probe") == [MAX]


def test_mid_pipeline_assigner_emits_its_own_watermarks() -> None:
    """The mid-pipeline assigner generates watermarks from the timestamps it assigns."""
    env = _env()
    src = env.from_source(ScriptedSource([(0, ("a", 10)), (50, ("b", 20))]), WatermarkStrategy.no_watermarks(), "src")
    _probe(src.assign_timestamps_and_watermarks(MONO.with_timestamp_assigner(_Second())))
    assert _input(_run(env), "probe") == [9, 19, MAX]


# -- forwarding and combining ---------------------------------------------------------------------
def test_watermark_is_broadcast_to_every_downstream_subtask() -> None:
    """All records go to one key, yet each of the 3 downstream subtasks receives every watermark."""
    env = _env()
    src = env.from_source(ScriptedSource([(0, ("k", 10)), (50, ("k", 20))]), MONO.with_timestamp_assigner(_Second()),
                          "src")
    src.key_by(lambda r: r[0], key_type=Types.STRING()).map(lambda x: x).name("probe").set_parallelism(3)
    sim = _run(env)
    assert [_input(sim, "probe", i) for i in range(3)] == [[9, 19, MAX]] * 3
    assert sorted(st["records_in"] for st in sim.snapshot()["vertices"][1]["subtasks"]) == [0, 0, 2]


def _two_sources(env: StreamExecutionEnvironment) -> tuple[Any, Any]:
    a = env.from_source(ScriptedSource([(0, "a", 100), (200, "a", 300)], end_ms=1000), MONO, "A")
    b = env.from_source(ScriptedSource([(0, "b", 10), (400, "b", 50)], end_ms=1000), MONO, "B")
    return a, b


class _Identity(CoMapFunction):
    def map1(self, value: Any) -> Any:
        return value

    def map2(self, value: Any) -> Any:
        return value


def test_connect_operator_forwards_min_of_both_inputs() -> None:
    """A co-map forwards min(input 1, input 2), only when it rises: 9, 49, MAX (never 99 or 299)."""
    env = _env()
    a, b = _two_sources(env)
    _probe(a.connect(b).map(_Identity()).name("co"))
    sim = _run(env)
    assert (_input(sim, "co", input_number=1), _input(sim, "co", input_number=2)) == ([99, 299, MAX], [9, 49, MAX])
    assert _input(sim, "probe") == [9, 49, MAX]


def test_union_takes_min_over_all_channels() -> None:
    """After a union the operator's watermark is the min over the channels of both inputs."""
    env = _env()
    a, b = _two_sources(env)
    _probe(a.union(b))
    assert _input(_run(env), "probe") == [9, 49, MAX]


def _partitioned(strategy: WatermarkStrategy) -> flowlab.Simulation:
    env = _env()
    busy = [(0, "p0", 10), (100, "p0", 100), (200, "p0", 200), (300, "p0", 300)]
    quiet = [(0, "p1", 5)]
    src = env.from_source(ScriptedSource(partitions=[busy, quiet], end_ms=1000), strategy, "src").set_parallelism(2)
    _probe(src)      # "probe2" shows what the probe forwards (a status change leaves no "combined" in the trace)
    return _run(env)


def test_silent_partition_stalls_the_downstream_watermark() -> None:
    """A partition that stops early (input ends only at 1000 ms) holds the min at 4 until MAX."""
    sim = _partitioned(MONO)
    assert _input(sim, "probe") == [4, MAX]
    assert _emitted(sim, "Source: src")[:3] == [(5, 9), (5, 4), (105, 99)]


def test_idleness_releases_a_silent_partition() -> None:
    """With ``with_idleness(150 ms)`` the quiet split goes idle at 165 ms and the min follows the busy one."""
    sim = _partitioned(MONO.with_idleness(Duration.of_millis(150)))
    assert _input(sim, "probe2") == [4, 99, 199, 299, MAX]
    idle = [(e.time_ms, e.subtask) for e in sim.events() if e.kind == "watermark" and e.data == {"idle": True}
            and e.vertex == _vertex(sim, "Source: src")]
    assert idle == [(165, 1), (465, 0)]


# -- end of input, timers, errors -----------------------------------------------------------------
class _Describe(ProcessWindowFunction):
    def process(self, key: Any, context: Any, elements: Any) -> Any:
        w = context.window()
        yield (key, w.start, w.end, [e[1] for e in elements])


def _window_job(env: StreamExecutionEnvironment, records: list[tuple[int, Any, int]]) -> Any:
    src = env.from_source(ScriptedSource(records), MONO, "src")
    return (src.key_by(lambda r: r[0], key_type=Types.STRING()).window(TumblingEventTimeWindows.of(10))
            .process(_Describe()).name("win"))


def test_bounded_input_ends_with_max_which_fires_remaining_windows() -> None:
    """The last window [20, 30) fires only on the final MAX watermark."""
    env = _env()
    _window_job(env, [(0, ("a", 1), 1), (50, ("a", 2), 12), (100, ("a", 3), 25)])
    sim = _run(env)
    fires = [(d["window_start"], d["window_end"], d["watermark"]) for d in
             (e.data for e in sim.events() if e.kind == "window_fire")]
    assert fires == [(0, 10, 11), (10, 20, 24), (20, 30, MAX)]


def test_window_result_precedes_the_watermark_downstream() -> None:
    """Timers fire before the watermark is forwarded: downstream sees each result before its watermark."""
    env = _env()
    _probe(_window_job(env, [(0, ("a", 1), 1), (50, ("a", 2), 12), (100, ("a", 3), 25)]))
    sim = _run(env)
    vid = _vertex(sim, "probe")
    seen = []
    for e in sim.events():
        if e.vertex == vid and e.kind == "process" and not e.detail.startswith("EndOfPartition"):
            seen.append("record")
        elif e.vertex == vid and e.kind == "watermark" and e.data.get("combined") is not None:
            seen.append(e.data["watermark"])
    assert seen == [0, "record", 11, "record", 24, "record", MAX]


@pytest.mark.parametrize("bad", [None, "12"])
def test_timestamp_assigner_must_return_an_int(bad: Any) -> None:
    """An assigner returning None or a str fails the job, saying it must return an int."""
    env = _env()
    strategy = MONO.with_timestamp_assigner(lambda v, ts: bad)
    ds = env.from_source(ScriptedSource([(0, "a")]), strategy, "src")
    with pytest.raises(JobExecutionException, match="it must return the event time in milliseconds as an int"):
        with ds.execute_and_collect() as it:
            list(it)


def test_event_time_window_without_timestamps_fails_like_flink() -> None:
    """An event-time window on records without timestamps fails with Flink's Long.MIN_VALUE message."""
    env = _env()
    src = env.from_source(ScriptedSource([(0, ("a", 1))]), WatermarkStrategy.no_watermarks(), "src")
    out = src.key_by(lambda r: r[0], key_type=Types.STRING()).window(TumblingEventTimeWindows.of(10)).sum(1)
    with pytest.raises(JobExecutionException, match="Record has Long.MIN_VALUE timestamp"):
        with out.execute_and_collect() as it:
            list(it)


def test_connect_input_going_idle_releases_the_other_input_at_once() -> None:
    """When input 2 goes idle at 165 ms the co-operator forwards input 1's watermark 99 right away."""
    env = _env()
    strategy = MONO.with_idleness(Duration.of_millis(150))
    busy = [(0, "a", 10), (100, "a", 100), (200, "a", 200), (300, "a", 300)]
    a = env.from_source(ScriptedSource(busy, end_ms=1000), strategy, "A")
    b = env.from_source(ScriptedSource([(0, "b", 5)], end_ms=1000), strategy, "B")
    _probe(a.connect(b).map(_Identity()).name("co"))
    assert _input(_run(env), "probe") == [4, 99, 199, 299, MAX]
