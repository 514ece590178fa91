"""Strict mode (``flowlab.pyflink-strict``): every call PyFlink 2.3 lacks raises, naming the PyFlink alternative."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import flowlab
from flowlab.common import Configuration, Duration, Types, WatermarkStrategy
from flowlab.common.watermark_strategy import TimestampAssigner, WatermarkGenerator
from flowlab.datastream import (
    CoGroupFunction,
    ProcessJoinFunction,
    StreamExecutionEnvironment,
)
from flowlab.datastream.connectors.upsert import UpsertSink, UpsertTable
from flowlab.datastream.pyflink_compat import NOT_IN_PYFLINK, STRICT_KEY, NotInPyFlinkError
from flowlab.datastream.window import CountEvictor, TumblingEventTimeWindows
from flowlab.sources import GeneratorSource, ScriptedSource

ROOT = Path(__file__).resolve().parents[2]
PAIR = Types.TUPLE([Types.STRING(), Types.INT()])


def _env(strict: bool | None) -> StreamExecutionEnvironment:
    conf = Configuration()
    if strict is not None:
        conf.set_boolean(STRICT_KEY, strict)
    return StreamExecutionEnvironment.get_execution_environment(conf)


def _pairs(env: StreamExecutionEnvironment) -> Any:
    return env.from_collection([("a", 1), ("b", 2)], type_info=PAIR)


def _keyed(env: StreamExecutionEnvironment) -> Any:
    return _pairs(env).key_by(lambda r: r[0], key_type=Types.STRING())


class Pair(ProcessJoinFunction):
    def process_element(self, left, right, ctx):
        yield left, right


class Both(CoGroupFunction):
    def co_group(self, first, second):
        yield list(first), list(second)


class Field1(TimestampAssigner):
    def extract_timestamp(self, value, record_timestamp):
        return value[1]


class Never(WatermarkGenerator):
    def on_event(self, event, event_timestamp, output):
        pass

    def on_periodic_emit(self, output):
        pass


def _window(env: StreamExecutionEnvironment) -> Any:
    return _keyed(env).window(TumblingEventTimeWindows.of(1000))


# (name in NOT_IN_PYFLINK, the call, a fragment of the PyFlink alternative the error must name)
CASES: list[tuple[str, Callable[[StreamExecutionEnvironment], Any], str]] = [
    ("DataStream.join", lambda env: _pairs(env).join(_pairs(env)), "Flink SQL (a window join"),
    ("DataStream.co_group", lambda env: _pairs(env).co_group(_pairs(env)), "window outer join"),
    ("KeyedStream.interval_join", lambda env: _keyed(env).interval_join(_keyed(env)), "with an interval join"),
    ("DataStream.iterate", lambda env: _pairs(env).iterate(), "repeat it with timers"),
    ("IterativeStream.close_with",
     lambda env: _iteration_closed_in_strict_mode(env), "PyFlink has no iterations"),
    ("WindowedStream.evictor", lambda env: _window(env).evictor(CountEvictor.of(2)), "process(ProcessWindowFunction)"),
    ("AllWindowedStream.evictor",
     lambda env: _pairs(env).window_all(TumblingEventTimeWindows.of(1000)).evictor(CountEvictor.of(2)),
     "process(ProcessAllWindowFunction)"),
    ("WindowedStream.sum", lambda env: _window(env).sum(1), "has no sum(): use reduce"),
    ("WindowedStream.min", lambda env: _window(env).min(1), "has no min(): use reduce"),
    ("WindowedStream.max", lambda env: _window(env).max(1), "has no max(): use reduce"),
    ("WindowedStream.min_by", lambda env: _window(env).min_by(1), "has no min_by(): use reduce"),
    ("WindowedStream.max_by", lambda env: _window(env).max_by(1), "has no max_by(): use reduce"),
    ("DataStream.global_", lambda env: _pairs(env).global_(), "partition_custom(lambda key, n: 0"),
    ("DataStream.set_processing_cost", lambda env: _pairs(env).map(lambda r: r).set_processing_cost(1),
     "delete the call"),
    ("DataStream.add_sink", lambda env: _pairs(env).add_sink(lambda r: None), "sink_to(...) with a connector sink"),
    ("DataStream.get_parallelism", lambda env: _pairs(env).get_parallelism(), "keep the parallelism you set"),
    ("DataStream.wait_for_collect", lambda env: _pairs(env).wait_for_collect(), "nothing to wait for"),
    ("StreamExecutionEnvironment.get_job_graph", lambda env: (_pairs(env).print(), env.get_job_graph()),
     "env.get_execution_plan()"),
    ("StreamExecutionEnvironment.get_stream_graph", lambda env: (_pairs(env).print(), env.get_stream_graph()),
     "env.get_execution_plan()"),
    ("StreamExecutionEnvironment.get_configuration", lambda env: env.get_configuration(),
     "keep the Configuration you passed"),
    ("ScriptedSource",
     lambda env: env.from_source(ScriptedSource([(0, 1)]), WatermarkStrategy.no_watermarks(), "s"),
     "env.from_source(KafkaSource"),
    ("GeneratorSource",
     lambda env: env.from_source(GeneratorSource(count=3), WatermarkStrategy.no_watermarks(), "g"),
     "NumberSequenceSource"),
    ("WatermarkStrategy.for_generator",
     lambda env: _pairs(env).assign_timestamps_and_watermarks(WatermarkStrategy.for_generator(Never)),
     "for_bounded_out_of_orderness"),
    ("WatermarkStrategy.with_timestamp_assigner(callable)",
     lambda env: _pairs(env).assign_timestamps_and_watermarks(
         WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(lambda r, ts: r[1])),
     "pass a TimestampAssigner subclass"),
    ("from_source(strategy with a TimestampAssigner)",
     lambda env: _from_source_with_assigner_in_strict_mode(env), "assign_timestamps_and_watermarks(strategy)"),
    ("UpsertSink", lambda env: _pairs(env).sink_to(UpsertSink(UpsertTable("t"), lambda r: r[0])),
     "the Table API's upsert connectors"),
    ("JobClient.run_until", lambda env: (_pairs(env).print(), env.execute_async().run_until(10)),
     "delete the line: on a cluster the job runs by itself"),
    ("DataStreamSink.*", lambda env: _pairs(env).print().map(lambda r: r), "apply the operation to the stream"),
]


def _iteration_closed_in_strict_mode(env: StreamExecutionEnvironment) -> Any:
    """iterate() itself is refused in strict mode: start the loop with the key off, then close it."""
    strict = env._configuration.get_boolean(STRICT_KEY, False)
    env._configuration.set_boolean(STRICT_KEY, False)
    it = _pairs(env).iterate(10)
    env._configuration.set_boolean(STRICT_KEY, strict)
    return it.close_with(it.map(lambda r: r))


class OwnSource:
    """Stands for a connector source (Kafka, files): not one of flowlab's sources."""

    def __init__(self) -> None:
        self._inner = ScriptedSource([(0, ("a", 5))])

    def is_bounded(self) -> bool:
        return True

    def create_reader(self, subtask: int, parallelism: int, rng: Any) -> Any:
        return self._inner.create_reader(subtask, parallelism, rng)


