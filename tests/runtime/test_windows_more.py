"""Windows beyond the oracle cases: processing time, count windows, evictors, triggers, functions, errors."""
from __future__ import annotations

from typing import Any

import pytest

from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream import OutputTag, StreamExecutionEnvironment
from flowlab.datastream.functions import (
    AggregateFunction,
    ProcessWindowFunction,
    WindowFunction,
)
from flowlab.datastream.state import ValueStateDescriptor
from flowlab.datastream.window import (
    ContinuousEventTimeTrigger,
    CountEvictor,
    CountTrigger,
    EventTimeSessionWindows,
    EventTimeTrigger,
    GlobalWindows,
    PurgingTrigger,
    SlidingEventTimeWindows,
    TimeEvictor,
    TumblingEventTimeWindows,
    TumblingProcessingTimeWindows,
)
from flowlab.sources import ScriptedSource

MAX = 2**63 - 1
MONO = WatermarkStrategy.for_monotonous_timestamps()


def _env(parallelism: int = 1) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    env.get_config().set_auto_watermark_interval(5)
    env.set_buffer_timeout(0)
    return env


def _keyed(records: list[tuple], strategy: WatermarkStrategy = MONO, end_ms: int | None = None,
           parallelism: int = 1) -> Any:
    """Element i of ``records`` = (key, value[, ts]) arrives at i * 50 ms; keyed by field 0."""
    env = _env(parallelism)
    script = [(i * 50, r[:2], r[2]) if len(r) == 3 else (i * 50, r) for i, r in enumerate(records)]
    src = env.from_source(ScriptedSource(script, end_ms=end_ms), strategy, "src")
    return src.key_by(lambda r: r[0], key_type=Types.STRING())


def _collect(ds: Any) -> list[Any]:
    with ds.execute_and_collect() as it:
        return list(it)


class Describe(ProcessWindowFunction):
    """(key, start, end, values, watermark at firing)."""

    def process(self, key: Any, context: Any, elements: Any) -> Any:
        w = context.window()
        yield (key, w.start, w.end, [e[1] for e in elements], context.current_watermark())


def _add(a: tuple, b: tuple) -> tuple:
    return (a[0], a[1] + b[1])


# -- processing time and count windows ------------------------------------------------------------
def test_processing_time_tumbling_windows_follow_virtual_arrival_time() -> None:
    """Elements group by the (virtual) time they reach the window operator, not by any timestamp."""
    env = _env()
    arrivals = [(0, ("a", 1)), (30, ("a", 2)), (120, ("a", 3)), (150, ("a", 4)), (260, ("a", 5))]
    src = env.from_source(ScriptedSource(arrivals, end_ms=1000), WatermarkStrategy.no_watermarks(), "src")
    out = src.key_by(lambda r: r[0], key_type=Types.STRING()).window(TumblingProcessingTimeWindows.of(100)) \
        .process(Describe())
    assert [o[:4] for o in _collect(out)] == [("a", 0, 100, [1, 2]), ("a", 100, 200, [3, 4]), ("a", 200, 300, [5])]


def test_count_window_fires_and_purges_every_n() -> None:
    """``count_window(3)`` emits per 3 elements of a key; an incomplete last group never fires."""
    out = _keyed([("a", v) for v in range(1, 8)]).count_window(3).reduce(_add)
    assert _collect(out) == [("a", 6), ("a", 15)]


def test_count_window_is_per_key() -> None:
    """Counting is per key: each key fires after its own 2 elements."""
    out = _keyed([("a", 1), ("b", 10), ("a", 2), ("b", 20), ("a", 3)]).count_window(2).reduce(_add)
    assert _collect(out) == [("a", 3), ("b", 30)]


def test_sliding_count_window_fires_full_overlapping_windows() -> None:
    """PyFlink's ``count_window(3, 2)``: CountWindows of 3 elements starting every 2 — [1,2,3], [3,4,5], [5,6,7]."""
    out = _keyed([("a", v) for v in range(1, 8)]).count_window(3, 2).reduce(_add)
    assert _collect(out) == [("a", 6), ("a", 12), ("a", 18)]


