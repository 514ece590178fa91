"""``DataStream`` and ``DataStreamSink``: the fluent API that builds transformations (PyFlink names).

Every method only records a transformation; nothing runs until ``execute`` / ``execute_and_collect``
or ``flowlab.Simulation(env)``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from flowlab.common.typeinfo import TypeInformation, Types
from flowlab.common.watermark_strategy import WatermarkStrategy
from flowlab.datastream import functions as F
from flowlab.datastream.output_tag import OutputTag
from flowlab.datastream.pyflink_compat import SINK_METHODS, check
from flowlab.graph import partitioners as P
from flowlab.graph.transformations import (
    HEAD,
    NEVER,
    PartitionTransformation,
    SideOutputTransformation,
    Transformation,
    UnionTransformation,
)

if TYPE_CHECKING:
    from flowlab.datastream.broadcast_stream import BroadcastConnectedStream, BroadcastStream
    from flowlab.datastream.connected_streams import ConnectedStreams
    from flowlab.datastream.iterative_stream import IterativeStream
    from flowlab.datastream.join import CoGroupedStreams, JoinedStreams
    from flowlab.datastream.keyed_stream import KeyedStream
    from flowlab.datastream.stream_execution_environment import StreamExecutionEnvironment


def _check_function(func: Any, cls: type, method: str) -> None:
    if not isinstance(func, cls) and not callable(func):
        raise TypeError(f"The input must be a {cls.__name__} (with a '{method}' method) or a callable "
                        f"function, got {type(func).__name__}")


class DataStream:
    """A stream of elements of one type (Flink's ``DataStream``)."""

    def __init__(self, env: StreamExecutionEnvironment, transformation: Transformation) -> None:
        self._env = env
        self._transformation = transformation

    # -- properties of the operator that produced this stream ----------------------------------
    def get_name(self) -> str:
        return self._transformation.name

    def name(self, name: str) -> DataStream:
        self._physical("name").name = name
        return self

    def uid(self, uid: str) -> DataStream:
        """Fix this operator's ID: Murmur3-128 of ``uid`` (what checkpoints and savepoints store its state under),
        so the state still maps after the job is changed. Set it on every stateful operator."""
        if not isinstance(uid, str):
            raise TypeError(f"uid must be a str, got {uid!r}")
        self._physical("uid").uid = uid
        return self

    def set_uid_hash(self, uid_hash: str) -> DataStream:
        """Use ``uid_hash`` (32 hex digits) as this operator's ID as it is: to map the state of an operator whose
        generated ID is known (e.g. from an error message) to this one."""
        from flowlab.graph.operator_ids import check_uid_hash
        self._physical("set_uid_hash").uid_hash = check_uid_hash(uid_hash)
        return self

    def set_description(self, description: str) -> DataStream:
        self._physical("set_description").params["description"] = description
        return self

    def get_type(self) -> TypeInformation:
        t = self._transformation.output_type
        return t if t is not None else Types.PICKLED_BYTE_ARRAY()

    def get_execution_environment(self) -> StreamExecutionEnvironment:
        return self._env

    def get_execution_config(self) -> Any:
        return self._env.get_config()

    def set_parallelism(self, parallelism: int) -> DataStream:
        t = self._physical("set_parallelism")
        if isinstance(parallelism, bool) or not isinstance(parallelism, int):
            raise TypeError(f"The parallelism must be an int (the number of parallel subtasks), got "
                            f"{type(parallelism).__name__} {parallelism!r}.")
        if t.parallelism_fixed and parallelism != 1:
            raise ValueError(f"The parallelism of non parallel operator '{t.name}' must be 1.")
        if parallelism < 1:
            raise ValueError(f"The parallelism of an operator must be at least 1, got {parallelism!r}.")
        t.parallelism = parallelism
        return self

    def get_parallelism(self) -> int:
        """The parallelism of the operator that produced this stream (Java's ``getParallelism``; not in PyFlink 2.3)."""
        check(self._env, "DataStream.get_parallelism")
        return self._transformation.parallelism

    def set_max_parallelism(self, max_parallelism: int) -> DataStream:
        if isinstance(max_parallelism, bool) or not isinstance(max_parallelism, int) or not 0 < max_parallelism <= 32768:
            raise ValueError(f"The maximum parallelism must be between 1 and 32768, got {max_parallelism!r}.")
        self._physical("set_max_parallelism").max_parallelism = max_parallelism
        return self

    def force_non_parallel(self) -> DataStream:
        t = self._physical("force_non_parallel")
        t.parallelism, t.max_parallelism, t.parallelism_fixed = 1, 1, True
        return self

    def set_buffer_timeout(self, timeout_millis: int) -> DataStream:
        self._physical("set_buffer_timeout").params["buffer_timeout_ms"] = int(timeout_millis)
        return self

    def start_new_chain(self) -> DataStream:
        self._physical("start_new_chain").chaining_strategy = HEAD
        return self

    def disable_chaining(self) -> DataStream:
        self._physical("disable_chaining").chaining_strategy = NEVER
        return self

    def slot_sharing_group(self, slot_sharing_group: Any) -> DataStream:
        name = getattr(slot_sharing_group, "get_name", lambda: slot_sharing_group)()
        self._physical("slot_sharing_group").slot_sharing_group = str(name)
        return self

    def set_processing_cost(self, ms_per_record: float) -> DataStream:
        """flowlab extension (not in PyFlink 2.3): virtual time this operator spends per record, in ms."""
        check(self._env, "DataStream.set_processing_cost")
        if isinstance(ms_per_record, bool) or not isinstance(ms_per_record, (int, float)):
            raise TypeError(f"the processing cost must be a number of ms per record, got "
                            f"{type(ms_per_record).__name__} {ms_per_record!r}")
        if not math.isfinite(ms_per_record) or ms_per_record < 0:
            raise ValueError(f"the processing cost must be a finite number >= 0 ms per record, got {ms_per_record!r}")
        self._physical("set_processing_cost").processing_cost_us = round(ms_per_record * 1000)
        return self

    # -- transformations ----------------------------------------------------------------------
    def map(self, func: Callable | F.MapFunction, output_type: TypeInformation | None = None) -> DataStream:
        _check_function(func, F.MapFunction, "map")
        return self._one_input("Map", "map", {"function": func}, output_type)

    def flat_map(self, func: Callable | F.FlatMapFunction,
                 output_type: TypeInformation | None = None) -> DataStream:
        _check_function(func, F.FlatMapFunction, "flat_map")
        return self._one_input("FlatMap", "flat_map", {"function": func}, output_type)

    def filter(self, func: Callable | F.FilterFunction) -> DataStream:
        _check_function(func, F.FilterFunction, "filter")
        return self._one_input("Filter", "filter", {"function": func}, self._transformation.output_type)

    def process(self, func: F.ProcessFunction, output_type: TypeInformation | None = None) -> DataStream:
        if not isinstance(func, F.ProcessFunction):
            raise TypeError("DataStream.process expects a ProcessFunction (on a keyed stream, a "
                            "KeyedProcessFunction)")
        return self._one_input("Process", "process", {"function": func}, output_type)

    def assign_timestamps_and_watermarks(self, watermark_strategy: WatermarkStrategy) -> DataStream:
        """Assign event timestamps and generate watermarks here (upstream watermarks are dropped, but MAX)."""
        if not isinstance(watermark_strategy, WatermarkStrategy):
            raise TypeError("assign_timestamps_and_watermarks expects a WatermarkStrategy, e.g. "
                            "WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(200))")
        from flowlab.datastream.stream_execution_environment import check_strategy
        check_strategy(self._env, watermark_strategy)
        return self._one_input("Timestamps/Watermarks", "timestamps", {"watermark_strategy": watermark_strategy},
                               self._transformation.output_type)

    def project(self, *field_indexes: int) -> DataStream:
        """Keep the given tuple fields, in the given order (Flink's ``project``; Tuple streams only)."""
        t = self._transformation.output_type
        arity = t.arity() if t is not None and hasattr(t, "arity") else None
        if arity is None and t is not None and not isinstance(t, type(Types.PICKLED_BYTE_ARRAY())):
            raise TypeError(f"project() is only possible on Tuple streams, not on {t!r}")
        for i in field_indexes:
            if not isinstance(i, int) or i < 0 or (arity is not None and i >= arity):
                raise IndexError(f"project(): field index {i!r} is out of range for {t!r}")
        out_type = None
        if arity is not None:
            types = t.get_field_types()
            out_type = Types.TUPLE([types[i] for i in field_indexes])
        idx = tuple(field_indexes)
        return self._one_input("Projection", "map", {"function": lambda v: tuple(v[i] for i in idx),
                                                     "projection": idx}, out_type)

    def key_by(self, key_selector: Callable | F.KeySelector,
               key_type: TypeInformation | None = None) -> KeyedStream:
        from flowlab.datastream.keyed_stream import KeyedStream
        _check_function(key_selector, F.KeySelector, "get_key")
        selector = key_selector.get_key if isinstance(key_selector, F.KeySelector) else key_selector
        part = self._partition(P.hash_partitioner(selector, key_type))
        return KeyedStream(self._env, part._transformation, self, selector, key_type)

    def union(self, *streams: DataStream) -> DataStream:
        if not streams:
            raise ValueError("union() needs at least one other stream")
        inputs = [self._transformation]
        for s in streams:
            if not isinstance(s, DataStream):
                raise TypeError(f"union() takes DataStreams, got {type(s).__name__}")
            if s._env is not self._env:
                raise ValueError("Cannot union streams of different execution environments: every "
                                 "stream in a job must come from the same StreamExecutionEnvironment.")
            a, b = self._transformation.output_type, s._transformation.output_type
            if a is not None and b is not None and a != b:
                raise TypeError(f"Cannot union streams of different types: {a!r} and {b!r}. Map one of "
                                "them to the other's type first (or use connect() for two types).")
            inputs.append(s._transformation)
        t = UnionTransformation(self._env._new_id(), "Union", "union", inputs,
                                output_type=self._transformation.output_type,
                                parallelism=self._transformation.parallelism)
        return DataStream(self._env, t)

    def connect(self, ds: DataStream | BroadcastStream) -> ConnectedStreams | BroadcastConnectedStream:
        """Two streams into one two-input operator; a ``BroadcastStream`` gives a ``BroadcastConnectedStream``."""
        from flowlab.datastream.broadcast_stream import BroadcastConnectedStream, BroadcastStream
        from flowlab.datastream.connected_streams import ConnectedStreams
        if ds._env is not self._env:
            raise ValueError("Cannot connect streams of different execution environments.")
        if isinstance(ds, BroadcastStream):
            return BroadcastConnectedStream(self, ds)
        return ConnectedStreams(self, ds)

    def join(self, other_stream: DataStream) -> JoinedStreams:
        """Window join with ``other_stream``: ``.where(k1).equal_to(k2).window(w).apply(f)`` (``JoinedStreams``).

        Java DataStream API only; not in PyFlink 2.3 (write a window join in Flink SQL there).
        """
        check(self._env, "DataStream.join")
        from flowlab.datastream.join import JoinedStreams
        return JoinedStreams(self, other_stream)

    def co_group(self, other_stream: DataStream) -> CoGroupedStreams:
        """Windowed coGroup with ``other_stream`` (``CoGroupedStreams``); same builder as ``join``.

        Java DataStream API only; not in PyFlink 2.3.
        """
        check(self._env, "DataStream.co_group")
        from flowlab.datastream.join import CoGroupedStreams
        return CoGroupedStreams(self, other_stream)

    def iterate(self, max_wait_time_ms: int = 0) -> IterativeStream:
        """Start a feedback loop (Java ``DataStream.iterate``; removed in Flink 2.0, not in PyFlink 2.3).

        Build the loop body on the returned ``IterativeStream`` and close it with ``close_with(feedback)``.
        ``max_wait_time_ms`` ends the iteration head after that long without feedback; 0 never ends it (the
        job is then unbounded). See ``flowlab.datastream.iterative_stream``.
        """
        check(self._env, "DataStream.iterate")
        from flowlab.datastream.iterative_stream import IterativeStream
        if isinstance(max_wait_time_ms, bool) or not isinstance(max_wait_time_ms, int) or max_wait_time_ms < 0:
            raise ValueError(f"max_wait_time_ms must be an int >= 0 (0 = wait forever), got {max_wait_time_ms!r}")
        return IterativeStream(self._env, self, max_wait_time_ms)

    def get_side_output(self, output_tag: OutputTag) -> DataStream:
        if not isinstance(output_tag, OutputTag):
            raise TypeError("get_side_output expects an OutputTag")
        t = SideOutputTransformation(self._env._new_id(), f"SideOutput({output_tag.tag_id})", "side_output",
                                     [self._transformation], output_type=output_tag.type_info,
                                     parallelism=self._transformation.parallelism, tag=output_tag)
        return DataStream(self._env, t)

    def window_all(self, window_assigner: Any) -> Any:
        """Windows over the whole stream (PyFlink's ``DataStream.window_all``).

        As in PyFlink 2.3, this keys the stream by one constant key (``NullByteKeySelector``: 0 for every
        record) and runs the window operator at the default parallelism: every record goes to the one subtask
        that owns that key, the other subtasks get only watermarks. Java's ``windowAll`` instead forces the
        operator to parallelism 1. Simplification: PyFlink hashes the pickled key; flowlab hashes 0 as a LONG,
        so the subtask that does the work may differ (see "Keys without key_type" in the README).
        """
        from flowlab.datastream.windowed_stream import AllWindowedStream, all_key
        return AllWindowedStream(self.key_by(all_key), window_assigner)

    def window(self, *_: Any) -> Any:
        raise TypeError("window() needs a keyed stream: call key_by(...) first, e.g. "
                        "ds.key_by(lambda r: r[0]).window(...), or use window_all(...) to window the whole "
                        "stream in one subtask.")

    def count_window(self, *_: Any) -> Any:
        raise TypeError("count_window() needs a keyed stream: call key_by(...) first.")

    # -- partitioning ---------------------------------------------------------------------------
    def shuffle(self) -> DataStream:
        return self._partition(P.SHUFFLE)

    def rebalance(self) -> DataStream:
        return self._partition(P.REBALANCE)

    def rescale(self) -> DataStream:
        return self._partition(P.RESCALE)

    def broadcast(self, *broadcast_state_descriptors: Any) -> DataStream | BroadcastStream:
        """Send every record to every subtask; with MapStateDescriptors, a ``BroadcastStream`` that declares
        the broadcast state each instance of the connected operator keeps."""
        if broadcast_state_descriptors:
            from flowlab.datastream.broadcast_stream import BroadcastStream, check_descriptors
            return BroadcastStream(self._env, self._partition(P.BROADCAST),
                                   check_descriptors(broadcast_state_descriptors))
        return self._partition(P.BROADCAST)

    def forward(self) -> DataStream:
        return self._partition(P.FORWARD)

    def global_(self) -> DataStream:
        """Send every record to subtask 0 of the next operator (Java's ``global()``; not in PyFlink 2.3)."""
        check(self._env, "DataStream.global_")
        return self._partition(P.GLOBAL)

    def partition_custom(self, partitioner: Callable | F.Partitioner,
                         key_selector: Callable | F.KeySelector) -> DataStream:
        _check_function(partitioner, F.Partitioner, "partition")
        _check_function(key_selector, F.KeySelector, "get_key")
        part = partitioner.partition if isinstance(partitioner, F.Partitioner) else partitioner
        sel = key_selector.get_key if isinstance(key_selector, F.KeySelector) else key_selector
        return self._partition(P.custom_partitioner(part, sel))

    # -- sinks ----------------------------------------------------------------------------------
    def print(self, sink_identifier: str | None = None) -> DataStreamSink:
        """Print each element like Flink's print sink ("2> (a,10)" when parallelism > 1)."""
        return self._sink("Print to Std. Out", {"sink": "print", "identifier": sink_identifier,
                                                "type": self._transformation.output_type})

    def add_sink(self, sink_func: F.SinkFunction | Callable) -> DataStreamSink:
        """A sink that calls ``sink_func`` for each record (flowlab extension).

        PyFlink 2.3's ``add_sink`` only takes a ``SinkFunction`` wrapping a Java sink; a Python callable or a
        Python ``SinkFunction`` with ``invoke`` is flowlab's.
        """
        check(self._env, "DataStream.add_sink")
        if not isinstance(sink_func, F.SinkFunction) and not callable(sink_func):
            raise TypeError("add_sink expects a SinkFunction or a callable")
        return self._sink("Sink: Unnamed", {"sink": "function", "function": sink_func})

    def sink_to(self, sink: Any) -> DataStreamSink:
        """Write the stream to a Sink V2 sink (``FileSink``, ``KafkaSink``; with checkpoints, exactly once)."""
        extension = getattr(sink, "not_in_pyflink", None)       # a connector sink that is flowlab's own
        if extension is not None:
            check(self._env, extension)
        name = getattr(sink, "name", None) or type(sink).__name__
        return self._sink(f"Sink: {name}", {"sink": "sink", "function": sink})

    def execute_and_collect(self, job_execution_name: str | None = None,
                            limit: int | None = None) -> CloseableIterator | list:
        """Run the job (in virtual time) and return its results, like PyFlink (a list when ``limit`` is set)."""
        collect = self._sink("Sink: Collect", {"sink": "collect"})
        it = CloseableIterator(self._env._start_collect(job_execution_name, collect._transformation))
        if limit is not None:
            with it:
                return [v for _, v in zip(range(limit), it, strict=False)]
        return it

    def wait_for_collect(self) -> None:
        """flowlab extension: nothing to wait for (collection is synchronous in virtual time)."""
        check(self._env, "DataStream.wait_for_collect")

    # -- helpers --------------------------------------------------------------------------------
    def _physical(self, method: str) -> Transformation:
        t = self._transformation
        if t.is_virtual:
            raise ValueError(f"{method}() applies to an operator, but this stream is the result of a "
                             f"'{t.name}' step, which is not an operator. Call it right after the "
                             "operator (e.g. ds.map(f).{method}(...)).")
        return t

    def _one_input(self, name: str, kind: str, params: dict[str, Any], output_type: Any,
                   keyed: bool = False) -> DataStream:
        t = Transformation(self._env._new_id(), name, kind, [self._transformation], output_type=output_type,
                           parallelism=self._env.get_parallelism(), params=params)
        self._env._add(t)
        return DataStream(self._env, t)

    def _partition(self, partitioner: P.Partitioner) -> DataStream:
        t = PartitionTransformation(self._env._new_id(), f"Partition({partitioner.name})", "partition",
                                    [self._transformation], output_type=self._transformation.output_type,
                                    parallelism=self._transformation.parallelism, partitioner=partitioner)
        return DataStream(self._env, t)

    def _sink(self, name: str, params: dict[str, Any]) -> DataStreamSink:
        t = Transformation(self._env._new_id(), name, "sink", [self._transformation],
                           output_type=self._transformation.output_type,
                           parallelism=self._env.get_parallelism(), params=params)
        if params["sink"] == "collect":
            t.parallelism, t.parallelism_fixed = 1, True
        self._env._add(t)
        return DataStreamSink(self._env, t)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._transformation.name!r}>"


