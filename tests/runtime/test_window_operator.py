"""End-to-end window jobs through ``execute_and_collect`` with scripted arrivals (WindowOperator rules)."""
from __future__ import annotations

from typing import Any

from flowlab.common import Duration, TimestampAssigner, Types, WatermarkStrategy
from flowlab.datastream import OutputTag, ProcessWindowFunction, StreamExecutionEnvironment
from flowlab.datastream.window import EventTimeSessionWindows, TumblingEventTimeWindows
from flowlab.sources import ScriptedSource

MAX = 2**63 - 1


class Describe(ProcessWindowFunction):
    def process(self, key: Any, context: Any, elements: Any) -> Any:
        w = context.window()
        yield (key, w.start, w.end, sorted(e[1] for e in elements), context.current_watermark())


def _run(records: list[tuple[str, int, int]], window: Any, fn: Any = None, lateness: int = 0,
         late_tag: OutputTag | None = None, delay: int = 0) -> list[Any]:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.get_config().set_auto_watermark_interval(5)
    src = ScriptedSource([(i * 50, r) for i, r in enumerate(records)])
    strategy = (WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(delay))
                .with_timestamp_assigner(_Ts()))
    ds = env.from_source(src, WatermarkStrategy.no_watermarks(), "src").assign_timestamps_and_watermarks(strategy)
    ws = ds.key_by(lambda r: r[0], key_type=Types.STRING()).window(window).allowed_lateness(lateness)
    if late_tag is not None:
        ws = ws.side_output_late_data(late_tag)
    out = ws.process(fn or Describe())
    if late_tag is not None:
        out = out.union(out.get_side_output(late_tag).map(lambda r: ("late",) + tuple(r)))
    with out.execute_and_collect() as it:
        return list(it)


class _Ts(TimestampAssigner):
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return value[2]


def test_tumbling_fires_when_watermark_reaches_end_minus_one() -> None:
    """[0,10) fires at watermark 9 (record 10 with delay 0), with the window's contents."""
    out = _run([("a", 1, 1), ("a", 2, 5), ("a", 3, 10), ("a", 4, 30)], TumblingEventTimeWindows.of(10))
    assert out[0] == ("a", 0, 10, [1, 2], 9)
    assert ("a", 10, 20, [3], MAX) in out or ("a", 10, 20, [3], 29) in out


def test_late_element_goes_to_side_output() -> None:
    """An element whose every window is past cleanup goes to the late side output."""
    tag = OutputTag("late", Types.TUPLE([Types.STRING(), Types.LONG(), Types.LONG()]))
    out = _run([("a", 1, 1), ("a", 2, 20), ("a", 3, 5), ("a", 4, 40)], TumblingEventTimeWindows.of(10),
               late_tag=tag)
    assert ("late", "a", 3, 5) in out
    assert out[0] == ("a", 0, 10, [1], 19)


def test_allowed_lateness_refires_with_full_contents() -> None:
    """A late-but-allowed element re-fires the window at once with everything it holds."""
    out = _run([("a", 1, 1), ("a", 2, 12), ("a", 3, 3), ("a", 4, 40)], TumblingEventTimeWindows.of(10),
               lateness=5)
    assert out[:2] == [("a", 0, 10, [1], 11), ("a", 0, 10, [1, 3], 11)]


def test_sessions_merge_exactly_at_the_gap() -> None:
    """Elements exactly gap apart share a session; a bigger distance splits it."""
    out = _run([("a", 1, 0), ("a", 2, 10), ("a", 3, 21), ("a", 4, 100)], EventTimeSessionWindows.with_gap(10))
    windows = [(o[1], o[2], o[3]) for o in out]
    assert (0, 20, [1, 2]) in windows
    assert (21, 31, [3]) in windows