def test_count_windows_are_numbered_per_key() -> None:
    """Each key counts its own elements: two keys interleaved still fire after 2 of their own."""
    out = _keyed([("a", 1), ("b", 10), ("a", 2), ("b", 20), ("a", 3)]).count_window(2).reduce(_add)
    assert _collect(out) == [("a", 3), ("b", 30)]


def test_global_windows_with_purging_count_trigger_equals_count_window() -> None:
    """GlobalWindows + PurgingTrigger(CountTrigger(3)) emits what count_window(3) does."""
    out = _keyed([("a", v) for v in range(1, 8)]).window(GlobalWindows.create()) \
        .trigger(PurgingTrigger.of(CountTrigger.of(3))).reduce(_add)
    assert _collect(out) == [("a", 6), ("a", 15)]


def test_global_windows_with_count_trigger_keeps_contents() -> None:
    """Without purging, every firing emits the accumulated contents."""
    out = _keyed([("a", v) for v in range(1, 8)]).window(GlobalWindows.create()) \
        .trigger(CountTrigger.of(3)).reduce(_add)
    assert _collect(out) == [("a", 6), ("a", 21)]


# -- evictors -------------------------------------------------------------------------------------
def test_count_evictor_keeps_last_n_before_the_function() -> None:
    """CountEvictor.of(2) on a tumbling window passes only the last two elements to the function."""
    out = _keyed([("a", 1, 10), ("a", 2, 20), ("a", 3, 30)]).window(TumblingEventTimeWindows.of(100)) \
        .evictor(CountEvictor.of(2)).process(Describe())
    assert _collect(out) == [("a", 0, 100, [2, 3], MAX)]


def test_time_evictor_keeps_elements_within_size_of_the_newest() -> None:
    """TimeEvictor.of(10) keeps elements with ts > max ts - 10 (ts 25 and 30 of 10, 25, 30)."""
    out = _keyed([("a", 1, 10), ("a", 2, 25), ("a", 3, 30)]).window(TumblingEventTimeWindows.of(100)) \
        .evictor(TimeEvictor.of(10)).process(Describe())
    assert _collect(out) == [("a", 0, 100, [2, 3], MAX)]


def test_evictor_with_reduce_reduces_the_kept_elements() -> None:
    """With an evictor, reduce runs over the elements left after eviction."""
    out = _keyed([("a", 1, 10), ("a", 2, 20), ("a", 3, 30)]).window(TumblingEventTimeWindows.of(100)) \
        .evictor(CountEvictor.of(2)).reduce(_add)
    assert _collect(out) == [("a", 5)]


# -- window_all: see tests/datastream/test_window_all.py -------------------------------------------


# -- triggers -------------------------------------------------------------------------------------
def test_continuous_event_time_trigger_fires_every_interval_and_at_end() -> None:
    """ContinuousEventTimeTrigger.of(10) in [0,30): fires at wm 11 (timer 10), 24 (timer 20), 39 (end 29)."""
    out = _keyed([("a", 1, 1), ("a", 2, 12), ("a", 3, 25), ("a", 4, 40)]) \
        .window(TumblingEventTimeWindows.of(30)).trigger(ContinuousEventTimeTrigger.of(10)).process(Describe())
    assert _collect(out) == [("a", 0, 30, [1, 2], 11), ("a", 0, 30, [1, 2, 3], 24), ("a", 0, 30, [1, 2, 3], 39),
                             ("a", 30, 60, [4], MAX), ("a", 30, 60, [4], MAX)]


def test_purging_event_time_trigger_refires_only_with_late_element() -> None:
    """PurgingTrigger(EventTimeTrigger) purges at the firing: a late-but-allowed element fires alone."""
    out = _keyed([("a", 1, 1), ("a", 2, 5), ("a", 3, 15), ("a", 4, 3)]) \
        .window(TumblingEventTimeWindows.of(10)).trigger(PurgingTrigger.of(EventTimeTrigger.create())) \
        .allowed_lateness(10).process(Describe())
    assert _collect(out) == [("a", 0, 10, [1, 2], 14), ("a", 0, 10, [4], 14), ("a", 10, 20, [3], MAX)]


