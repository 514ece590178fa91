"""``WatermarkStrategy``: a timestamp assigner plus a watermark generator (Flink's ``api.common.eventtime``).

The strategy is an inert description; each source split / operator subtask gets its own live
generator from ``create_watermark_generator()``. Watermark arithmetic is Flink's exactly:
bounded out-of-orderness emits ``max_timestamp - delay - 1``.
"""
from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from flowlab.common.time import Duration

LONG_MIN = -(2 ** 63)
LONG_MAX = 2 ** 63 - 1


class TimestampAssigner(ABC):
    """Extracts the event timestamp (ms) from a record (``extract_timestamp(value, record_timestamp)``)."""

    @abstractmethod
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        """The record's event time in milliseconds."""


class WatermarkOutput:
    """Where a generator emits: ``emit_watermark``, ``mark_idle``, ``mark_active`` (runtime implements)."""

    def emit_watermark(self, watermark: int) -> None: ...

    def mark_idle(self) -> None: ...

    def mark_active(self) -> None: ...


class WatermarkGenerator:
    """Flink's ``WatermarkGenerator``: ``on_event`` per record, ``on_periodic_emit`` every interval.

    Java API only (used with ``WatermarkStrategy.for_generator``); not in PyFlink 2.3.
    """

    def on_event(self, event: Any, event_timestamp: int, output: WatermarkOutput) -> None:
        pass

    def on_periodic_emit(self, output: WatermarkOutput) -> None:
        pass


class BoundedOutOfOrdernessWatermarks(WatermarkGenerator):
    """Emits ``max_timestamp - out_of_orderness - 1`` periodically (Flink's class of the same name)."""

    def __init__(self, out_of_orderness_ms: int) -> None:
        if out_of_orderness_ms < 0:
            raise ValueError("max out of orderness must not be negative")
        self.out_of_orderness_ms = out_of_orderness_ms
        # start so that the first candidate is Long.MIN_VALUE, as in Flink
        self.max_timestamp = LONG_MIN + out_of_orderness_ms + 1

    def on_event(self, event: Any, event_timestamp: int, output: WatermarkOutput) -> None:
        if event_timestamp > self.max_timestamp:
            self.max_timestamp = event_timestamp

    def on_periodic_emit(self, output: WatermarkOutput) -> None:
        output.emit_watermark(self.max_timestamp - self.out_of_orderness_ms - 1)


class NoWatermarksGenerator(WatermarkGenerator):
    """``no_watermarks()``: never emits (the stream stays at Long.MIN_VALUE until the end of input)."""


class WatermarksWithIdleness(WatermarkGenerator):
    """Wraps a generator and marks the output idle after ``idle_timeout`` without events.

    Idleness is checked only in ``on_periodic_emit`` (Flink's ``IdlenessTimer``); ``clock`` returns
    the current virtual processing time in ms.
    """

    def __init__(self, inner: WatermarkGenerator, idle_timeout_ms: int, clock: Callable[[], int]) -> None:
        if idle_timeout_ms <= 0:
            raise ValueError("idle timeout must be positive")
        self.inner = inner
        self.idle_timeout_ms = idle_timeout_ms
        self.clock = clock
        self.counter = 0
        self.last_counter = 0
        self.start_of_inactivity: int | None = None
        self.idle = False

    def on_event(self, event: Any, event_timestamp: int, output: WatermarkOutput) -> None:
        self.inner.on_event(event, event_timestamp, output)
        self.counter += 1
        if self.idle:
            output.mark_active()
            self.idle = False

    def on_periodic_emit(self, output: WatermarkOutput) -> None:
        if self._check_if_idle():
            if not self.idle:
                output.mark_idle()
                self.idle = True
        else:
            self.inner.on_periodic_emit(output)

    def _check_if_idle(self) -> bool:
        if self.counter != self.last_counter:
            self.last_counter = self.counter
            self.start_of_inactivity = None
            return False
        now = self.clock()
        if self.start_of_inactivity is None:
            self.start_of_inactivity = now
            return False
        return now - self.start_of_inactivity > self.idle_timeout_ms


