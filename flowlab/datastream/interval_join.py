"""Interval join of two keyed streams: ``IntervalJoin`` / ``IntervalJoined`` (Flink's ``KeyedStream`` inner classes).

``left.interval_join(right).between(lower, upper).process(ProcessJoinFunction)`` joins a left element
``l`` with every right element ``r`` of the same key with ``l.ts + lower <= r.ts <= l.ts + upper``
(both bounds inclusive unless ``lower_bound_exclusive()`` / ``upper_bound_exclusive()``); each pair is
emitted with timestamp ``max(l.ts, r.ts)``. It runs as one two-input keyed operator named "Interval
Join" (``IntervalJoinOperator``), event time only.

Simplification: PyFlink 2.3 has no ``interval_join``; these are the Java API's names in snake_case.
A PyFlink user writes an interval join in Flink SQL (``... AND r.ts BETWEEN l.ts - INTERVAL ... AND ...``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowlab.common.typeinfo import TypeInformation
from flowlab.datastream import functions as F
from flowlab.datastream.output_tag import OutputTag
from flowlab.datastream.triggers import to_millis
from flowlab.graph.transformations import Transformation

if TYPE_CHECKING:
    from flowlab.datastream.data_stream import DataStream
    from flowlab.datastream.keyed_stream import KeyedStream


class IntervalJoin:
    """Two keyed streams to be joined over a time interval; next ``between(lower, upper)``."""

    def __init__(self, left: KeyedStream, right: KeyedStream) -> None:
        from flowlab.datastream.keyed_stream import KeyedStream
        if not isinstance(left, KeyedStream) or not isinstance(right, KeyedStream):
            raise TypeError("An interval join needs two keyed streams: "
                            "left.key_by(k1).interval_join(right.key_by(k2))")
        if left._env is not right._env:
            raise ValueError("Cannot join streams of different execution environments.")
        a, b = left._key_type, right._key_type
        if a is not None and b is not None and a != b:
            raise TypeError(f"Key types if input KeyedStreams don't match: {a!r} and {b!r}. Key both streams "
                            "by keys of the same type.")
        self.left = left
        self.right = right

    def between(self, lower_bound: Any, upper_bound: Any) -> IntervalJoined:
        """Join ``r`` to ``l`` when ``l.ts + lower_bound <= r.ts <= l.ts + upper_bound`` (Time, Duration or ms)."""
        lower = to_millis(lower_bound, "the lower bound")
        upper = to_millis(upper_bound, "the upper bound")
        if lower > upper:
            raise ValueError(f"lowerBound <= upperBound must be fulfilled: got lower bound {lower} ms > upper "
                             f"bound {upper} ms, so no pair could ever match. Swap them (a negative lower "
                             "bound reaches into the past of the left element).")
        return IntervalJoined(self.left, self.right, lower, upper)


class IntervalJoined:
    """An interval join with bounds; optionally exclusive bounds and late-data side outputs, then ``process``."""

    def __init__(self, left: KeyedStream, right: KeyedStream, lower: int, upper: int) -> None:
        self.left = left
        self.right = right
        self.lower = lower
        self.upper = upper
        self.lower_inclusive = True
        self.upper_inclusive = True
        self.left_late_tag: OutputTag | None = None
        self.right_late_tag: OutputTag | None = None

    def lower_bound_exclusive(self) -> IntervalJoined:
        self.lower_inclusive = False
        return self

    def upper_bound_exclusive(self) -> IntervalJoined:
        self.upper_inclusive = False
        return self

    def side_output_left_late_data(self, output_tag: OutputTag) -> IntervalJoined:
        """Send late left elements to ``output_tag`` instead of dropping them (Flink 1.18+)."""
        self.left_late_tag = _tag(output_tag)
        return self

    def side_output_right_late_data(self, output_tag: OutputTag) -> IntervalJoined:
        """Send late right elements to ``output_tag`` instead of dropping them (Flink 1.18+)."""
        self.right_late_tag = _tag(output_tag)
        return self

    def process(self, process_join_function: F.ProcessJoinFunction,
                output_type: TypeInformation | None = None) -> DataStream:
        from flowlab.datastream.data_stream import DataStream
        if not isinstance(process_join_function, F.ProcessJoinFunction):
            raise TypeError("process() expects a ProcessJoinFunction (process_element(left, right, ctx)), got "
                            f"{type(process_join_function).__name__}")
        env = self.left._env
        params: dict[str, Any] = {
            "function": process_join_function,
            "key_selectors": (self.left._key_selector, self.right._key_selector),
            "key_type": self.left._key_type or self.right._key_type,
            # Flink's operator moves exclusive bounds by one so it only ever compares inclusively
            "lower_bound": self.lower if self.lower_inclusive else self.lower + 1,
            "upper_bound": self.upper if self.upper_inclusive else self.upper - 1,
            "left_late_tag": self.left_late_tag, "right_late_tag": self.right_late_tag,
        }
        t = Transformation(env._new_id(), "Interval Join", "interval_join",
                           [self.left._transformation, self.right._transformation], output_type=output_type,
                           parallelism=env.get_parallelism(), params=params, input_numbers=[1, 2])
        env._add(t)
        return DataStream(env, t)


def _tag(output_tag: Any) -> OutputTag:
    if not isinstance(output_tag, OutputTag):
        raise TypeError("expected an OutputTag")
    return output_tag