def _from_source_with_assigner_in_strict_mode(env: StreamExecutionEnvironment) -> Any:
    strategy = WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(Field1())
    return env.from_source(OwnSource(), strategy, "s")


@pytest.mark.parametrize("name, call, alternative", CASES, ids=[c[0] for c in CASES])
def test_strict_mode_refuses_with_the_pyflink_alternative(name: str, call: Callable, alternative: str) -> None:
    """In strict mode the call raises NotInPyFlinkError naming the call, its origin and the PyFlink alternative."""
    entry = NOT_IN_PYFLINK[name]
    with pytest.raises(NotInPyFlinkError) as err:
        call(_env(True))
    message = str(err.value)
    shown = entry.name if not name.startswith("DataStreamSink") else "DataStreamSink.map"
    assert message.startswith(f"{shown} is not in PyFlink 2.3 ({entry.origin}). On PyFlink: ")
    assert alternative in message
    assert message.endswith(f"(This environment sets {STRICT_KEY}: true, which refuses every call PyFlink 2.3 "
                            "does not have; see docs/pyflink-compatibility.md.)")


@pytest.mark.parametrize("name, call, alternative", CASES, ids=[c[0] for c in CASES])
def test_without_strict_mode_the_call_is_accepted(name: str, call: Callable, alternative: str) -> None:
    """By default (key unset) and with the key false, the same call raises nothing."""
    call(_env(None))
    call(_env(False))


