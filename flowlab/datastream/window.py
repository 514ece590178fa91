"""Windows and window assigners (``pyflink.datastream.window``); triggers and evictors are re-exported.

Arithmetic follows Flink's ``TimeWindow`` and the assigners in ``flink-streaming-java``:
a window start is ``ts - ((ts - offset) % size)`` (Python's modulo, valid for negative ``ts``),
windows are ``[start, end)`` with ``max_timestamp() = end - 1``, touching windows intersect.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from flowlab.datastream.state import ValueStateDescriptor
from flowlab.datastream.triggers import (
    LONG_MAX,
    ContinuousEventTimeTrigger,
    ContinuousProcessingTimeTrigger,
    CountEvictor,
    CountTrigger,
    EventTimeTrigger,
    Evictor,
    NeverTrigger,
    ProcessingTimeTrigger,
    PurgingTrigger,
    TimeEvictor,
    Trigger,
    TriggerResult,
    to_millis,
)

__all__ = [
    "ContinuousEventTimeTrigger", "ContinuousProcessingTimeTrigger", "CountEvictor", "CountSlidingWindowAssigner", "CountTrigger",
    "CountTumblingWindowAssigner", "CountWindow", "DynamicEventTimeSessionWindows",
    "DynamicProcessingTimeSessionWindows", "EventTimeSessionWindows", "EventTimeTrigger", "Evictor",
    "GlobalWindow", "GlobalWindows", "MergingWindowAssigner", "NeverTrigger", "ProcessingTimeSessionWindows",
    "ProcessingTimeTrigger", "PurgingTrigger", "SessionWindowTimeGapExtractor", "SlidingEventTimeWindows", "SlidingProcessingTimeWindows",
    "TimeEvictor", "TimeWindow", "Trigger", "TriggerResult", "TumblingEventTimeWindows",
    "TumblingProcessingTimeWindows", "Window", "WindowAssigner",
]

NO_TIMESTAMP_ERROR = (
    "Record has Long.MIN_VALUE timestamp (= no timestamp marker). Is the time characteristic set to "
    "'ProcessingTime', or did you forget to call 'DataStream.assignTimestampsAndWatermarks(...)'? "
    "(flowlab: event-time windows need timestamps — call "
    "ds.assign_timestamps_and_watermarks(WatermarkStrategy...with_timestamp_assigner(...)) before the "
    "window, or use a processing-time assigner.)")


class Window(ABC):
    """A group of elements; ``max_timestamp()`` is the last timestamp that still belongs to it."""

    @abstractmethod
    def max_timestamp(self) -> int: ...


class TimeWindow(Window):
    """The time interval ``[start, end)`` (Flink's ``TimeWindow``)."""

    __slots__ = ("start", "end", "_hash")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self._hash = (start * 1_000_003 + end) & 0x7FFF_FFFF_FFFF_FFFF   # windows are dict keys in hot paths

    def max_timestamp(self) -> int:
        return self.end - 1

    def intersects(self, other: TimeWindow) -> bool:
        """True when the windows overlap or touch (``start <= other.end and end >= other.start``)."""
        return self.start <= other.end and self.end >= other.start

    def cover(self, other: TimeWindow) -> TimeWindow:
        """The smallest window containing both."""
        return TimeWindow(min(self.start, other.start), max(self.end, other.end))

    @staticmethod
    def get_window_start_with_offset(timestamp: int, offset: int, window_size: int) -> int:
        """Start of the window of ``window_size`` (shifted by ``offset``) that contains ``timestamp``."""
        return timestamp - ((timestamp - offset) % window_size)

    @staticmethod
    def merge_windows(windows: list[TimeWindow],
                      callback: Callable[[list[TimeWindow], TimeWindow], None] | None = None
                      ) -> list[tuple[TimeWindow, list[TimeWindow]]]:
        """Fuse intersecting windows (sorted by start); returns ``(merged, originals)`` for groups > 1."""
        merged: list[tuple[TimeWindow, list[TimeWindow]]] = []
        for w in sorted(windows, key=lambda w: (w.start, w.end)):
            if merged and merged[-1][0].intersects(w):
                cover, group = merged[-1]
                merged[-1] = (cover.cover(w), group + [w])
            else:
                merged.append((w, [w]))
        result = [(cover, group) for cover, group in merged if len(group) > 1]
        if callback is not None:
            for cover, group in result:
                callback(group, cover)
        return result

    def __eq__(self, other: object) -> bool:
        return other is self or (isinstance(other, TimeWindow) and self.start == other.start
                                 and self.end == other.end)

    def __hash__(self) -> int:
        return self._hash

    def __lt__(self, other: TimeWindow) -> bool:
        return (self.start, self.end) < (other.start, other.end)

    def __repr__(self) -> str:
        return f"TimeWindow(start={self.start}, end={self.end})"


class GlobalWindow(Window):
    """The single window of ``GlobalWindows``: everything of a key; ``max_timestamp()`` is Long.MAX."""

    __slots__ = ()

    @staticmethod
    def get() -> GlobalWindow:
        return GlobalWindow()

    def max_timestamp(self) -> int:
        return LONG_MAX

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GlobalWindow)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "GlobalWindow"


