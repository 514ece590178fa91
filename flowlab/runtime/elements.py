"""Stream elements as they travel on channels (Flink's ``StreamElement`` family).

A record is a plain ``(value, timestamp)`` tuple (timestamp ``None`` = no timestamp) because it is by
far the most frequent element; the other kinds are small classes. Their order on a channel is never
changed, which is what makes watermarks and checkpoint barriers correct.
"""
from __future__ import annotations

from flowlab.trace.timefmt import event_time_text

LONG_MIN = -(2 ** 63)
LONG_MAX = 2 ** 63 - 1


class Watermark:
    """Event time has reached ``timestamp``: no more records with a timestamp <= it are expected."""

    __slots__ = ("timestamp",)

    def __init__(self, timestamp: int) -> None:
        self.timestamp = timestamp

    def __repr__(self) -> str:
        return f"Watermark({fmt_ts(self.timestamp)})"


class WatermarkStatus:
    """IDLE or ACTIVE: an idle channel is left out of the watermark minimum (``StatusWatermarkValve``)."""

    __slots__ = ("idle",)

    def __init__(self, idle: bool) -> None:
        self.idle = idle

    def __repr__(self) -> str:
        return "WatermarkStatus(IDLE)" if self.idle else "WatermarkStatus(ACTIVE)"


class CheckpointBarrier:
    """Separates the records before checkpoint ``checkpoint_id`` from those after it."""

    __slots__ = ("checkpoint_id", "timestamp", "unaligned")

    def __init__(self, checkpoint_id: int, timestamp: int, unaligned: bool = False) -> None:
        self.checkpoint_id = checkpoint_id
        self.timestamp = timestamp
        self.unaligned = unaligned

    def __repr__(self) -> str:
        return f"CheckpointBarrier({self.checkpoint_id})"


class EndOfPartition:
    """The producer subtask finished: nothing more will arrive on this channel."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "EndOfPartition"


END_OF_PARTITION = EndOfPartition()


def fmt_ts(ts: int | None) -> str:
    """Timestamps in trace details: Long.MIN/MAX spelled out, everything else as the bare number (ms)."""
    return event_time_text(ts, unit="", none="no timestamp")


def describe(element: object, limit: int = 60) -> str:
    """Short text for traces: records show their value (and timestamp), other elements their repr."""
    if type(element) is tuple:
        value, ts = element
        text = repr(value)
        if len(text) > limit:
            text = text[: limit - 1] + "…"
        return text if ts is None else f"{text} @{ts}"
    return repr(element)