def test_dynamic_session_gap_per_element() -> None:
    """``with_dynamic_gap``: each element's gap comes from the element; [0,5) and [4,24) merge, [30,35) apart."""
    out = _keyed([("a", 5, 0), ("a", 20, 4), ("a", 5, 30)]) \
        .window(EventTimeSessionWindows.with_dynamic_gap(lambda e: e[1])).process(Describe())
    assert _collect(out) == [("a", 0, 24, [5, 20], 29), ("a", 30, 35, [5], MAX)]


# -- window functions -----------------------------------------------------------------------------
_RECORDS = [("a", 1, 1), ("b", 10, 2), ("a", 2, 5), ("a", 4, 12), ("b", 20, 15)]


def test_reduce_emits_one_reduced_record_per_key_and_window() -> None:
    """reduce: the combined record, timestamped at window end - 1."""
    out = _keyed(_RECORDS).window(TumblingEventTimeWindows.of(10)).reduce(_add)
    assert _collect(out) == [("a", 3), ("b", 10), ("a", 4), ("b", 20)]


class _Avg(AggregateFunction):
    def create_accumulator(self) -> tuple[int, int]:
        return (0, 0)

    def add(self, value: Any, accumulator: tuple[int, int]) -> tuple[int, int]:
        return (accumulator[0] + value[1], accumulator[1] + 1)

    def get_result(self, accumulator: tuple[int, int]) -> float:
        return accumulator[0] / accumulator[1]

    def merge(self, a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        return (a[0] + b[0], a[1] + b[1])


def test_aggregate_uses_accumulator_and_result() -> None:
    """aggregate: create_accumulator/add per element, get_result at firing (an average here)."""
    out = _keyed(_RECORDS).window(TumblingEventTimeWindows.of(10)).aggregate(_Avg())
    assert _collect(out) == [1.5, 10.0, 4.0, 20.0]


class _Apply(WindowFunction):
    def apply(self, key: Any, window: Any, inputs: Any) -> Any:
        yield (key, window.start, window.end, [v for _, v in inputs])


def test_apply_gets_key_window_and_all_elements() -> None:
    """apply(WindowFunction): called with the key, the window and every buffered element."""
    out = _keyed(_RECORDS).window(TumblingEventTimeWindows.of(10)).apply(_Apply())
    assert _collect(out) == [("a", 0, 10, [1, 2]), ("b", 0, 10, [10]), ("a", 10, 20, [4]), ("b", 10, 20, [20])]


def test_aggregate_with_process_window_function_gets_one_element() -> None:
    """aggregate(agg, pwf): the PWF sees exactly the one aggregated value."""
    out = _keyed(_RECORDS).window(TumblingEventTimeWindows.of(10)).aggregate(_Avg(), Describe_one())
    assert _collect(out) == [("a", 0, 10, [1.5]), ("b", 0, 10, [10.0]), ("a", 10, 20, [4.0]), ("b", 10, 20, [20.0])]


class Describe_one(ProcessWindowFunction):  # noqa: N801 - reads as a variant of Describe
    def process(self, key: Any, context: Any, elements: Any) -> Any:
        w = context.window()
        yield (key, w.start, w.end, list(elements))


class _Counting(ProcessWindowFunction):
    """Counts firings per window (window_state) and per key (global_state), under the given state names."""

    def __init__(self, window_name: str, global_name: str) -> None:
        self.window_name, self.global_name = window_name, global_name

    def process(self, key: Any, context: Any, elements: Any) -> Any:
        per_window = context.window_state().get_state(ValueStateDescriptor(self.window_name, Types.INT()))
        per_key = context.global_state().get_state(ValueStateDescriptor(self.global_name, Types.INT()))
        per_window.update((per_window.value() or 0) + 1)
        per_key.update((per_key.value() or 0) + 1)
        yield (context.window().start, per_window.value(), per_key.value())


def _counting(window_name: str, global_name: str) -> list[Any]:
    return _collect(_keyed([("a", 1, 1), ("a", 2, 12), ("a", 3, 4), ("a", 4, 30)])
                    .window(TumblingEventTimeWindows.of(10)).allowed_lateness(10)
                    .process(_Counting(window_name, global_name)))


def test_process_window_state_is_per_window_and_global_state_per_key() -> None:
    """window_state counts the re-firings of one window; global_state counts all firings of the key."""
    assert _counting("window-fires", "key-fires") == [(0, 1, 1), (0, 2, 2), (10, 1, 3), (30, 1, 4)]


def test_window_and_global_state_may_share_a_state_name() -> None:
    """Same descriptor name in window_state() and global_state() gives two independent states (as in Flink)."""
    assert _counting("fires", "fires") == [(0, 1, 1), (0, 2, 2), (10, 1, 3), (30, 1, 4)]


_FIELDS = [("a", 3, "x", 1), ("a", 1, "y", 2), ("a", 1, "z", 3), ("a", 5, "w", 4)]


def _fields_window() -> Any:
    env = _env()
    script = [(i * 50, r[:3], r[3]) for i, r in enumerate(_FIELDS)]
    src = env.from_source(ScriptedSource(script), MONO, "src")
    return src.key_by(lambda r: r[0], key_type=Types.STRING()).window(TumblingEventTimeWindows.of(10))


@pytest.mark.parametrize(("agg", "expected"), [
    ("sum", ("a", 10, "x")),
    ("min", ("a", 1, "x")),
    ("max", ("a", 5, "x")),
    ("min_by", ("a", 1, "y")),
    ("max_by", ("a", 5, "w")),
])
def test_window_field_aggregations(agg: str, expected: tuple) -> None:
    """sum/min/max keep the other fields of the first record; min_by/max_by return a whole (first on ties) record."""
    assert _collect(getattr(_fields_window(), agg)(1)) == [expected]


# -- lateness -------------------------------------------------------------------------------------
def test_allowed_lateness_reference_example() -> None:
    """Size 10, L 5: [0,10) fires at wm 9; ts 3 at wm 13 re-fires; at wm 14 ts 3 goes to the side output."""
    tag = OutputTag("late", Types.TUPLE([Types.STRING(), Types.INT()]))
    ws = _keyed([("a", 1, 1), ("a", 2, 10), ("a", 3, 14), ("a", 4, 3), ("a", 5, 15), ("a", 6, 3)]) \
        .window(TumblingEventTimeWindows.of(10)).allowed_lateness(5).side_output_late_data(tag)
    main = ws.process(Describe())
    out = _collect(main.union(main.get_side_output(tag).map(lambda r: ("late",) + tuple(r))))
    assert out == [("a", 0, 10, [1], 9), ("a", 0, 10, [1, 4], 13), ("late", "a", 6), ("a", 10, 20, [2, 3, 5], MAX)]


def test_late_data_tag_without_type_is_accepted() -> None:
    """An OutputTag without a type works for late data (PyFlink's type_info is optional)."""
    tag = OutputTag("late")
    main = _keyed([("a", 1, 1), ("a", 2, 20), ("a", 3, 5)]).window(TumblingEventTimeWindows.of(10)) \
        .side_output_late_data(tag).reduce(_add)
    assert _collect(main.get_side_output(tag)) == [("a", 3)]


def test_late_elements_without_side_output_are_dropped_and_counted() -> None:
    """Without a late tag a late element is dropped; the operator counts it."""
    main = _keyed([("a", 1, 1), ("a", 2, 20), ("a", 3, 5)]).window(TumblingEventTimeWindows.of(10)).reduce(_add)
    assert _collect(main) == [("a", 1), ("a", 2)]


# -- errors ---------------------------------------------------------------------------------------
def test_window_on_non_keyed_stream_points_to_window_all() -> None:
    """``window()`` on a DataStream says to key_by first or use window_all."""
    env = _env()
    ds = env.from_collection([1, 2], Types.INT())
    with pytest.raises(TypeError, match="window_all"):
        ds.window(TumblingEventTimeWindows.of(10))


@pytest.mark.parametrize("make", [
    lambda: TumblingEventTimeWindows.of(0),
    lambda: TumblingEventTimeWindows.of(-10),
    lambda: SlidingEventTimeWindows.of(10, 0),
    lambda: SlidingEventTimeWindows.of(10, -5),
    lambda: SlidingEventTimeWindows.of(0, 5),
    lambda: TumblingProcessingTimeWindows.of(0),
])
def test_non_positive_size_or_slide_is_refused(make: Any) -> None:
    """Window size and slide must be > 0."""
    with pytest.raises(ValueError, match="must be > 0"):
        make()


@pytest.mark.parametrize("make", [
    lambda: TumblingEventTimeWindows.of(10, 10),
    lambda: TumblingEventTimeWindows.of(10, -10),
    lambda: SlidingEventTimeWindows.of(10, 5, 5),
])
def test_offset_not_smaller_than_size_or_slide_is_refused(make: Any) -> None:
    """|offset| must be < size (tumbling) or < slide (sliding)."""
    with pytest.raises(ValueError, match=r"\|offset\| <"):
        make()


def test_offset_just_below_size_is_accepted() -> None:
    """Offset size - 1 (and its negative) is fine and shifts the windows."""
    assert TumblingEventTimeWindows.of(10, 9).assign_windows(None, 5, None)[0].start == -1
    assert TumblingEventTimeWindows.of(10, -9).assign_windows(None, 5, None)[0].start == 1


@pytest.mark.parametrize("gap", [0, -1])
def test_session_gap_must_be_positive(gap: int) -> None:
    """A session gap <= 0 is refused."""
    with pytest.raises(ValueError, match="session gap must be > 0"):
        EventTimeSessionWindows.with_gap(gap)


def test_negative_allowed_lateness_is_refused() -> None:
    """``allowed_lateness(-1)`` raises."""
    ws = _keyed([("a", 1, 1)]).window(TumblingEventTimeWindows.of(10))
    with pytest.raises(ValueError, match="cannot be negative"):
        ws.allowed_lateness(-1)


def test_count_window_size_must_be_positive() -> None:
    """``count_window(0)`` raises."""
    with pytest.raises(ValueError, match="must be > 0"):
        _keyed([("a", 1)]).count_window(0)


def test_window_operator_charges_its_cost_once_per_record() -> None:
    """10 records at 10 ms each + one firing (10 ms) + the chained print (1 µs) + 22 heap state accesses
    (100 ns each, charged in whole µs): 110.003 ms busy."""
    import flowlab
    from flowlab.common import Time, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.sources import ScriptedSource
    env = StreamExecutionEnvironment.get_execution_environment()
    src = env.from_source(ScriptedSource([(i * 100, ("k", i), i) for i in range(10)]),
                          WatermarkStrategy.for_monotonous_timestamps(), "src")
    windowed = (src.key_by(lambda v: v[0]).window(TumblingEventTimeWindows.of(Time.milliseconds(1000)))
                .reduce(lambda a, b: (a[0], a[1] + b[1])))
    windowed.set_processing_cost(10)
    windowed.print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.printed_lines() == ["('k', 45)"]
    assert sim.runtime.tasks["v2"][0].busy_us == 110_003


def test_continuous_processing_time_trigger_fires_every_interval_of_virtual_time() -> None:
    """A 1 s processing-time window with ContinuousProcessingTimeTrigger.of(300): firings at 300, 600, 900, 999."""
    import flowlab
    from flowlab.common import Time, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.datastream.window import ContinuousProcessingTimeTrigger, TumblingProcessingTimeWindows
    from flowlab.sources import ScriptedSource
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_buffer_timeout(0)                    # each record reaches the window 1 ms after it arrives
    src = env.from_source(ScriptedSource([(i * 100, ("k", 1)) for i in range(10)], end_ms=2000),
                          WatermarkStrategy.no_watermarks(), "src")
    (src.key_by(lambda v: v[0]).window(TumblingProcessingTimeWindows.of(Time.milliseconds(1000)))
        .trigger(ContinuousProcessingTimeTrigger.of(Time.milliseconds(300)))
        .reduce(lambda a, b: (a[0], a[1] + b[1])).print())
    sim = flowlab.Simulation(env)
    sim.run()
    fires = [round(e.time_ms) for e in sim.events() if e.kind == "sink"]
    assert fires == [300, 600, 900, 999]
    assert sim.printed_lines() == ["('k', 3)", "('k', 6)", "('k', 9)", "('k', 10)"]