class CountWindow(Window):
    """A window identified by a counter (PyFlink's count windows)."""

    __slots__ = ("id",)

    def __init__(self, id: int) -> None:
        self.id = id

    def max_timestamp(self) -> int:
        return LONG_MAX

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CountWindow) and self.id == other.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"CountWindow(id={self.id})"


class WindowAssigner(ABC):
    """Assigns each element to zero or more windows (Flink's ``WindowAssigner``)."""

    class WindowAssignerContext(ABC):
        @abstractmethod
        def get_current_processing_time(self) -> int: ...

    @abstractmethod
    def assign_windows(self, element: Any, timestamp: int | None, context: Any) -> list[Window]: ...

    @abstractmethod
    def get_default_trigger(self, env: Any = None) -> Trigger: ...

    @abstractmethod
    def is_event_time(self) -> bool: ...


class MergingWindowAssigner(WindowAssigner):
    """An assigner whose windows may merge (sessions)."""

    @abstractmethod
    def merge_windows(self, windows: list[Window], callback: Any = None) -> list[tuple[Window, list[Window]]]: ...


def _event_timestamp(timestamp: int | None) -> int:
    if timestamp is None or timestamp == -2**63:
        raise RuntimeError(NO_TIMESTAMP_ERROR)
    return timestamp


def _check_size(size: int, offset: int, slide: int | None = None) -> None:
    if size <= 0:
        raise ValueError(f"window size must be > 0 ms, got {size}")
    if slide is not None and slide <= 0:
        raise ValueError(f"window slide must be > 0 ms, got {slide}")
    bound = size if slide is None else slide
    if abs(offset) >= bound:
        what = "size" if slide is None else "slide"
        raise ValueError(f"the window offset must satisfy |offset| < {what}: got offset {offset}, {what} {bound}")


