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
    """Separates the records before checkpoint ``checkpoint_id`` from those after it (Flink's ``CheckpointBarrier``).

    ``timestamp`` is the virtual ms at which the CheckpointCoordinator triggered the checkpoint; ``alignment``
    is Flink's ``CheckpointOptions.AlignmentType``: ``ALIGNED`` (exactly-once; the channel that delivered it
    waits for the others), ``AT_LEAST_ONCE`` (no waiting), ``UNALIGNED`` (a priority event that overtakes the
    buffered data) or ``FORCED_ALIGNED`` (an unaligned checkpoint's barrier on a pointwise or broadcast edge,
    which always travels in order). ``timeout_ms`` > 0 on an aligned barrier is the aligned-checkpoint timeout
    after which the checkpoint switches to unaligned.
    """

    __slots__ = ("checkpoint_id", "timestamp", "alignment", "timeout_ms", "savepoint")

    def __init__(self, checkpoint_id: int, timestamp: int, alignment: str = "ALIGNED", timeout_ms: int = 0,
                 savepoint: bool = False) -> None:
        self.checkpoint_id = checkpoint_id
        self.timestamp = timestamp
        self.alignment = alignment
        self.timeout_ms = timeout_ms
        self.savepoint = savepoint            # Flink's CheckpointType: a savepoint's state goes to its own directory

    @property
    def unaligned(self) -> bool:
        return self.alignment == "UNALIGNED"

    @property
    def timeoutable(self) -> bool:
        """An aligned barrier that may turn unaligned (Flink's ``TIMEOUTABLE_ALIGNED_CHECKPOINT_BARRIER``)."""
        return self.alignment == "ALIGNED" and self.timeout_ms > 0

    @property
    def blocks_upstream(self) -> bool:
        """Once sent, the channel carries nothing more until the receiver resumes it (exactly-once alignment)."""
        return self.alignment in ("ALIGNED", "FORCED_ALIGNED")

    def with_alignment(self, alignment: str) -> CheckpointBarrier:
        return CheckpointBarrier(self.checkpoint_id, self.timestamp, alignment, self.timeout_ms, self.savepoint)

    def __repr__(self) -> str:
        kind = {"ALIGNED": "", "AT_LEAST_ONCE": ", at-least-once", "UNALIGNED": ", unaligned",
                "FORCED_ALIGNED": ", aligned"}[self.alignment]
        return f"CheckpointBarrier({self.checkpoint_id}{kind}{', savepoint' if self.savepoint else ''})"


class EndOfData:
    """The producer's input has ended (FLIP-147): no more records, but barriers still follow until it finishes.

    Flink's ``StopMode``: ``drain`` (the input really ended, or stop-with-savepoint with drain) finishes the
    operators (they flush what they hold); without it (stop-with-savepoint, no drain) they keep their state for
    the savepoint. ``stop``: sent by a stop-with-savepoint, the subtask waits for that savepoint before it
    finishes even when checkpointing is off."""

    __slots__ = ("drain", "stop")

    def __init__(self, drain: bool = True, stop: bool = False) -> None:
        self.drain = drain
        self.stop = stop

    def __repr__(self) -> str:
        return "EndOfData" if not self.stop else f"EndOfData({'DRAIN' if self.drain else 'NO_DRAIN'})"


END_OF_DATA = EndOfData()


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
