"""``KeyedStream``: a stream partitioned by key, with keyed state (Flink's ``KeyedStream``).

Rolling aggregations (``sum``/``min``/``max``/``min_by``/``max_by``) desugar to a keyed reduce,
as in PyFlink: one output per input; ``min``/``max`` update only the aggregated field and keep the
key's first record otherwise; ``min_by``/``max_by`` keep a whole record, the earlier one on ties.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowlab.common.row import Row
from flowlab.common.typeinfo import TypeInformation
from flowlab.datastream import functions as F
from flowlab.datastream.data_stream import DataStream, _check_function
from flowlab.datastream.pyflink_compat import check

if TYPE_CHECKING:
    from flowlab.datastream.stream_execution_environment import StreamExecutionEnvironment
    from flowlab.graph.transformations import Transformation


class FieldAggregator:
    """The reduce function behind ``sum``/``min``/``max``/``min_by``/``max_by`` on one field."""

    def __init__(self, kind: str, position: int | str) -> None:
        self.kind = kind
        self.position = position

    def _get(self, value: Any) -> Any:
        pos = self.position
        if isinstance(value, Row):
            return value[pos]
        if isinstance(value, (tuple, list)):
            if not isinstance(pos, int):
                raise TypeError(f"{self.kind}({pos!r}): a field name needs Row elements, got a tuple {value!r}")
            if not -len(value) <= pos < len(value):
                raise IndexError(f"{self.kind}({pos}): the element {value!r} has only {len(value)} fields "
                                 f"(positions 0..{len(value) - 1})")
            return value[pos]
        if pos in (0, "0"):
            return value
        raise TypeError(f"{self.kind}({pos!r}) needs tuple or Row elements, got {type(value).__name__} {value!r}")

    def _with(self, record: Any, new_field: Any) -> Any:
        pos = self.position
        if isinstance(record, Row):
            values = list(record._values)
            idx = pos if isinstance(pos, int) else record._fields.index(pos)
            values[idx] = new_field
            out = Row(*values)
            if record._fields:
                out.set_field_names(record._fields)
            out.set_row_kind(record.get_row_kind())
            return out
        if isinstance(record, tuple):
            values = list(record)
            values[pos] = new_field
            return tuple(values)
        if isinstance(record, list):
            out = list(record)
            out[pos] = new_field
            return out
        return new_field

    def reduce(self, current: Any, value: Any) -> Any:
        a, b = self._get(current), self._get(value)
        kind = self.kind
        if kind == "sum":
            return self._with(current, a + b)
        if kind == "min":
            return self._with(current, b) if b < a else current
        if kind == "max":
            return self._with(current, b) if b > a else current
        if kind == "min_by":
            return value if b < a else current
        if kind == "max_by":
            return value if b > a else current
        raise ValueError(kind)

    def __call__(self, current: Any, value: Any) -> Any:
        return self.reduce(current, value)


class KeyedStream(DataStream):
    """A ``DataStream`` whose records are routed by key; state and timers are scoped to the key."""

    def __init__(self, env: StreamExecutionEnvironment, transformation: Transformation,
                 origin: DataStream, key_selector: Callable, key_type: TypeInformation | None) -> None:
        super().__init__(env, transformation)
        self._origin_stream = origin
        self._key_selector = key_selector
        self._key_type = key_type

    def _keyed(self, name: str, kind: str, params: dict[str, Any], output_type: Any) -> DataStream:
        params = dict(params, key_selector=self._key_selector, key_type=self._key_type)
        return self._one_input(name, kind, params, output_type)

    def process(self, func: F.KeyedProcessFunction, output_type: TypeInformation | None = None) -> DataStream:
        if not isinstance(func, F.KeyedProcessFunction):
            raise TypeError("KeyedProcessFunction is required for KeyedStream.")
        return self._keyed("KeyedProcess", "keyed_process", {"function": func}, output_type)

    def reduce(self, func: Callable | F.ReduceFunction) -> DataStream:
        _check_function(func, F.ReduceFunction, "reduce")
        return self._keyed("Keyed Reduce", "rolling_reduce", {"function": func},
                           self._transformation.output_type)

    def _aggregate(self, kind: str, position: int | str) -> DataStream:
        if not isinstance(position, (int, str)):
            raise TypeError(f"{kind}() takes a field position (int) or a field name (str), got {position!r}")
        self._check_field(kind, position)
        return self._keyed("Keyed Aggregation", "rolling_reduce",
                           {"function": FieldAggregator(kind, position), "aggregation": (kind, position)},
                           self._transformation.output_type)

    def _check_field(self, kind: str, position: int | str) -> None:
        """Reject a field that the declared type does not have (checked again at run time if untyped)."""
        t = self._transformation.output_type
        if t is None:
            return
        names = t.get_field_names() if hasattr(t, "get_field_names") else None
        arity = t.arity() if hasattr(t, "arity") else None
        if isinstance(position, str):
            if names is None:
                raise TypeError(f"{kind}({position!r}): field names need a Row type with named fields "
                                f"(Types.ROW_NAMED), but the stream's type is {t!r}; use a position instead")
            if position not in names:
                raise KeyError(f"{kind}({position!r}): no field named {position!r}; the fields are {list(names)}")
        elif arity is not None and not 0 <= position < arity:
            raise IndexError(f"{kind}({position}): the stream's type {t!r} has {arity} fields "
                             f"(positions 0..{arity - 1})")
        elif arity is None and position != 0:
            raise IndexError(f"{kind}({position}): the stream's type {t!r} has no fields; only position 0 "
                             "(the value itself) is possible")

    def sum(self, position_to_sum: int | str = 0) -> DataStream:
        return self._aggregate("sum", position_to_sum)

    def min(self, position_to_min: int | str = 0) -> DataStream:
        return self._aggregate("min", position_to_min)

    def max(self, position_to_max: int | str = 0) -> DataStream:
        return self._aggregate("max", position_to_max)

    def min_by(self, position_to_min_by: int | str = 0) -> DataStream:
        return self._aggregate("min_by", position_to_min_by)

    def max_by(self, position_to_max_by: int | str = 0) -> DataStream:
        return self._aggregate("max_by", position_to_max_by)

    def map(self, func: Callable | F.MapFunction, output_type: TypeInformation | None = None) -> DataStream:
        _check_function(func, F.MapFunction, "map")
        return self._keyed("Map", "map", {"function": func}, output_type)

    def flat_map(self, func: Callable | F.FlatMapFunction,
                 output_type: TypeInformation | None = None) -> DataStream:
        _check_function(func, F.FlatMapFunction, "flat_map")
        return self._keyed("FlatMap", "flat_map", {"function": func}, output_type)

    def filter(self, func: Callable | F.FilterFunction) -> DataStream:
        _check_function(func, F.FilterFunction, "filter")
        return self._keyed("Filter", "filter", {"function": func}, self._transformation.output_type)

    def key_by(self, key_selector: Callable | F.KeySelector,
               key_type: TypeInformation | None = None) -> KeyedStream:
        return self._origin_stream.key_by(key_selector, key_type)

    def _no_repartition(self, *_: Any) -> DataStream:
        raise ValueError("Cannot override partitioning for KeyedStream: the records are already routed "
                         "by key. Partition the stream before key_by(), or key it differently.")

    shuffle = rebalance = rescale = forward = broadcast = global_ = _no_repartition
    partition_custom = _no_repartition

    def _not_on_keyed(self, what: str) -> None:
        raise ValueError(f"{what} for KeyedStream is not supported: a KeyedStream is not an operator. "
                         "Set it on the operator after key_by(), e.g. key_by(...).sum(1).set_parallelism(2).")

    def set_parallelism(self, parallelism: int) -> DataStream:
        self._not_on_keyed("Set parallelism")
        return self

    def name(self, name: str) -> DataStream:
        self._not_on_keyed("Set name")
        return self

    def uid(self, uid: str) -> DataStream:
        self._not_on_keyed("Set uid")
        return self

    def start_new_chain(self) -> DataStream:
        self._not_on_keyed("Start new chain")
        return self

    def disable_chaining(self) -> DataStream:
        self._not_on_keyed("Disable chaining")
        return self

    def slot_sharing_group(self, slot_sharing_group: Any) -> DataStream:
        self._not_on_keyed("Setting slot sharing group")
        return self

    def window(self, window_assigner: Any) -> Any:
        """Group each key's elements into windows (``KeyedStream.window``)."""
        from flowlab.datastream.windowed_stream import WindowedStream
        return WindowedStream(self, window_assigner)

    def interval_join(self, other_stream: KeyedStream) -> Any:
        """Join with another keyed stream over a time interval (Java's ``KeyedStream.intervalJoin``).

        Java DataStream API only: PyFlink 2.3 has no ``interval_join`` (write it in Flink SQL there); see
        ``flowlab.datastream.interval_join``.
        """
        check(self._env, "KeyedStream.interval_join")
        from flowlab.datastream.interval_join import IntervalJoin
        return IntervalJoin(self, other_stream)

    def count_window(self, size: int, slide: int = 0) -> Any:
        """Windows of ``size`` elements per key, sliding by ``slide`` when given (``KeyedStream.count_window``)."""
        from flowlab.datastream.window import CountSlidingWindowAssigner, CountTumblingWindowAssigner
        from flowlab.datastream.windowed_stream import WindowedStream
        if slide == 0:
            return WindowedStream(self, CountTumblingWindowAssigner.of(size))
        return WindowedStream(self, CountSlidingWindowAssigner.of(size, slide))

setattr(KeyedStream, "global", KeyedStream._no_repartition)
