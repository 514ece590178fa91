"""Window triggers (Flink's ``Trigger`` family); importable from ``flowlab.datastream.window`` as in PyFlink.

A trigger decides, per (key, window), when the window's contents are emitted (``FIRE``) and/or
dropped (``PURGE``). It sees elements, timers and merges through a ``Trigger.TriggerContext``
provided by the window operator; its own state lives in ``ctx.get_partitioned_state``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from enum import Enum
from typing import Any

from flowlab.datastream.state import ReducingStateDescriptor, StateDescriptor

LONG_MAX = 2**63 - 1


def to_millis(value: Any, what: str) -> int:
    """Accept ``Time``, ``Duration`` or int milliseconds (PyFlink takes ``Time``/``Duration``)."""
    if hasattr(value, "to_milliseconds"):
        return int(value.to_milliseconds())
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be a Time, a Duration or an int number of milliseconds, got {value!r}")
    return value


class TriggerResult(Enum):
    """What a trigger asks the window operator to do (Flink's ``TriggerResult``)."""

    CONTINUE = (False, False)
    FIRE_AND_PURGE = (True, True)
    FIRE = (True, False)
    PURGE = (False, True)

    def is_fire(self) -> bool:
        return self.value[0]

    def is_purge(self) -> bool:
        return self.value[1]


class Trigger(ABC):
    """Decides when a window fires (Flink's ``Trigger``)."""

    class TriggerContext(ABC):
        @abstractmethod
        def get_current_processing_time(self) -> int: ...

        @abstractmethod
        def get_current_watermark(self) -> int: ...

        @abstractmethod
        def register_processing_time_timer(self, time: int) -> None: ...

        @abstractmethod
        def register_event_time_timer(self, time: int) -> None: ...

        @abstractmethod
        def delete_processing_time_timer(self, time: int) -> None: ...

        @abstractmethod
        def delete_event_time_timer(self, time: int) -> None: ...

        @abstractmethod
        def get_partitioned_state(self, state_descriptor: StateDescriptor) -> Any: ...

        def get_metric_group(self) -> Any:
            return None

    class OnMergeContext(TriggerContext):
        @abstractmethod
        def merge_partitioned_state(self, state_descriptor: StateDescriptor) -> None: ...

    @abstractmethod
    def on_element(self, element: Any, timestamp: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult: ...

    @abstractmethod
    def on_processing_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult: ...

    @abstractmethod
    def on_event_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult: ...

    def can_merge(self) -> bool:
        return False

    def on_merge(self, window: Any, ctx: Trigger.OnMergeContext) -> None:
        raise RuntimeError(f"{type(self).__name__} does not support merging windows")

    @abstractmethod
    def clear(self, window: Any, ctx: Trigger.TriggerContext) -> None: ...


class EventTimeTrigger(Trigger):
    """Fires once the watermark passes ``window.max_timestamp()`` (default for event-time assigners)."""

    def on_element(self, element: Any, timestamp: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        if window.max_timestamp() <= ctx.get_current_watermark():
            return TriggerResult.FIRE      # late but allowed: fire at once
        ctx.register_event_time_timer(window.max_timestamp())
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.FIRE if time == window.max_timestamp() else TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window: Any, ctx: Trigger.OnMergeContext) -> None:
        if window.max_timestamp() > ctx.get_current_watermark():
            ctx.register_event_time_timer(window.max_timestamp())

    def clear(self, window: Any, ctx: Trigger.TriggerContext) -> None:
        ctx.delete_event_time_timer(window.max_timestamp())

    @staticmethod
    def create() -> EventTimeTrigger:
        return EventTimeTrigger()


class ProcessingTimeTrigger(Trigger):
    """Fires when processing time reaches ``window.max_timestamp()``."""

    def on_element(self, element: Any, timestamp: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        ctx.register_processing_time_timer(window.max_timestamp())
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.FIRE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window: Any, ctx: Trigger.OnMergeContext) -> None:
        if window.max_timestamp() > ctx.get_current_processing_time():
            ctx.register_processing_time_timer(window.max_timestamp())

    def clear(self, window: Any, ctx: Trigger.TriggerContext) -> None:
        ctx.delete_processing_time_timer(window.max_timestamp())

    @staticmethod
    def create() -> ProcessingTimeTrigger:
        return ProcessingTimeTrigger()


def _add(a: int, b: int) -> int:
    return a + b


class CountTrigger(Trigger):
    """Fires when the window holds ``count`` elements (counted per window), then restarts counting."""

    def __init__(self, count: int) -> None:
        if count <= 0:
            raise ValueError(f"CountTrigger needs a count > 0, got {count}")
        self.count = count
        self.descriptor = ReducingStateDescriptor("count", _add)

    @staticmethod
    def of(count: int) -> CountTrigger:
        return CountTrigger(count)

    def on_element(self, element: Any, timestamp: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        state = ctx.get_partitioned_state(self.descriptor)
        state.add(1)
        if state.get() >= self.count:
            state.clear()
            return TriggerResult.FIRE
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window: Any, ctx: Trigger.OnMergeContext) -> None:
        ctx.merge_partitioned_state(self.descriptor)

    def clear(self, window: Any, ctx: Trigger.TriggerContext) -> None:
        ctx.get_partitioned_state(self.descriptor).clear()


class PurgingTrigger(Trigger):
    """Turns every ``FIRE`` of the wrapped trigger into ``FIRE_AND_PURGE``."""

    def __init__(self, nested_trigger: Trigger) -> None:
        self.nested_trigger = nested_trigger

    @staticmethod
    def of(nested_trigger: Trigger) -> PurgingTrigger:
        return PurgingTrigger(nested_trigger)

    @staticmethod
    def _purging(result: TriggerResult) -> TriggerResult:
        return TriggerResult.FIRE_AND_PURGE if result.is_fire() else result

    def on_element(self, element: Any, timestamp: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return self._purging(self.nested_trigger.on_element(element, timestamp, window, ctx))

    def on_event_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return self._purging(self.nested_trigger.on_event_time(time, window, ctx))

    def on_processing_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return self._purging(self.nested_trigger.on_processing_time(time, window, ctx))

    def can_merge(self) -> bool:
        return self.nested_trigger.can_merge()

    def on_merge(self, window: Any, ctx: Trigger.OnMergeContext) -> None:
        self.nested_trigger.on_merge(window, ctx)

    def clear(self, window: Any, ctx: Trigger.TriggerContext) -> None:
        self.nested_trigger.clear(window, ctx)


def _min(a: int, b: int) -> int:
    return min(a, b)


class _ContinuousTrigger(Trigger):
    """Shared by the continuous triggers: the next firing time lives in a min-reducing state, one timer at a time."""

    def __init__(self, interval: int) -> None:
        if interval <= 0:
            raise ValueError(f"{type(self).__name__} needs an interval > 0, got {interval}")
        self.interval = interval
        self.descriptor = ReducingStateDescriptor("fire-time", _min)

    @abstractmethod
    def _register(self, ctx: Trigger.TriggerContext, time: int) -> None:
        """Register a timer in this trigger's time domain."""

    @abstractmethod
    def _delete(self, ctx: Trigger.TriggerContext, time: int) -> None:
        """Delete a timer in this trigger's time domain."""

    def _register_next(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> None:
        nxt = min(time, window.max_timestamp())
        ctx.get_partitioned_state(self.descriptor).add(nxt)
        self._register(ctx, nxt)

    def _on_timer(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        if time == window.max_timestamp():
            return TriggerResult.FIRE
        fire = ctx.get_partitioned_state(self.descriptor)
        if fire.get() == time:
            fire.clear()
            self._register_next(time + self.interval, window, ctx)
            return TriggerResult.FIRE
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window: Any, ctx: Trigger.OnMergeContext) -> None:
        ctx.merge_partitioned_state(self.descriptor)
        nxt = ctx.get_partitioned_state(self.descriptor).get()
        if nxt is not None:
            self._register(ctx, nxt)

    def clear(self, window: Any, ctx: Trigger.TriggerContext) -> None:
        fire = ctx.get_partitioned_state(self.descriptor)
        if fire.get() is not None:
            self._delete(ctx, fire.get())
            fire.clear()


class ContinuousEventTimeTrigger(_ContinuousTrigger):
    """Fires every ``interval`` of event time inside the window, and at its end."""

    @staticmethod
    def of(interval: Any) -> ContinuousEventTimeTrigger:
        return ContinuousEventTimeTrigger(to_millis(interval, "interval"))

    def _register(self, ctx: Trigger.TriggerContext, time: int) -> None:
        ctx.register_event_time_timer(time)

    def _delete(self, ctx: Trigger.TriggerContext, time: int) -> None:
        ctx.delete_event_time_timer(time)

    def on_element(self, element: Any, timestamp: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        if window.max_timestamp() <= ctx.get_current_watermark():
            return TriggerResult.FIRE
        ctx.register_event_time_timer(window.max_timestamp())
        if ctx.get_partitioned_state(self.descriptor).get() is None:
            self._register_next(timestamp - timestamp % self.interval + self.interval, window, ctx)
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return self._on_timer(time, window, ctx)

    def on_processing_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE


class ContinuousProcessingTimeTrigger(_ContinuousTrigger):
    """Fires every ``interval`` of processing time while the window is open (and at its end), as
    Flink's ``ContinuousProcessingTimeTrigger``: the next firing is ``min(last + interval, max_timestamp)``."""

    @staticmethod
    def of(interval: Any) -> ContinuousProcessingTimeTrigger:
        return ContinuousProcessingTimeTrigger(to_millis(interval, "interval"))

    def _register(self, ctx: Trigger.TriggerContext, time: int) -> None:
        ctx.register_processing_time_timer(time)

    def _delete(self, ctx: Trigger.TriggerContext, time: int) -> None:
        ctx.delete_processing_time_timer(time)

    def on_element(self, element: Any, timestamp: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        now = ctx.get_current_processing_time()
        if ctx.get_partitioned_state(self.descriptor).get() is None:
            self._register_next(now - now % self.interval + self.interval, window, ctx)
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return self._on_timer(time, window, ctx)


class NeverTrigger(Trigger):
    """Never fires (the default trigger of ``GlobalWindows``)."""

    def on_element(self, element: Any, timestamp: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: Any, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window: Any, ctx: Trigger.OnMergeContext) -> None:
        pass

    def clear(self, window: Any, ctx: Trigger.TriggerContext) -> None:
        pass


class Evictor(ABC):
    """Removes elements from a window before and/or after the window function (Flink's ``Evictor``).

    Java DataStream API only: PyFlink 2.3's windows have no evictors (``WindowedStream.evictor`` is refused
    in strict mode); in PyFlink, skip elements inside a ``ProcessWindowFunction`` instead.

    ``elements`` is a list of ``(value, timestamp)`` pairs; each method returns the pairs to keep.
    Simplification: pairs instead of Flink's ``TimestampedValue`` iterator with ``remove()``.
    """

    @abstractmethod
    def evict_before(self, elements: list[tuple[Any, int | None]], size: int, window: Any,
                     ctx: Any) -> list[tuple[Any, int | None]]: ...

    def evict_after(self, elements: list[tuple[Any, int | None]], size: int, window: Any,
                    ctx: Any) -> list[tuple[Any, int | None]]:
        return elements


class CountEvictor(Evictor):
    """Keeps only the last ``max_count`` elements (before the function, or after with ``do_evict_after``).

    Java DataStream API only; not in PyFlink 2.3.
    """

    def __init__(self, max_count: int, do_evict_after: bool = False) -> None:
        self.max_count = max_count
        self.do_evict_after = do_evict_after

    @staticmethod
    def of(max_count: int, do_evict_after: bool = False) -> CountEvictor:
        return CountEvictor(max_count, do_evict_after)

    def _evict(self, elements: list, size: int) -> list:
        return elements[size - self.max_count:] if size > self.max_count else elements

    def evict_before(self, elements: list, size: int, window: Any, ctx: Any) -> list:
        return elements if self.do_evict_after else self._evict(elements, size)

    def evict_after(self, elements: list, size: int, window: Any, ctx: Any) -> list:
        return self._evict(elements, size) if self.do_evict_after else elements


class TimeEvictor(Evictor):
    """Keeps elements whose timestamp is within ``window_size`` of the newest one (``ts > max - size``).

    Java DataStream API only; not in PyFlink 2.3.
    """

    def __init__(self, window_size: int, do_evict_after: bool = False) -> None:
        self.window_size = window_size
        self.do_evict_after = do_evict_after

    @staticmethod
    def of(window_size: Any, do_evict_after: bool = False) -> TimeEvictor:
        return TimeEvictor(to_millis(window_size, "window_size"), do_evict_after)

    def _evict(self, elements: list) -> list:
        stamps = [ts for _, ts in elements if ts is not None]
        if not stamps:
            return elements
        cut = max(stamps) - self.window_size
        return [(v, ts) for v, ts in elements if ts is None or ts > cut]

    def evict_before(self, elements: list, size: int, window: Any, ctx: Any) -> list:
        return elements if self.do_evict_after else self._evict(elements)

    def evict_after(self, elements: list, size: int, window: Any, ctx: Any) -> list:
        return self._evict(elements) if self.do_evict_after else elements