class TumblingEventTimeWindows(WindowAssigner):
    """Fixed-size, non-overlapping event-time windows."""

    def __init__(self, size: int, offset: int = 0) -> None:
        _check_size(size, offset)
        self.size, self.offset = size, offset

    @staticmethod
    def of(size: Any, offset: Any = 0) -> TumblingEventTimeWindows:
        return TumblingEventTimeWindows(to_millis(size, "size"), to_millis(offset, "offset"))

    def assign_windows(self, element: Any, timestamp: int | None, context: Any) -> list[Window]:
        ts = _event_timestamp(timestamp)
        start = TimeWindow.get_window_start_with_offset(ts, self.offset % self.size, self.size)
        return [self._window(start)]

    def _window(self, start: int) -> TimeWindow:
        """The window starting at ``start``: the same object as for the previous element when it is the same
        window (consecutive elements mostly are), so the window operator's dicts find it by identity."""
        last = self.__dict__.get("_last")
        if last is None or last.start != start:
            last = self._last = TimeWindow(start, start + self.size)
        return last

    def get_default_trigger(self, env: Any = None) -> Trigger:
        return EventTimeTrigger()

    def is_event_time(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"TumblingEventTimeWindows({self.size})"


class TumblingProcessingTimeWindows(TumblingEventTimeWindows):
    """Fixed-size windows over the operator's (virtual) processing time."""

    @staticmethod
    def of(size: Any, offset: Any = 0) -> TumblingProcessingTimeWindows:
        return TumblingProcessingTimeWindows(to_millis(size, "size"), to_millis(offset, "offset"))

    def assign_windows(self, element: Any, timestamp: int | None, context: Any) -> list[Window]:
        now = context.get_current_processing_time()
        start = TimeWindow.get_window_start_with_offset(now, self.offset % self.size, self.size)
        return [self._window(start)]

    def get_default_trigger(self, env: Any = None) -> Trigger:
        return ProcessingTimeTrigger()

    def is_event_time(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"TumblingProcessingTimeWindows({self.size})"


class SlidingEventTimeWindows(WindowAssigner):
    """Windows of ``size`` every ``slide``; an element belongs to ceil(size/slide) of them."""

    def __init__(self, size: int, slide: int, offset: int = 0) -> None:
        _check_size(size, offset, slide)
        self.size, self.slide, self.offset = size, slide, offset

    @staticmethod
    def of(size: Any, slide: Any, offset: Any = 0) -> SlidingEventTimeWindows:
        return SlidingEventTimeWindows(to_millis(size, "size"), to_millis(slide, "slide"), to_millis(offset, "offset"))

    def _windows(self, ts: int) -> list[Window]:
        last = TimeWindow.get_window_start_with_offset(ts, self.offset, self.slide)
        cached = self.__dict__.get("_last")          # consecutive elements mostly share their windows: reuse
        if cached is not None and cached[0] == last:  # the same objects (dict lookups by identity)
            return list(cached[1])
        windows: list[Window] = []
        start = last
        while start > ts - self.size:       # newest first, as Flink
            windows.append(TimeWindow(start, start + self.size))
            start -= self.slide
        self._last = (last, tuple(windows))
        return windows

    def assign_windows(self, element: Any, timestamp: int | None, context: Any) -> list[Window]:
        return self._windows(_event_timestamp(timestamp))

    def get_default_trigger(self, env: Any = None) -> Trigger:
        return EventTimeTrigger()

    def is_event_time(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"SlidingEventTimeWindows({self.size}, {self.slide})"


class SlidingProcessingTimeWindows(SlidingEventTimeWindows):
    """Sliding windows over processing time."""

    @staticmethod
    def of(size: Any, slide: Any, offset: Any = 0) -> SlidingProcessingTimeWindows:
        return SlidingProcessingTimeWindows(to_millis(size, "size"), to_millis(slide, "slide"),
                                            to_millis(offset, "offset"))

    def assign_windows(self, element: Any, timestamp: int | None, context: Any) -> list[Window]:
        return self._windows(context.get_current_processing_time())

    def get_default_trigger(self, env: Any = None) -> Trigger:
        return ProcessingTimeTrigger()

    def is_event_time(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"SlidingProcessingTimeWindows({self.size}, {self.slide})"


class EventTimeSessionWindows(MergingWindowAssigner):
    """Sessions: each element opens ``[ts, ts + gap)``; windows that intersect (or touch) merge."""

    def __init__(self, session_gap: int = 0, extractor: Any = None) -> None:
        if extractor is None and session_gap <= 0:
            raise ValueError(f"the session gap must be > 0 ms, got {session_gap}")
        self.session_gap = session_gap
        self.extractor = extractor

    @classmethod
    def with_gap(cls, size: Any) -> EventTimeSessionWindows:
        return cls(to_millis(size, "session gap"))

    @classmethod
    def with_dynamic_gap(cls, extractor: Any) -> EventTimeSessionWindows:
        """``extractor``: a ``SessionWindowTimeGapExtractor`` (``extract(element)``) or a callable; returns the
        ``Dynamic…SessionWindows`` twin, as PyFlink does."""
        if issubclass(cls, ProcessingTimeSessionWindows):
            return DynamicProcessingTimeSessionWindows(0, extractor)
        return DynamicEventTimeSessionWindows(0, extractor)

    def _gap(self, element: Any) -> int:
        if self.extractor is None:
            return self.session_gap
        fn = getattr(self.extractor, "extract", self.extractor)
        gap = to_millis(fn(element), "session gap")
        if gap <= 0:
            raise ValueError(f"the dynamic session gap must be > 0 ms, got {gap} for {element!r}")
        return gap

    def _now(self, timestamp: int | None, context: Any) -> int:
        return _event_timestamp(timestamp)

    def assign_windows(self, element: Any, timestamp: int | None, context: Any) -> list[Window]:
        ts = self._now(timestamp, context)
        return [TimeWindow(ts, ts + self._gap(element))]

    def merge_windows(self, windows: list[Window], callback: Any = None) -> list[tuple[Window, list[Window]]]:
        return TimeWindow.merge_windows(windows, callback)  # type: ignore[arg-type]

    def get_default_trigger(self, env: Any = None) -> Trigger:
        return EventTimeTrigger()

    def is_event_time(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.session_gap})"


class ProcessingTimeSessionWindows(EventTimeSessionWindows):
    """Sessions over processing time."""

    def _now(self, timestamp: int | None, context: Any) -> int:
        return context.get_current_processing_time()

    def get_default_trigger(self, env: Any = None) -> Trigger:
        return ProcessingTimeTrigger()

    def is_event_time(self) -> bool:
        return False


class SessionWindowTimeGapExtractor(ABC):
    """Gives each element its own session gap in ms (``extract(element)``), for ``with_dynamic_gap``."""

    @abstractmethod
    def extract(self, element: Any) -> int: ...


class DynamicEventTimeSessionWindows(EventTimeSessionWindows):
    """Event-time sessions whose gap comes from a ``SessionWindowTimeGapExtractor`` per element."""

    @staticmethod
    def with_dynamic_gap(extractor: Any) -> DynamicEventTimeSessionWindows:
        return DynamicEventTimeSessionWindows(0, extractor)


class DynamicProcessingTimeSessionWindows(ProcessingTimeSessionWindows):
    """Processing-time sessions whose gap comes from a ``SessionWindowTimeGapExtractor`` per element."""

    @staticmethod
    def with_dynamic_gap(extractor: Any) -> DynamicProcessingTimeSessionWindows:
        return DynamicProcessingTimeSessionWindows(0, extractor)


class GlobalWindows(WindowAssigner):
    """All elements of a key in one ``GlobalWindow``; fires only with a custom trigger."""

    @staticmethod
    def create() -> GlobalWindows:
        return GlobalWindows()

    def assign_windows(self, element: Any, timestamp: int | None, context: Any) -> list[Window]:
        return [GlobalWindow()]

    def get_default_trigger(self, env: Any = None) -> Trigger:
        return NeverTrigger()

    def is_event_time(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "GlobalWindows()"


class CountTumblingWindowAssigner(WindowAssigner):
    """``count_window(n)``: the i-th element of a key (counted from 0) goes to ``CountWindow(i // n)``,
    which fires when it holds ``n`` elements (PyFlink's assigner; default trigger ``CountTrigger(n)``)."""

    def __init__(self, window_size: int) -> None:
        if window_size <= 0:
            raise ValueError(f"count_window size must be > 0, got {window_size}")
        self.window_size = window_size
        self._count_descriptor = ValueStateDescriptor("tumble-count-assigner")

    @staticmethod
    def of(window_size: int) -> CountTumblingWindowAssigner:
        return CountTumblingWindowAssigner(window_size)

    def assign_windows(self, element: Any, timestamp: int | None, context: Any) -> list[Window]:
        count = _next_count(context, self._count_descriptor)
        return [CountWindow(count // self.window_size)]

    def get_default_trigger(self, env: Any = None) -> Trigger:
        return CountTrigger.of(self.window_size)

    def is_event_time(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"CountTumblingWindowAssigner({self.window_size})"


class CountSlidingWindowAssigner(WindowAssigner):
    """``count_window(n, s)``: window ``w`` holds the elements counted ``w*s .. w*s + n - 1`` of a key and
    fires when it holds ``n`` of them (PyFlink's assigner: overlapping ``CountWindow``s, ``CountTrigger(n)``).

    Note: Java's ``countWindow(n, s)`` differs (a global window firing every ``s`` elements over the last
    ``n``); flowlab follows PyFlink: for n=3, s=2 over 1..7 it fires [1,2,3], [3,4,5], [5,6,7]."""

    def __init__(self, window_size: int, window_slide: int) -> None:
        if window_size <= 0 or window_slide <= 0:
            raise ValueError(f"count_window size and slide must be > 0, got {window_size}, {window_slide}")
        self.window_size, self.window_slide = window_size, window_slide
        self._count_descriptor = ValueStateDescriptor("slide-count-assigner")

    @staticmethod
    def of(window_size: int, window_slide: int) -> CountSlidingWindowAssigner:
        return CountSlidingWindowAssigner(window_size, window_slide)

    def assign_windows(self, element: Any, timestamp: int | None, context: Any) -> list[Window]:
        count = _next_count(context, self._count_descriptor)
        last_id = count // self.window_slide
        windows = []
        while last_id >= 0:
            start = last_id * self.window_slide
            if not start <= count <= start + self.window_size - 1:
                break
            windows.append(CountWindow(last_id))
            last_id -= 1
        return windows

    def get_default_trigger(self, env: Any = None) -> Trigger:
        return CountTrigger.of(self.window_size)

    def is_event_time(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"CountSlidingWindowAssigner({self.window_size}, {self.window_slide})"


def _next_count(context: Any, descriptor: Any) -> int:
    """The key's element counter (0-based) from keyed state, incremented."""
    state = context.get_runtime_context().get_state(descriptor)
    count = state.value() or 0
    state.update(count + 1)
    return count
