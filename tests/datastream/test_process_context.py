"""``ctx.timestamp()`` returns what PyFlink 2.3 returns: Long.MIN_VALUE for a record without a timestamp."""
from __future__ import annotations

from flowlab.common import Duration, Types, WatermarkStrategy
from flowlab.datastream import (
    CoProcessFunction,
    KeyedProcessFunction,
    ProcessFunction,
    StreamExecutionEnvironment,
    TimeDomain,
)
from flowlab.sources import ScriptedSource

LONG_MIN = -(2 ** 63)


class Stamp(ProcessFunction):
    def process_element(self, value, ctx):
        yield value, ctx.timestamp()


class KeyedStamp(KeyedProcessFunction):
    def process_element(self, value, ctx):
        yield value, ctx.timestamp()


class CoStamp(CoProcessFunction):
    def process_element1(self, value, ctx):
        yield "left", value, ctx.timestamp()

    def process_element2(self, value, ctx):
        yield "right", value, ctx.timestamp()


def _numbers(env: StreamExecutionEnvironment, values: list[int]):
    return env.from_collection(values, type_info=Types.INT())


def test_process_function_sees_long_min_without_timestamp() -> None:
    """from_collection records carry no timestamp: ctx.timestamp() is Long.MIN_VALUE, not None."""
    env = StreamExecutionEnvironment.get_execution_environment()
    out = list(_numbers(env, [1, 2]).process(Stamp()).execute_and_collect())
    assert out == [(1, LONG_MIN), (2, LONG_MIN)]


def test_keyed_process_function_sees_long_min_without_timestamp() -> None:
    """The keyed context returns Long.MIN_VALUE too."""
    env = StreamExecutionEnvironment.get_execution_environment()
    out = list(_numbers(env, [7]).key_by(lambda v: v, key_type=Types.INT()).process(KeyedStamp())
               .execute_and_collect())
    assert out == [(7, LONG_MIN)]


def test_co_process_function_sees_long_min_without_timestamp() -> None:
    """Both inputs of a connected stream report Long.MIN_VALUE for records without a timestamp."""
    env = StreamExecutionEnvironment.get_execution_environment()
    out = list(_numbers(env, [1]).connect(_numbers(env, [2])).process(CoStamp()).execute_and_collect())
    assert sorted(out) == [("left", 1, LONG_MIN), ("right", 2, LONG_MIN)]


def test_record_with_timestamp_reports_it() -> None:
    """A record with an event timestamp reports exactly that timestamp."""
    env = StreamExecutionEnvironment.get_execution_environment()
    src = ScriptedSource([(0, "a", 1500), (10, "b", 20)])
    ds = env.from_source(src, WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0)), "s",
                         type_info=Types.STRING())
    assert list(ds.process(Stamp()).execute_and_collect()) == [("a", 1500), ("b", 20)]


class ProcessingTimer(KeyedProcessFunction):
    def process_element(self, value, ctx):
        ctx.timer_service().register_processing_time_timer(ctx.timer_service().current_processing_time() + 5)

    def on_timer(self, timestamp, ctx):
        yield timestamp, ctx.timestamp(), ctx.time_domain() == TimeDomain.PROCESSING_TIME


def test_processing_time_on_timer_context_timestamp_is_the_timer_time() -> None:
    """In a processing-time on_timer, ctx.timestamp() is the timer's time (as in PyFlink and Java), not None."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_buffer_timeout(0)                             # ship the record at once
    src = ScriptedSource([(0, 1)], end_ms=100)            # the input stays open until the timer has fired
    ds = env.from_source(src, WatermarkStrategy.no_watermarks(), "s", type_info=Types.INT())
    out = list(ds.key_by(lambda v: v, key_type=Types.INT()).process(ProcessingTimer()).execute_and_collect())
    assert len(out) == 1
    ts, ctx_ts, processing = out[0]
    assert (ctx_ts, processing) == (ts, True)
    assert 5 <= ts < 100


def test_processing_time_timer_results_carry_the_timers_time() -> None:
    """As in PyFlink 2.3 (its Python worker stamps every timer's results), not erased as in Java."""
    from flowlab.datastream import KeyedProcessFunction

    class Later(KeyedProcessFunction):
        def process_element(self, value, ctx):
            ctx.timer_service().register_processing_time_timer(ctx.timer_service().current_processing_time() + 5)

        def on_timer(self, timestamp, ctx):
            yield "fired", timestamp

    class Stamp(ProcessFunction):
        def process_element(self, value, ctx):
            yield value, ctx.timestamp()

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_buffer_timeout(0)
    src = env.from_source(ScriptedSource([(10, ("k", 1)), (20, ("k", 2))], end_ms=100),
                          WatermarkStrategy.no_watermarks(), "s")
    out = list(src.key_by(lambda v: v[0]).process(Later()).process(Stamp()).execute_and_collect())
    assert out == [(("fired", 16), 16), (("fired", 26), 26)]
