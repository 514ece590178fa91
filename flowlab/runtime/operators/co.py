"""Two-input operators for ``connect``: co-map, co-flat-map, co-process and keyed co-process.

The operator's watermark is the minimum of its two inputs' watermarks, forwarded only when it rises
(``AbstractStreamOperator.processWatermark1/2``).
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
from flowlab.runtime.operators.process import _Context, _KeyedContext
from flowlab.runtime.operators.simple import flat_map_returned_none


class _TwoInputWatermarks:
    """Combine two inputs' watermarks: min of both, emitted only when it increases."""

    def _init_watermarks(self) -> None:
        self.input_watermarks = [LONG_MIN, LONG_MIN]
        self.input_idle = [False, False]

    def process_watermark(self, wm: int) -> None:
        self._input_watermark(0, wm)

    def process_watermark2(self, wm: int) -> None:
        self._input_watermark(1, wm)

    def _input_watermark(self, i: int, wm: int) -> None:
        self.input_watermarks[i] = wm
        active = [w for w, idle in zip(self.input_watermarks, self.input_idle, strict=True) if not idle]
        combined = min(active) if active else max(self.input_watermarks)
        if combined > self.current_watermark:
            super().process_watermark(combined)

    def _bind_calls(self) -> None:
        """co_map / co_flat_map / co_process all become ``call1/2(value, ctx) -> iterable``.

        Bound methods, not lambdas: a time-travel snapshot deep-copies the operator and its function,
        and a lambda would keep pointing at the original function object."""
        kind = self.node.kind
        if kind == "co_map":
            self.call1, self.call2 = self._map1, self._map2
        elif kind == "co_flat_map":
            self.call1, self.call2 = self._flat_map1, self._flat_map2
        else:
            self.call1, self.call2 = self.function.process_element1, self.function.process_element2

    def _map1(self, value: Any, ctx: Any) -> tuple:
        return (self.function.map1(value),)

    def _map2(self, value: Any, ctx: Any) -> tuple:
        return (self.function.map2(value),)

    def _flat_map1(self, value: Any, ctx: Any) -> Any:
        results = self.function.flat_map1(value)
        if results is None:
            raise flat_map_returned_none(self.name)
        return results

    def _flat_map2(self, value: Any, ctx: Any) -> Any:
        results = self.function.flat_map2(value)
        if results is None:
            raise flat_map_returned_none(self.name)
        return results

    def process_watermark_status(self, idle: bool, input_number: int = 1) -> None:
        """An input going idle leaves the minimum at once (``processWatermarkStatus`` re-evaluates it)."""
        was_idle = all(self.input_idle)
        self.input_idle[input_number - 1] = idle
        now_idle = all(self.input_idle)
        if idle and not now_idle:
            active = [w for w, i in zip(self.input_watermarks, self.input_idle, strict=True) if not i]
            if min(active) > self.current_watermark:
                super().process_watermark(min(active))
        if now_idle != was_idle:
            self.output.emit_status(now_idle)


class CoProcessOperator(_TwoInputWatermarks, UdfOperator):
    """``co_map``/``co_flat_map``/``co_process`` on non-keyed connected streams."""

    def open(self) -> None:
        super().open()
        self._init_watermarks()
        self._bind_calls()
        self.ctx = _Context(NonKeyedTimerService(self))

    def process_element(self, value: Any, ts: int | None) -> None:
        self.ctx._ts = ts
        self.emit_all(self.call1(value, self.ctx), ts)

    def process_element2(self, value: Any, ts: int | None) -> None:
        self.ctx._ts = ts
        self.emit_all(self.call2(value, self.ctx), ts)


class KeyedCoProcessOperator(_TwoInputWatermarks, KeyedUdfOperator):
    """Keyed connected streams: both inputs share keyed state; timers fire ``on_timer``."""

    def __init__(self, node: Any, task: Any, output: Any) -> None:
        self.key_selectors = node.params["key_selectors"]
        super().__init__(node, task, output, key_selector=self.key_selectors[0])

    def open(self) -> None:
        super().open()
        self._init_watermarks()
        self._bind_calls()
        self.ctx = _KeyedContext(KeyedTimerService(self), self.backend)

    def process_element(self, value: Any, ts: int | None) -> None:
        self.key_selector = self.key_selectors[0]
        self.set_key_of(value)
        self.ctx._ts, self.ctx._domain = ts, None
        self.emit_all(self.call1(value, self.ctx), ts)

    def process_element2(self, value: Any, ts: int | None) -> None:
        self.key_selector = self.key_selectors[1]
        self.set_key_of(value)
        self.ctx._ts, self.ctx._domain = ts, None
        self.emit_all(self.call2(value, self.ctx), ts)

    def on_event_time(self, ts: int, key: Any, namespace: Any) -> None:
        self.task.cost += self.cost
        self.ctx._ts, self.ctx._domain = ts, F.TimeDomain.EVENT_TIME
        self.task.note_timer(self, "event-time", ts, key)
        self.emit_all(self.function.on_timer(ts, self.ctx), ts)

    def on_processing_time(self, ts: int, key: Any, namespace: Any) -> None:
        self.task.cost += self.cost
        self.ctx._ts, self.ctx._domain = ts, F.TimeDomain.PROCESSING_TIME
        self.task.note_timer(self, "processing-time", ts, key)
        self.emit_all(self.function.on_timer(ts, self.ctx), ts)   # PyFlink stamps it (Java would erase it)
