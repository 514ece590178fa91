"""``WindowedStream`` / ``AllWindowedStream``: the builder between ``window(...)`` and a window function.

Every terminal call (``reduce``, ``aggregate``, ``apply``, ``process``, ``sum``…) desugars to one
runtime operator of kind ``"window"`` (Flink's ``WindowOperator``; ``EvictingWindowOperator`` when an
evictor is set). ``reduce``/``aggregate`` keep one value per window; ``apply``/``process`` buffer
every element.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowlab.common.typeinfo import TypeInformation
from flowlab.datastream import functions as F
from flowlab.datastream.data_stream import DataStream, _check_function
from flowlab.datastream.output_tag import OutputTag
from flowlab.datastream.pyflink_compat import check
from flowlab.datastream.triggers import Evictor, Trigger, to_millis
from flowlab.datastream.window import WindowAssigner

if TYPE_CHECKING:
    from flowlab.datastream.keyed_stream import KeyedStream


def all_key(value: Any) -> int:
    """The single key of ``window_all`` (PyFlink's ``NullByteKeySelector``): 0 for every element."""
    return 0


class WindowedStream:
    """A keyed stream split into windows (Flink's ``WindowedStream``)."""

    _keyed_functions = (F.WindowFunction, F.ProcessWindowFunction)

    def __init__(self, keyed_stream: KeyedStream | DataStream, window_assigner: WindowAssigner) -> None:
        if not isinstance(window_assigner, WindowAssigner):
            raise TypeError(f"window() expects a WindowAssigner such as TumblingEventTimeWindows.of(...), "
                            f"got {window_assigner!r}")
        self._stream = keyed_stream
        self._assigner = window_assigner
        self._trigger: Trigger | None = None
        self._evictor: Evictor | None = getattr(window_assigner, "default_evictor", lambda: None)()
        self._allowed_lateness = 0
        self._late_tag: OutputTag | None = None

    # -- configuration ----------------------------------------------------------------------------
    def get_execution_environment(self) -> Any:
        return self._stream.get_execution_environment()

    def get_input_type(self) -> TypeInformation:
        return self._stream.get_type()

    def trigger(self, trigger: Trigger) -> WindowedStream:
        if not isinstance(trigger, Trigger):
            raise TypeError(f"trigger() expects a Trigger, got {trigger!r}")
        self._trigger = trigger
        return self

    def allowed_lateness(self, time_ms: Any) -> WindowedStream:
        ms = to_millis(time_ms, "allowed lateness")
        if ms < 0:
            raise ValueError(f"The allowed lateness cannot be negative, got {ms} ms")
        self._allowed_lateness = ms
        return self

    def side_output_late_data(self, output_tag: OutputTag) -> WindowedStream:
        if not isinstance(output_tag, OutputTag):
            raise TypeError("side_output_late_data expects an OutputTag")
        self._late_tag = output_tag
        return self

    def evictor(self, evictor: Evictor) -> WindowedStream:
        """Remove elements before (and after) the window function runs (Java API only; not in PyFlink 2.3)."""
        check(self.get_execution_environment(), f"{type(self).__name__}.evictor")
        if not isinstance(evictor, Evictor):
            raise TypeError(f"evictor() expects an Evictor such as CountEvictor.of(3), got {evictor!r}")
        self._evictor = evictor
        return self

    # -- window functions -------------------------------------------------------------------------
    def reduce(self, reduce_function: Callable | F.ReduceFunction, window_function: Any = None,
               output_type: TypeInformation | None = None) -> DataStream:
        _check_function(reduce_function, F.ReduceFunction, "reduce")
        self._check_window_function(window_function, required=False)
        out = output_type if window_function is not None else self._stream._transformation.output_type
        return self._build("reduce", reduce_function, window_function, out)

    def aggregate(self, aggregate_function: F.AggregateFunction, window_function: Any = None,
                  accumulator_type: TypeInformation | None = None,
                  output_type: TypeInformation | None = None) -> DataStream:
        if not isinstance(aggregate_function, F.AggregateFunction):
            raise TypeError("aggregate() expects an AggregateFunction (create_accumulator/add/get_result/merge)")
        self._check_window_function(window_function, required=False)
        return self._build("aggregate", aggregate_function, window_function, output_type)

    def apply(self, window_function: Any, output_type: TypeInformation | None = None) -> DataStream:
        self._check_window_function(window_function, required=True, kind=self._keyed_functions[0])
        return self._build("buffer", None, window_function, output_type)

    def process(self, process_window_function: Any, output_type: TypeInformation | None = None) -> DataStream:
        self._check_window_function(process_window_function, required=True, kind=self._keyed_functions[1])
        return self._build("buffer", None, process_window_function, output_type)

    def _field(self, kind: str, position: int | str) -> DataStream:
        """``sum``/``min``/``max``/``min_by``/``max_by`` on a window: Java API only, not in PyFlink 2.3."""
        check(self.get_execution_environment(), f"WindowedStream.{kind}", f"{type(self).__name__}.{kind}")
        from flowlab.datastream.keyed_stream import FieldAggregator
        return self.reduce(FieldAggregator(kind, position))

    # Java's WindowedStream aggregations; PyFlink 2.3's WindowedStream has none of them (use reduce).
    def sum(self, position_to_sum: int | str = 0) -> DataStream:
        return self._field("sum", position_to_sum)

    def min(self, position_to_min: int | str = 0) -> DataStream:
        return self._field("min", position_to_min)

    def max(self, position_to_max: int | str = 0) -> DataStream:
        return self._field("max", position_to_max)

    def min_by(self, position_to_min_by: int | str = 0) -> DataStream:
        return self._field("min_by", position_to_min_by)

    def max_by(self, position_to_max_by: int | str = 0) -> DataStream:
        return self._field("max_by", position_to_max_by)

    # -- helpers ----------------------------------------------------------------------------------
    def _check_window_function(self, fn: Any, required: bool, kind: type | None = None) -> None:
        if fn is None and not required:
            return
        allowed = (kind,) if kind is not None else self._keyed_functions
        if not isinstance(fn, allowed):
            names = " or ".join(c.__name__ for c in allowed)
            raise TypeError(f"expected a {names} here, got {type(fn).__name__}")

    def _params(self, mode: str, function: Any, window_function: Any) -> dict[str, Any]:
        trigger = self._trigger or self._assigner.get_default_trigger(self.get_execution_environment())
        return {"assigner": self._assigner, "trigger": trigger, "evictor": self._evictor,
                "allowed_lateness": self._allowed_lateness, "late_tag": self._late_tag, "mode": mode,
                "function": function, "window_function": window_function}

    def _build(self, mode: str, function: Any, window_function: Any, output_type: Any) -> DataStream:
        name = f"Window({self._assigner!r}, {type(self._trigger).__name__ if self._trigger else 'default'})"
        return self._stream._keyed(name, "window", self._params(mode, function, window_function),
                                   output_type)


class AllWindowedStream(WindowedStream):
    """``window_all``: windows over the whole (non-keyed) stream (PyFlink's ``AllWindowedStream``).

    PyFlink builds it on ``key_by(NullByteKeySelector())``: one key, so one subtask does all the work while
    the operator keeps the default parallelism (Java's ``windowAll`` runs it at parallelism 1 instead).
    """

    _keyed_functions = (F.AllWindowFunction, F.ProcessAllWindowFunction)

    def _build(self, mode: str, function: Any, window_function: Any, output_type: Any) -> DataStream:
        name = f"AllWindow({self._assigner!r})"
        params = dict(self._params(mode, function, window_function), all_window=True)
        return self._stream._keyed(name, "window", params, output_type)