def test_every_marked_name_has_a_case() -> None:
    """The cases above cover every entry of NOT_IN_PYFLINK, and nothing else."""
    assert sorted(c[0] for c in CASES) == sorted(NOT_IN_PYFLINK)


def test_compatibility_doc_lists_every_marked_name() -> None:
    """docs/pyflink-compatibility.md names every entry of NOT_IN_PYFLINK."""
    doc = (ROOT / "docs" / "pyflink-compatibility.md").read_text(encoding="utf-8")
    missing = [name for name in NOT_IN_PYFLINK if f"`{name}`" not in doc]
    assert missing == []


def test_not_in_pyflink_error_is_an_attribute_error() -> None:
    """Like PyFlink's own AttributeError for a missing method: hasattr() on a strict sink answers False."""
    assert issubclass(NotInPyFlinkError, AttributeError)
    assert hasattr(_pairs(_env(False)).print(), "map") is True
    assert hasattr(_pairs(_env(True)).print(), "map") is False


def test_sink_methods_of_pyflink_stay_allowed_on_a_strict_sink() -> None:
    """name, uid, set_parallelism … are PyFlink DataStreamSink methods: strict mode accepts them."""
    env = _env(True)
    env.set_parallelism(2)
    _pairs(env).print().name("out").uid("out-uid").set_parallelism(1).disable_chaining()
    sink = env._transformations[-1]
    assert (sink.name, sink.uid, sink.parallelism) == ("out", "out-uid", 1)


def test_strict_value_as_string_is_read_as_a_boolean() -> None:
    """set_string(key, "true") switches strict mode on, as Flink reads boolean options."""
    env = StreamExecutionEnvironment.get_execution_environment(Configuration().set_string(STRICT_KEY, "TRUE"))
    with pytest.raises(NotInPyFlinkError, match=re.escape("DataStream.join is not in PyFlink 2.3")):
        _pairs(env).join(_pairs(env))


def test_strict_value_that_is_not_a_boolean_is_a_clear_error() -> None:
    """A value such as "yes" fails naming the key, not silently."""
    env = StreamExecutionEnvironment.get_execution_environment(Configuration().set_string(STRICT_KEY, "yes"))
    with pytest.raises(ValueError, match=re.escape(f"Could not parse value 'yes' for key '{STRICT_KEY}' as a boolean")):
        _pairs(env).join(_pairs(env))


def test_a_pyflink_program_runs_unchanged_in_strict_mode() -> None:
    """A program using only PyFlink 2.3 calls runs in strict mode, also under flowlab.Simulation (not checked)."""
    env = _env(True)
    env.set_parallelism(2)
    ds = env.from_collection([("a", 1), ("b", 2), ("a", 3)], type_info=PAIR)
    ds.map(lambda t: (t[0], t[1] * 10), output_type=PAIR).key_by(lambda t: t[0], key_type=Types.STRING()) \
      .sum(1).print()
    sim = flowlab.Simulation(env, seed=7)
    sim.run()
    assert sim.printed_lines() == ["2> (b,20)", "2> (a,10)", "2> (a,40)"]


def test_assign_timestamps_with_a_timestamp_assigner_class_is_pyflink() -> None:
    """A TimestampAssigner subclass with assign_timestamps_and_watermarks is PyFlink's way: accepted."""
    env = _env(True)
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0)).with_timestamp_assigner(Field1())
    _pairs(env).assign_timestamps_and_watermarks(strategy)
    assert [t.name for t in env._transformations][-1] == "Timestamps/Watermarks"


def test_recording_lists_non_pyflink_calls_without_strict_mode() -> None:
    """recording() collects the marked calls in order, and the program still runs (strict mode off)."""
    from flowlab.datastream.pyflink_compat import recording
    env = _env(None)
    with recording() as names:
        _keyed(env).interval_join(_keyed(env))
        _pairs(env).map(lambda r: r).set_processing_cost(1).print()
    _pairs(env).global_()                                  # outside the block: not recorded
    assert names == ["KeyedStream.interval_join", "DataStream.set_processing_cost"]
