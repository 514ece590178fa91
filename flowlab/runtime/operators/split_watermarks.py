"""Per-split watermarks of a source subtask (Flink's ``WatermarkOutputMultiplexer`` in the ``SourceOperator``).

A FLIP-27 source reading several splits (Kafka partitions) runs one watermark generator per split and
emits the minimum over the splits that are not idle; a finished split is released and no longer holds
the watermark back; when every split is idle the subtask's output is idle. So one slow or silent
partition holds back the whole subtask — unless ``with_idleness`` lets it go idle.
"""
from __future__ import annotations

from typing import Any

from flowlab.common.watermark_strategy import LONG_MIN, WatermarkOutput, WatermarkStrategy
from flowlab.runtime.operators.base import StreamOperator
from flowlab.runtime.operators.timestamps import WatermarkEmitter


class SplitOutput(WatermarkOutput):
    """What one split's generator said: its watermark and whether it is idle."""

    __slots__ = ("watermark", "idle", "released")

    def __init__(self) -> None:
        self.watermark = LONG_MIN
        self.idle = False
        self.released = False

    def emit_watermark(self, watermark: int) -> None:
        self.idle = False
        if watermark > self.watermark:
            self.watermark = watermark

    def mark_idle(self) -> None:
        self.idle = True

    def mark_active(self) -> None:
        self.idle = False


class SplitWatermarkEmitter(WatermarkEmitter):
    """One generator per split; the subtask emits the combined (minimum) watermark when it rises."""

    def __init__(self, op: StreamOperator, strategy: WatermarkStrategy, split_ids: list[int]) -> None:
        super().__init__(op, strategy)
        clock = op.task.now_ms
        self.split_generators = {sid: strategy.create_watermark_generator(clock) for sid in split_ids}
        self.split_outputs = {sid: SplitOutput() for sid in split_ids}
        self.generator = self.split_generators[split_ids[0]]     # for views: the first split's generator

    def on_record(self, value: Any, ts: int, split: int | None = None) -> None:
        if split is None:
            return super().on_record(value, ts)
        self.split_generators[split].on_event(value, ts, self.split_outputs[split])
        self._combine()

    def on_periodic(self) -> None:
        reader = getattr(self.op, "reader", None)
        finished = reader.finished_splits(self.op.task.kernel.now) if reader is not None else []
        for sid in finished:
            self.split_outputs[sid].released = True
        for sid, gen in self.split_generators.items():
            out = self.split_outputs[sid]
            if not out.released:
                gen.on_periodic_emit(out)
        self._combine()

    def _combine(self) -> None:
        live = [o for o in self.split_outputs.values() if not o.released]
        if not live:
            return
        active = [o for o in live if not o.idle]
        if not active:
            self.mark_idle()
            return
        if self.idle:
            self.mark_active()
        combined = min(o.watermark for o in active)
        if combined > self.last_emitted:
            self.emit_watermark(combined)

    def split_state(self) -> dict[int, dict[str, Any]]:
        return {sid: {"watermark": o.watermark, "idle": o.idle, "released": o.released}
                for sid, o in self.split_outputs.items()}