class _CallableAssigner(TimestampAssigner):
    def __init__(self, fn: Callable[[Any, int], int]) -> None:
        try:
            params = [p for p in inspect.signature(fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if len(params) == 1 and not any(p.kind == p.VAR_POSITIONAL for p in
                                            inspect.signature(fn).parameters.values()):
                raise TypeError("a timestamp assigner is called as f(value, record_timestamp) and returns the event "
                                "time in ms: write e.g. `lambda value, record_timestamp: value[2]`")
        except ValueError:
            pass
        self.fn = fn

    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        return self.fn(value, record_timestamp)


class WatermarkStrategy:
    """How a stream gets event timestamps and watermarks (PyFlink's ``WatermarkStrategy``)."""

    def __init__(self, generator_factory: Callable[[], WatermarkGenerator], description: str,
                 timestamp_assigner: TimestampAssigner | None = None, idle_timeout_ms: int | None = None,
                 alignment: tuple | None = None, out_of_orderness_ms: int | None = None) -> None:
        self._generator_factory = generator_factory
        self.out_of_orderness_ms = out_of_orderness_ms   # flowlab: None unless bounded out-of-orderness
        self.description = description
        self.timestamp_assigner = timestamp_assigner
        self.idle_timeout_ms = idle_timeout_ms
        self.alignment = alignment

    # -- factories (PyFlink names) --------------------------------------------------------------
    @staticmethod
    def for_bounded_out_of_orderness(max_out_of_orderness: Duration) -> WatermarkStrategy:
        delay = _millis(max_out_of_orderness)
        if delay < 0:
            raise ValueError("max_out_of_orderness must not be negative")
        return WatermarkStrategy(lambda: BoundedOutOfOrdernessWatermarks(delay),
                                 f"bounded out-of-orderness {delay} ms", out_of_orderness_ms=delay)

    @staticmethod
    def for_monotonous_timestamps() -> WatermarkStrategy:
        return WatermarkStrategy(lambda: BoundedOutOfOrdernessWatermarks(0), "monotonous timestamps",
                                 out_of_orderness_ms=0)

    @staticmethod
    def no_watermarks() -> WatermarkStrategy:
        return WatermarkStrategy(NoWatermarksGenerator, "no watermarks")

    @staticmethod
    def for_generator(generator_supplier: Callable[..., WatermarkGenerator]) -> WatermarkStrategy:
        """A user ``WatermarkGenerator`` (Java API's ``forGenerator``; PyFlink lacks it — flowlab extension)."""
        def make() -> WatermarkGenerator:
            try:
                return generator_supplier()
            except TypeError:
                return generator_supplier(None)
        return WatermarkStrategy(make, "custom generator")

    # -- builders -------------------------------------------------------------------------------
    def with_timestamp_assigner(self, timestamp_assigner: TimestampAssigner | Callable) -> WatermarkStrategy:
        """Take event timestamps from ``timestamp_assigner.extract_timestamp(value, record_timestamp)``.

        A plain callable is a flowlab extension: PyFlink 2.3 needs a ``TimestampAssigner`` subclass.
        """
        if not isinstance(timestamp_assigner, TimestampAssigner):
            if not callable(timestamp_assigner):
                raise TypeError("with_timestamp_assigner expects a TimestampAssigner or a callable "
                                "(value, record_timestamp) -> int")
            timestamp_assigner = _CallableAssigner(timestamp_assigner)
        return WatermarkStrategy(self._generator_factory, self.description, timestamp_assigner,
                                 self.idle_timeout_ms, self.alignment, self.out_of_orderness_ms)

    def with_idleness(self, idle_timeout: Duration) -> WatermarkStrategy:
        ms = _millis(idle_timeout)
        if ms <= 0:
            raise ValueError(f"with_idleness needs a positive timeout, got {ms} ms")
        return WatermarkStrategy(self._generator_factory, self.description, self.timestamp_assigner,
                                 ms, self.alignment, self.out_of_orderness_ms)

    def with_watermark_alignment(self, watermark_group: str, max_allowed_watermark_drift: Duration,
                                 update_interval: Duration | None = None) -> WatermarkStrategy:
        """Recorded only (Simplification: flowlab does not pause aligned sources yet)."""
        return WatermarkStrategy(self._generator_factory, self.description, self.timestamp_assigner,
                                 self.idle_timeout_ms, (watermark_group, max_allowed_watermark_drift,
                                                        update_interval), self.out_of_orderness_ms)

    # -- used by the runtime --------------------------------------------------------------------
    @property
    def emits_watermarks(self) -> bool:
        return self._generator_factory is not NoWatermarksGenerator

    def create_watermark_generator(self, clock: Callable[[], int]) -> WatermarkGenerator:
        gen = self._generator_factory()
        if self.idle_timeout_ms is not None:
            gen = WatermarksWithIdleness(gen, self.idle_timeout_ms, clock)
        return gen

    def __repr__(self) -> str:
        return f"WatermarkStrategy({self.description})"


def _millis(d: Any) -> int:
    if isinstance(d, int):
        return d
    if hasattr(d, "to_milliseconds"):
        return int(d.to_milliseconds())
    raise TypeError(f"expected a Duration (e.g. Duration.of_millis(200)), got {d!r}")
