"""Process functions: ``ProcessOperator`` and ``KeyedProcessOperator`` (timers and keyed state).

Output timestamps follow PyFlink 2.3: ``process_element`` keeps the input timestamp; ``on_timer`` emits with
the timer's timestamp, in both time domains (PyFlink's Python worker stamps every timer's results with the
timer's time; Java's ``KeyedProcessOperator`` erases the timestamp of a processing-time timer's results).

``ctx.timestamp()`` is what PyFlink 2.3 returns: the record's timestamp, ``Long.MIN_VALUE``
(-9223372036854775808) for a record that never got one (PyFlink's default "process" mode sends Java's
``StreamRecord.getTimestamp()``, which is ``Long.MIN_VALUE`` then; Java's own ``Context.timestamp()`` returns
``null``), and the timer's time in ``on_timer`` of either time domain.
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream import functions as F
from flowlab.runtime.elements import LONG_MIN
from flowlab.runtime.operators.base import (
    KeyedTimerService,
    KeyedUdfOperator,
    NonKeyedTimerService,
    UdfOperator,
)


class _Context(F.ProcessFunction.Context):
    __slots__ = ("_ts", "_timers")

    def __init__(self, timers: Any) -> None:
        self._ts = None
        self._timers = timers

    def timestamp(self) -> int:
        return LONG_MIN if self._ts is None else self._ts

    def timer_service(self) -> Any:
        return self._timers


class ProcessOperator(UdfOperator):
    def open(self) -> None:
        super().open()
        self.ctx = _Context(NonKeyedTimerService(self))

    def process_element(self, value: Any, ts: int | None) -> None:
        self.ctx._ts = ts
        self.emit_all(self.function.process_element(value, self.ctx), ts)


class _KeyedContext(F.KeyedProcessFunction.OnTimerContext):
    __slots__ = ("_ts", "_timers", "_backend", "_domain")

    def __init__(self, timers: Any, backend: Any) -> None:
        self._ts = None
        self._timers = timers
        self._backend = backend
        self._domain = None

    def timestamp(self) -> int:
        return LONG_MIN if self._ts is None else self._ts

    def timer_service(self) -> Any:
        return self._timers

    def get_current_key(self) -> Any:
        return self._backend.user_key

    def time_domain(self) -> Any:
        return self._domain


class KeyedProcessOperator(KeyedUdfOperator):
    def open(self) -> None:
        super().open()
        self.ctx = _KeyedContext(KeyedTimerService(self), self.backend)

    def process_element(self, value: Any, ts: int | None) -> None:
        self.set_key_of(value)
        ctx = self.ctx
        ctx._ts, ctx._domain = ts, None
        self.emit_all(self.function.process_element(value, ctx), ts)

    def on_event_time(self, ts: int, key: Any, namespace: Any) -> None:
        self.task.cost += self.cost
        ctx = self.ctx
        ctx._ts, ctx._domain = ts, F.TimeDomain.EVENT_TIME
        self.task.note_timer(self, "event-time", ts, key)
        self.emit_all(self.function.on_timer(ts, ctx), ts)

    def on_processing_time(self, ts: int, key: Any, namespace: Any) -> None:
        self.task.cost += self.cost
        ctx = self.ctx
        ctx._ts, ctx._domain = ts, F.TimeDomain.PROCESSING_TIME
        self.task.note_timer(self, "processing-time", ts, key)
        self.emit_all(self.function.on_timer(ts, ctx), ts)      # PyFlink stamps it (Java would erase it)
