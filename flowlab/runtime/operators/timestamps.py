"""Timestamps and watermarks: ``TimestampsAndWatermarksOperator`` and the emitter sources share.

The generator's ``on_event`` runs per record and ``on_periodic_emit`` every auto-watermark interval
of virtual processing time. A watermark is forwarded only if it is strictly greater than the last
one (so Long.MIN_VALUE is never sent). Mid-pipeline, upstream watermarks are dropped except MAX.
"""
from __future__ import annotations

from typing import Any

from flowlab.common.watermark_strategy import (
    LONG_MAX,
    LONG_MIN,
    NoWatermarksGenerator,
    WatermarkOutput,
    WatermarkStrategy,
)
from flowlab.runtime.operators.base import StreamOperator
from flowlab.trace import EventKind
from flowlab.trace.timefmt import event_time_text


class WatermarkEmitter(WatermarkOutput):
    """Runs a strategy for one operator subtask: assigns timestamps, emits rising watermarks."""

    def __init__(self, op: StreamOperator, strategy: WatermarkStrategy) -> None:
        self.op = op
        self.assigner = strategy.timestamp_assigner
        self.progressive = op.emit_progressive_watermarks    # BATCH: the generator is ignored
        self.generator = (strategy.create_watermark_generator(op.task.now_ms) if self.progressive
                          else NoWatermarksGenerator())
        self.last_emitted = LONG_MIN
        self.idle = False

    def start(self, interval_ms: int) -> None:
        if interval_ms > 0 and self.progressive:
            self.op.task.schedule_periodic(interval_ms, self.on_periodic)

    def timestamp_of(self, value: Any, ts: int | None) -> int:
        if self.assigner is None:
            return LONG_MIN if ts is None else ts
        return self.checked(value, self.assigner.extract_timestamp(value, LONG_MIN if ts is None else ts))

    def checked(self, value: Any, out: Any) -> int:
        """What the assigner returned for ``value`` as an event time: an int within Java's long, or a clear error."""
        if type(out) is not int:
            if isinstance(out, float) and out.is_integer():
                out = int(out)
            else:
                raise TypeError(f"The timestamp assigner returned {out!r} ({type(out).__name__}) for {value!r}; "
                                "it must return the event time in milliseconds as an int")
        if not LONG_MIN <= out <= LONG_MAX:      # a Java long: outside it, windows and watermarks go wrong
            raise ValueError(f"The timestamp assigner returned {out} for {value!r}, outside Java's long range "
                             f"({LONG_MIN}..{LONG_MAX}): Flink's event times are milliseconds since the epoch, "
                             "stored as a Java long")
        return out

    def on_record(self, value: Any, ts: int) -> None:
        self.generator.on_event(value, ts, self)

    def on_periodic(self) -> None:
        self.generator.on_periodic_emit(self)

    # -- WatermarkOutput --------------------------------------------------------------------------
    def emit_watermark(self, watermark: int) -> None:
        if self.idle:
            self.mark_active()
        if watermark > self.last_emitted:
            self.last_emitted = watermark
            self.op.current_watermark = watermark
            task = self.op.task
            task.recorder.emit(EventKind.WATERMARK, task.vertex.id, task.index, self.op.id,
                               f"{self.op.name} emits Watermark({_fmt(watermark)})", {"watermark": watermark})
            self.op.output.emit_watermark(watermark)

    def mark_idle(self) -> None:
        if not self.idle:
            self.idle = True
            task = self.op.task
            task.recorder.emit(EventKind.WATERMARK, task.vertex.id, task.index, self.op.id,
                               f"{self.op.name} marks its output IDLE", {"idle": True})
            self.op.output.emit_status(True)

    def mark_active(self) -> None:
        if self.idle:
            self.idle = False
            self.op.output.emit_status(False)


def _fmt(wm: int) -> str:
    return event_time_text(wm, unit="")


class TimestampsAndWatermarksOperator(StreamOperator):
    """``assign_timestamps_and_watermarks`` in the middle of a pipeline."""

    def open(self) -> None:
        self.emitter = WatermarkEmitter(self, self.node.params["watermark_strategy"])
        self.emitter.start(self.task.auto_watermark_interval_ms)

    def process_element(self, value: Any, ts: int | None) -> None:
        new_ts = self.emitter.timestamp_of(value, ts)
        self.output.collect(value, new_ts)
        self.emitter.on_record(value, new_ts)

    def process_watermark(self, wm: int) -> None:
        if wm == LONG_MAX:             # only the end-of-input watermark passes (Flink's rule)
            self.emitter.emit_watermark(wm)

    def process_watermark_status(self, idle: bool, input_number: int = 1) -> None:
        pass                           # this operator decides idleness itself

    def finish(self) -> None:
        self.emitter.on_periodic()