# Java's ``global()`` is a keyword in Python; flowlab offers it as ``global_`` and as ``getattr(ds, "global")``.
# PyFlink 2.3 has neither.
setattr(DataStream, "global", DataStream.global_)

#: DataStream methods that are not PyFlink DataStreamSink methods (checked on a sink in strict mode).
_STREAM_ONLY = frozenset(n for n in dir(DataStream) if not n.startswith("_")) - SINK_METHODS


class DataStreamSink(DataStream):
    """The end of a stream (Flink's ``DataStreamSink``): name, uid, parallelism and chaining can be set.

    flowlab extension: a sink also has every ``DataStream`` method; PyFlink 2.3's has only name, uid,
    set_uid_hash, set_parallelism, set_description, disable_chaining and slot_sharing_group, and strict mode
    (``flowlab.pyflink-strict``) refuses the others.
    """

    def __getattribute__(self, name: str) -> Any:
        if name in _STREAM_ONLY and f"DataStream.{name}" not in _OWN_CHECKS:
            check(object.__getattribute__(self, "_env"), "DataStreamSink.*", f"DataStreamSink.{name}")
        return object.__getattribute__(self, name)


# Methods that check strict mode themselves (with their own advice) when called on a sink.
_OWN_CHECKS = frozenset({"DataStream.set_processing_cost"})


class CloseableIterator(Iterator):
    """Results of ``execute_and_collect``; usable in a ``with`` block as in PyFlink."""

    def __init__(self, source: Iterator) -> None:
        self._source = source

    def __iter__(self) -> CloseableIterator:
        return self

    def __next__(self) -> Any:
        return next(self._source)

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close:
            close()

    def __enter__(self) -> CloseableIterator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
