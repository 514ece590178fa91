"""Window join and coGroup: ``JoinedStreams`` / ``CoGroupedStreams`` (Flink's classes of those names).

Both desugar exactly as Flink does: each input is mapped to a tagged value (``(0, v)`` for the first
input, ``(1, v)`` for the second; Flink's ``Input1Tagger``/``Input2Tagger`` build a ``TaggedUnion``), the
two tagged streams are unioned, keyed by the key of whichever side a value came from, windowed, and a
window function splits each window's contents by tag again (``CoGroupWindowFunction``). A join is a
coGroup whose function emits the inner product (``JoinCoGroupFunction``): for each left element, for each
right element, in arrival order. So a join emits nothing for a window with only one side, while a coGroup
is called with that side's elements and an empty list. Results carry ``window.max_timestamp()``.

The job graph therefore shows two "Map" operators and one "Window(...)" operator, as Flink's does.

Simplification: PyFlink 2.3's DataStream API has no ``join``/``co_group``; the names are the Java API's in
snake_case (a PyFlink user writes a window join in Flink SQL).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flowlab.common.typeinfo import TypeInformation
from flowlab.datastream import functions as F
from flowlab.datastream.triggers import Evictor, Trigger
from flowlab.datastream.window import WindowAssigner

if TYPE_CHECKING:
    from flowlab.datastream.data_stream import DataStream


class _Tagger(F.MapFunction):
    """Tag a value with the number of the input it came from (Flink's ``Input1Tagger``/``Input2Tagger``)."""

    def __init__(self, tag: int) -> None:
        self.tag = tag

    def map(self, value: Any) -> tuple[int, Any]:
        return (self.tag, value)


class _UnionKeySelector(F.KeySelector):
    """The key of a tagged value: the first input's key selector for tag 0, the second's for tag 1."""

    def __init__(self, key1: Callable[[Any], Any], key2: Callable[[Any], Any]) -> None:
        self.key1 = key1
        self.key2 = key2

    def get_key(self, value: tuple[int, Any]) -> Any:
        tag, v = value
        return self.key1(v) if tag == 0 else self.key2(v)


class _CoGroupWindowFunction(F.WindowFunction):
    """Split a window's tagged contents into both sides and call the coGroup function once."""

    def __init__(self, co_group: F.CoGroupFunction | Callable) -> None:
        self.co_group = co_group

    def open(self, runtime_context: F.RuntimeContext) -> None:
        if isinstance(self.co_group, F.Function):
            self.co_group.open(runtime_context)

    def close(self) -> None:
        if isinstance(self.co_group, F.Function):
            self.co_group.close()

    def apply(self, key: Any, window: Any, inputs: Iterable[tuple[int, Any]]) -> Iterable[Any]:
        first = [v for tag, v in inputs if tag == 0]
        second = [v for tag, v in inputs if tag == 1]
        fn = self.co_group
        call = fn.co_group if isinstance(fn, F.CoGroupFunction) else fn
        return call(first, second) or ()


class _JoinCoGroupFunction(F.CoGroupFunction):
    """A join as a coGroup: every (left, right) pair of one key and window (Flink's ``JoinCoGroupFunction``)."""

    def __init__(self, join: F.JoinFunction | Callable) -> None:
        self.join = join

    def open(self, runtime_context: F.RuntimeContext) -> None:
        if isinstance(self.join, F.Function):
            self.join.open(runtime_context)

    def close(self) -> None:
        if isinstance(self.join, F.Function):
            self.join.close()

    def co_group(self, first: Iterable[Any], second: Iterable[Any]) -> Iterable[Any]:
        call = self.join.join if isinstance(self.join, F.JoinFunction) else self.join
        second = list(second)
        for left in first:
            for right in second:
                yield call(left, right)


def _selector(key_selector: Any) -> Callable[[Any], Any]:
    if isinstance(key_selector, F.KeySelector):
        return key_selector.get_key
    if not callable(key_selector):
        raise TypeError(f"expected a KeySelector or a callable key selector, got {type(key_selector).__name__}")
    return key_selector


class CoGroupedStreams:
    """``ds1.co_group(ds2)``: the start of a windowed coGroup (Flink's ``CoGroupedStreams``; Java API only)."""

    _what = "co_group"

    def __init__(self, input1: DataStream, input2: DataStream) -> None:
        if input1._env is not input2._env:
            raise ValueError(f"Cannot {self._what} streams of different execution environments.")
        self.input1 = input1
        self.input2 = input2

    def where(self, key_selector: Callable | F.KeySelector,
              key_type: TypeInformation | None = None) -> Where:
        """The key of the first input."""
        return Where(self, _selector(key_selector), key_type)


class JoinedStreams(CoGroupedStreams):
    """``ds1.join(ds2)``: the start of a window join (Flink's ``JoinedStreams``; Java API only)."""

    _what = "join"


class Where:
    """``where(key1)`` given; next ``equal_to(key2)``."""

    def __init__(self, streams: CoGroupedStreams, key1: Callable, key_type: TypeInformation | None) -> None:
        self._streams = streams
        self._key1 = key1
        self._key_type = key_type

    def equal_to(self, key_selector: Callable | F.KeySelector,
                 key_type: TypeInformation | None = None) -> EqualTo:
        """The key of the second input; both keys must have the same type."""
        if self._key_type is not None and key_type is not None and self._key_type != key_type:
            raise TypeError(f"The keys for the two inputs are not equal: first key = {self._key_type!r}, second "
                            f"key = {key_type!r}. Both key selectors must return keys of the same type, or no "
                            "element of one side can ever meet an element of the other.")
        return EqualTo(self._streams, self._key1, _selector(key_selector), self._key_type or key_type)


class EqualTo:
    """Both keys given; next ``window(assigner)``."""

    def __init__(self, streams: CoGroupedStreams, key1: Callable, key2: Callable,
                 key_type: TypeInformation | None) -> None:
        self._streams = streams
        self._key1, self._key2 = key1, key2
        self._key_type = key_type

    def window(self, assigner: WindowAssigner) -> WithWindow:
        if not isinstance(assigner, WindowAssigner):
            raise TypeError(f"window() expects a WindowAssigner such as TumblingEventTimeWindows.of(...), "
                            f"got {assigner!r}")
        return WithWindow(self._streams, self._key1, self._key2, self._key_type, assigner)


class WithWindow:
    """Keys and window given; optional trigger/evictor/lateness, then ``apply`` (``WithWindow``)."""

    def __init__(self, streams: CoGroupedStreams, key1: Callable, key2: Callable,
                 key_type: TypeInformation | None, assigner: WindowAssigner) -> None:
        self._streams = streams
        self._key1, self._key2 = key1, key2
        self._key_type = key_type
        self._assigner = assigner
        self._trigger: Trigger | None = None
        self._evictor: Evictor | None = None
        self._allowed_lateness: Any = 0

    def trigger(self, trigger: Trigger) -> WithWindow:
        self._trigger = trigger
        return self

    def evictor(self, evictor: Evictor) -> WithWindow:
        self._evictor = evictor
        return self

    def allowed_lateness(self, time_ms: Any) -> WithWindow:
        self._allowed_lateness = time_ms
        return self

    def apply(self, function: Any, output_type: TypeInformation | None = None) -> DataStream:
        """Run ``function`` per key and window: a ``JoinFunction`` for a join, a ``CoGroupFunction`` for coGroup."""
        if isinstance(self._streams, JoinedStreams):
            _check(function, F.JoinFunction, "join")
            co_group: Any = _JoinCoGroupFunction(function)
        else:
            _check(function, F.CoGroupFunction, "co_group")
            co_group = function
        return self._windowed().apply(_CoGroupWindowFunction(co_group), output_type)

    def _windowed(self) -> Any:
        s = self._streams
        tagged1 = _tag(s.input1, 0)
        tagged2 = _tag(s.input2, 1)
        keyed = tagged1.union(tagged2).key_by(_UnionKeySelector(self._key1, self._key2), self._key_type)
        ws = keyed.window(self._assigner)
        if self._trigger is not None:
            ws = ws.trigger(self._trigger)
        if self._evictor is not None:
            ws = ws.evictor(self._evictor)
        return ws.allowed_lateness(self._allowed_lateness)


def _check(function: Any, cls: type, method: str) -> None:
    if not isinstance(function, cls) and (isinstance(function, F.Function) or not callable(function)):
        raise TypeError(f"apply() expects a {cls.__name__} (with a '{method}' method) or a callable here, "
                        f"got {type(function).__name__}")


def _tag(stream: DataStream, tag: int) -> DataStream:
    """``stream.map(tagger)`` at the input's parallelism, as Flink builds it."""
    tagged = stream.map(_Tagger(tag))
    tagged._transformation.parallelism = stream._transformation.parallelism
    return tagged
