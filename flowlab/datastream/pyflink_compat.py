"""What is not PyFlink 2.3: the calls flowlab offers beyond PyFlink, and the strict mode that refuses them.

flowlab mirrors PyFlink 2.3's DataStream API, and a few names go beyond it: parts of the Java DataStream
API (``join``, ``co_group``, ``interval_join``, evictors, ``iterate``) and flowlab's own helpers
(``ScriptedSource``, ``set_processing_cost``, ``get_job_graph``). Each says so in its docstring. With the
configuration key ``flowlab.pyflink-strict`` set to true, every call to one of them raises
``NotInPyFlinkError`` naming what to write on PyFlink instead, so a teacher can check that a notebook's
program will run on real PyFlink::

    conf = Configuration().set_boolean("flowlab.pyflink-strict", True)
    env = StreamExecutionEnvironment.get_execution_environment(conf)

What a PyFlink program never calls — ``flowlab.Simulation``, the views, the analysis helpers of
``flowlab.graph`` — is not checked. The full list is in ``docs/pyflink-compatibility.md``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

STRICT_KEY = "flowlab.pyflink-strict"

JAVA_ONLY = "Java DataStream API only"
JAVA_1X = "Java DataStream API of Flink 1.x only; removed in Flink 2.0"
FLOWLAB = "flowlab extension"

#: The methods PyFlink 2.3's ``DataStreamSink`` has; every other DataStream method on a sink is flowlab's.
SINK_METHODS = frozenset({"name", "uid", "set_uid_hash", "set_parallelism", "set_description",
                          "disable_chaining", "slot_sharing_group"})


@dataclass(frozen=True)
class NotInPyFlink:
    """One call that PyFlink 2.3 does not have: where it comes from and what to write on PyFlink instead."""

    name: str
    origin: str
    alternative: str


class NotInPyFlinkError(AttributeError):
    """A call PyFlink 2.3 does not have, refused because ``flowlab.pyflink-strict`` is true.

    An ``AttributeError``, as PyFlink itself raises for a method it lacks (so ``hasattr`` answers False).
    """


_SQL_WINDOW_JOIN = ("write it in Flink SQL (a window join over TUMBLE(...) windows: ... ON a.k = b.k AND "
                    "a.window_start = b.window_start AND a.window_end = b.window_end), or connect() the two "
                    "key_by streams and match records in a KeyedCoProcessFunction with state and timers")

_ENTRIES = [
    NotInPyFlink("DataStream.join", JAVA_ONLY, _SQL_WINDOW_JOIN),
    NotInPyFlink("DataStream.co_group", JAVA_ONLY,
                 "write it in Flink SQL (a window outer join, e.g. LEFT JOIN over the same TUMBLE windows), or "
                 "connect() the two key_by streams and collect both sides in state in a KeyedCoProcessFunction"),
    NotInPyFlink("KeyedStream.interval_join", JAVA_ONLY,
                 "write it in Flink SQL with an interval join (... WHERE a.k = b.k AND b.ts BETWEEN a.ts - "
                 "INTERVAL '1' SECOND AND a.ts + INTERVAL '1' SECOND), or connect() the two keyed streams and "
                 "buffer both sides in state in a KeyedCoProcessFunction"),
    NotInPyFlink("DataStream.iterate", JAVA_1X,
                 "keep the work in keyed state and repeat it with timers in a KeyedProcessFunction, or send "
                 "the records back through a message queue (e.g. a Kafka topic the job also reads)"),
    NotInPyFlink("IterativeStream.close_with", JAVA_1X, "see DataStream.iterate: PyFlink has no iterations"),
    NotInPyFlink("WindowedStream.evictor", JAVA_ONLY,
                 "PyFlink's WindowedStream has no evictor: use process(ProcessWindowFunction) and skip the "
                 "elements you do not want inside it (e.g. only the last n)"),
    NotInPyFlink("AllWindowedStream.evictor", JAVA_ONLY,
                 "use process(ProcessAllWindowFunction) and skip the elements you do not want inside it"),
    *[NotInPyFlink(f"WindowedStream.{m}", JAVA_ONLY,
                   f"PyFlink's WindowedStream has no {m}(): use reduce(...) on the window, e.g. "
                   f"reduce(lambda a, b: (a[0], a[1] + b[1])) for sum(1)")
      for m in ("sum", "min", "max", "min_by", "max_by")],
    NotInPyFlink("DataStream.global_", "Java's DataStream.global(); PyFlink 2.3 has no global_()",
                 "send every record to subtask 0 with partition_custom(lambda key, n: 0, lambda value: 0), "
                 "or give the next operator set_parallelism(1)"),
    NotInPyFlink("DataStream.set_processing_cost", FLOWLAB,
                 "delete the call: on a real cluster an operator costs what its function takes"),
    NotInPyFlink("DataStream.add_sink", FLOWLAB + " (a Python callable or SinkFunction as sink)",
                 "PyFlink's add_sink only takes a SinkFunction wrapping a Java sink: use sink_to(...) with a "
                 "connector sink (FileSink, KafkaSink), print(), or collect results with execute_and_collect()"),
    NotInPyFlink("DataStream.get_parallelism", "Java DataStream API only",
                 "keep the parallelism you set in a variable (env.get_parallelism() gives the default)"),
    NotInPyFlink("DataStream.wait_for_collect", FLOWLAB,
                 "nothing to wait for: iterate over the results of execute_and_collect()"),
    NotInPyFlink("StreamExecutionEnvironment.get_job_graph", FLOWLAB,
                 "env.get_execution_plan() gives the stream graph as JSON; Flink's Web UI shows the chained "
                 "job graph of a running job"),
    NotInPyFlink("StreamExecutionEnvironment.get_stream_graph", FLOWLAB,
                 "env.get_execution_plan() gives the stream graph as JSON"),
    NotInPyFlink("StreamExecutionEnvironment.get_configuration", "not in PyFlink 2.3's environment",
                 "keep the Configuration you passed to get_execution_environment(conf) or configure(conf)"),
    NotInPyFlink("ScriptedSource", FLOWLAB + ": arrivals scripted in virtual time",
                 "read a real source, e.g. env.from_source(KafkaSource...) or FileSource, or use "
                 "env.from_collection([...]) (which emits everything at once: no late data, see lesson 03)"),
    NotInPyFlink("GeneratorSource", FLOWLAB + ": a seeded generator with a rate in virtual time",
                 "NumberSequenceSource(start, end) from pyflink.datastream.connectors.number_seq with a map(), "
                 "or the Table API's 'datagen' connector for a rate-limited generated stream"),
    NotInPyFlink("WatermarkStrategy.for_generator", JAVA_ONLY,
                 "use for_bounded_out_of_orderness(...) or for_monotonous_timestamps() (with with_idleness); "
                 "a custom WatermarkGenerator needs Java"),
    NotInPyFlink("WatermarkStrategy.with_timestamp_assigner(callable)", FLOWLAB,
                 "pass a TimestampAssigner subclass with extract_timestamp(value, record_timestamp); PyFlink "
                 "calls that method and fails on a plain function"),
    NotInPyFlink("from_source(strategy with a TimestampAssigner)",
                 "PyFlink 2.3 ignores a Python TimestampAssigner in from_source",
                 "the source's own timestamps are used there: call assign_timestamps_and_watermarks(strategy) on "
                 "the stream to apply your TimestampAssigner"),
    NotInPyFlink("UpsertSink", FLOWLAB + ": an idempotent sink upserting by key into a simulated table",
                 "write to a store that upserts by key: a JDBC sink with an INSERT ... ON CONFLICT statement, or the "
                 "Table API's upsert connectors (upsert-kafka, JDBC with a PRIMARY KEY)"),
    NotInPyFlink("JobClient.run_until", FLOWLAB + ": the job runs in virtual time, only when asked",
                 "delete the line: on a cluster the job runs by itself while the program goes on (wait with "
                 "time.sleep(...) before stop_with_savepoint if you need to)"),
    NotInPyFlink("DataStreamSink.*", FLOWLAB + ": a sink used as a stream",
                 "a PyFlink DataStreamSink only has " + ", ".join(sorted(SINK_METHODS)) + "(): apply the "
                 "operation to the stream before print() / sink_to() / add_sink()"),
]

#: Every call flowlab offers beyond PyFlink 2.3, by name (docs/pyflink-compatibility.md lists the same).
NOT_IN_PYFLINK: dict[str, NotInPyFlink] = {e.name: e for e in _ENTRIES}


_recorders: list[list[str]] = []


@contextmanager
def recording() -> Iterator[list[str]]:
    """Collect, in call order, the names of the non-PyFlink calls made inside the block, strict or not.

    ``with recording() as names: ...`` tells a teacher (or a test) which calls of a notebook would not run
    on PyFlink, without stopping at the first one as strict mode does.
    """
    names: list[str] = []
    _recorders.append(names)
    try:
        yield names
    finally:
        _recorders.remove(names)


def is_strict(env: Any) -> bool:
    """Whether ``env``'s configuration sets ``flowlab.pyflink-strict`` to true (default false)."""
    return env._configuration.get_boolean(STRICT_KEY, False)


def check(env: Any, name: str, detail: str | None = None) -> None:
    """Refuse the call ``name`` (a key of ``NOT_IN_PYFLINK``) when ``env`` is strict; otherwise do nothing.

    ``detail`` replaces the name in the message (e.g. ``DataStreamSink.map`` for the ``DataStreamSink.*`` entry).
    """
    for names in _recorders:
        names.append(name)
    if env is None or not is_strict(env):
        return
    entry = NOT_IN_PYFLINK[name]
    raise NotInPyFlinkError(
        f"{detail or entry.name} is not in PyFlink 2.3 ({entry.origin}). On PyFlink: {entry.alternative}. "
        f"(This environment sets {STRICT_KEY}: true, which refuses every call PyFlink 2.3 does not have; "
        "see docs/pyflink-compatibility.md.)")
