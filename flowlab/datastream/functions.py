"""User function classes with PyFlink's names (``pyflink.datastream.functions``).

Plain callables work wherever PyFlink accepts a function; these classes are for users who prefer
them or need ``open``/``close``, state, timers or side outputs. Process-style functions may
``yield`` any number of results (and ``(output_tag, value)`` pairs for side outputs), as in PyFlink.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from enum import Enum
from typing import Any


class RuntimeContext(ABC):
    """What a function can learn about the subtask it runs in, and its keyed state."""

    @abstractmethod
    def get_task_name(self) -> str: ...

    @abstractmethod
    def get_number_of_parallel_subtasks(self) -> int: ...

    @abstractmethod
    def get_max_number_of_parallel_subtasks(self) -> int: ...

    @abstractmethod
    def get_index_of_this_subtask(self) -> int: ...

    @abstractmethod
    def get_attempt_number(self) -> int: ...

    @abstractmethod
    def get_task_name_with_subtasks(self) -> str: ...

    @abstractmethod
    def get_job_parameter(self, key: str, default_value: str) -> str: ...

    @abstractmethod
    def get_state(self, state_descriptor: Any) -> Any: ...

    @abstractmethod
    def get_list_state(self, state_descriptor: Any) -> Any: ...

    @abstractmethod
    def get_map_state(self, state_descriptor: Any) -> Any: ...

    @abstractmethod
    def get_reducing_state(self, state_descriptor: Any) -> Any: ...

    @abstractmethod
    def get_aggregating_state(self, state_descriptor: Any) -> Any: ...


class Function:
    """Base of all user functions: ``open(runtime_context)`` before the first record, ``close()`` at the end."""

    def open(self, runtime_context: RuntimeContext) -> None:
        pass

    def close(self) -> None:
        pass


class MapFunction(Function):
    @abstractmethod
    def map(self, value: Any) -> Any: ...


class FlatMapFunction(Function):
    @abstractmethod
    def flat_map(self, value: Any) -> Iterable[Any]: ...


class FilterFunction(Function):
    @abstractmethod
    def filter(self, value: Any) -> bool: ...


class ReduceFunction(Function):
    @abstractmethod
    def reduce(self, value1: Any, value2: Any) -> Any: ...


class AggregateFunction(Function):
    """Incremental aggregation: accumulator created, added to, read and merged."""

    @abstractmethod
    def create_accumulator(self) -> Any: ...

    @abstractmethod
    def add(self, value: Any, accumulator: Any) -> Any: ...

    @abstractmethod
    def get_result(self, accumulator: Any) -> Any: ...

    def merge(self, acc_a: Any, acc_b: Any) -> Any:
        raise TypeError(f"{type(self).__name__} does not implement merge(), which merging (session) "
                        "windows need")


class KeySelector(Function):
    @abstractmethod
    def get_key(self, value: Any) -> Any: ...


class Partitioner(Function):
    """``partition_custom``: choose the target partition for a key."""

    @abstractmethod
    def partition(self, key: Any, num_partitions: int) -> int: ...


class CoMapFunction(Function):
    @abstractmethod
    def map1(self, value: Any) -> Any: ...

    @abstractmethod
    def map2(self, value: Any) -> Any: ...


class CoFlatMapFunction(Function):
    @abstractmethod
    def flat_map1(self, value: Any) -> Iterable[Any]: ...

    @abstractmethod
    def flat_map2(self, value: Any) -> Iterable[Any]: ...


class TimerService(ABC):
    """Timers and time of the current subtask (ms)."""

    @abstractmethod
    def current_processing_time(self) -> int: ...

    @abstractmethod
    def current_watermark(self) -> int: ...

    @abstractmethod
    def register_processing_time_timer(self, timestamp: int) -> None: ...

    @abstractmethod
    def register_event_time_timer(self, timestamp: int) -> None: ...

    @abstractmethod
    def delete_processing_time_timer(self, timestamp: int) -> None: ...

    @abstractmethod
    def delete_event_time_timer(self, timestamp: int) -> None: ...


class BaseContext(ABC):
    @abstractmethod
    def timestamp(self) -> int:
        """The current record's timestamp (ms); in ``on_timer`` the timer's time.

        For a record without a timestamp PyFlink 2.3 returns ``Long.MIN_VALUE`` (-9223372036854775808), not
        ``None``, and so does flowlab.
        """

    @abstractmethod
    def timer_service(self) -> TimerService: ...


class ProcessFunction(Function):
    """Processes each element; may use timers only on keyed streams."""

    class Context(BaseContext):
        pass

    @abstractmethod
    def process_element(self, value: Any, ctx: ProcessFunction.Context) -> Iterable[Any]: ...


class KeyedProcessFunction(Function):
    """Processes each element of a keyed stream, with keyed state and timers (``on_timer``)."""

    class Context(BaseContext):
        @abstractmethod
        def get_current_key(self) -> Any: ...

    class OnTimerContext(Context):
        @abstractmethod
        def time_domain(self) -> Any: ...

    @abstractmethod
    def process_element(self, value: Any, ctx: KeyedProcessFunction.Context) -> Iterable[Any]: ...

    def on_timer(self, timestamp: int, ctx: KeyedProcessFunction.OnTimerContext) -> Iterable[Any]:
        return ()


class CoProcessFunction(Function):
    class Context(BaseContext):
        pass

    @abstractmethod
    def process_element1(self, value: Any, ctx: CoProcessFunction.Context) -> Iterable[Any]: ...

    @abstractmethod
    def process_element2(self, value: Any, ctx: CoProcessFunction.Context) -> Iterable[Any]: ...


class KeyedCoProcessFunction(Function):
    class Context(BaseContext):
        @abstractmethod
        def get_current_key(self) -> Any: ...

    class OnTimerContext(Context):
        @abstractmethod
        def time_domain(self) -> Any: ...

    @abstractmethod
    def process_element1(self, value: Any, ctx: KeyedCoProcessFunction.Context) -> Iterable[Any]: ...

    @abstractmethod
    def process_element2(self, value: Any, ctx: KeyedCoProcessFunction.Context) -> Iterable[Any]: ...

    def on_timer(self, timestamp: int, ctx: KeyedCoProcessFunction.OnTimerContext) -> Iterable[Any]:
        return ()


class SinkFunction(Function):
    """A user sink: ``invoke(value, context)`` per record (flowlab calls it with the record only if it takes one).

    flowlab extension: PyFlink 2.3's ``SinkFunction`` only wraps a Java sink; Python code cannot implement one.
    """

    def invoke(self, value: Any, context: Any = None) -> None:
        pass


class WindowFunction(Function):
    """Called once per window firing with every element of the window (Flink's ``WindowFunction``)."""

    @abstractmethod
    def apply(self, key: Any, window: Any, inputs: Iterable[Any]) -> Iterable[Any]: ...


class ProcessWindowFunction(Function):
    """A window function with a context: window, time, per-window and global state (``ProcessWindowFunction``)."""

    class Context(ABC):
        @abstractmethod
        def window(self) -> Any: ...

        @abstractmethod
        def current_processing_time(self) -> int: ...

        @abstractmethod
        def current_watermark(self) -> int: ...

        @abstractmethod
        def window_state(self) -> Any: ...

        @abstractmethod
        def global_state(self) -> Any: ...

    @abstractmethod
    def process(self, key: Any, context: ProcessWindowFunction.Context, elements: Iterable[Any]) -> Iterable[Any]: ...

    def clear(self, context: ProcessWindowFunction.Context) -> None:
        """Called when the window is purged at cleanup time: clear per-window state here."""


class AllWindowFunction(Function):
    """``WindowFunction`` for ``window_all`` (no key)."""

    @abstractmethod
    def apply(self, window: Any, inputs: Iterable[Any]) -> Iterable[Any]: ...


class ProcessAllWindowFunction(Function):
    """``ProcessWindowFunction`` for ``window_all`` (no key)."""

    Context = ProcessWindowFunction.Context

    @abstractmethod
    def process(self, context: ProcessWindowFunction.Context, elements: Iterable[Any]) -> Iterable[Any]: ...

    def clear(self, context: ProcessWindowFunction.Context) -> None:
        """Called when the window is purged at cleanup time."""


class JoinFunction(Function):
    """Window join: called once per pair of a left and a right element in the same key and window.

    Java DataStream API only; not in PyFlink 2.3.
    """

    @abstractmethod
    def join(self, first: Any, second: Any) -> Any: ...


class CoGroupFunction(Function):
    """Window coGroup: called once per key and window with both sides' elements (either may be empty).

    Java DataStream API only; not in PyFlink 2.3.
    """

    @abstractmethod
    def co_group(self, first: Iterable[Any], second: Iterable[Any]) -> Iterable[Any]: ...


class ProcessJoinFunction(Function):
    """Interval join: called once per matching pair, with both timestamps (Flink's ``ProcessJoinFunction``).

    Java DataStream API only: PyFlink 2.3 has no ``interval_join``; this is the Java API with snake_case names.
    """

    class Context(ABC):
        @abstractmethod
        def get_left_timestamp(self) -> int: ...

        @abstractmethod
        def get_right_timestamp(self) -> int: ...

        @abstractmethod
        def get_timestamp(self) -> int: ...

        @abstractmethod
        def output(self, output_tag: Any, value: Any) -> None: ...

    @abstractmethod
    def process_element(self, left: Any, right: Any, ctx: ProcessJoinFunction.Context) -> Iterable[Any]: ...


class TimeDomain(Enum):
    """Which clock fired a timer (``ctx.time_domain()`` in ``on_timer``)."""

    EVENT_TIME = 0
    PROCESSING_TIME = 1


# Defined in their own modules (they subclass Function), offered here under PyFlink's module name.
_ELSEWHERE = {
    "BaseBroadcastProcessFunction": "flowlab.datastream.broadcast_functions",
    "BroadcastProcessFunction": "flowlab.datastream.broadcast_functions",
    "KeyedBroadcastProcessFunction": "flowlab.datastream.broadcast_functions",
    "CheckpointedFunction": "flowlab.datastream.checkpointed_function",               # flowlab extension
    "FunctionInitializationContext": "flowlab.datastream.checkpointed_function",      # flowlab extension
    "FunctionSnapshotContext": "flowlab.datastream.checkpointed_function",            # flowlab extension
}


def __getattr__(name: str) -> Any:
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(module), name)


__all__ = list(_ELSEWHERE) + [
    "AggregateFunction", "BaseContext", "CoFlatMapFunction", "CoMapFunction", "CoProcessFunction",
    "FilterFunction", "FlatMapFunction", "Function", "KeySelector", "KeyedCoProcessFunction",
    "KeyedProcessFunction", "MapFunction", "Partitioner", "ProcessFunction", "ReduceFunction",
    "RuntimeContext", "SinkFunction", "TimeDomain", "TimerService",
    "WindowFunction", "ProcessWindowFunction", "AllWindowFunction", "ProcessAllWindowFunction",
    "CoGroupFunction", "JoinFunction", "ProcessJoinFunction",
]
