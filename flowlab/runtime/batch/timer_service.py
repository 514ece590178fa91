"""Timers in BATCH (Flink's ``BatchExecutionInternalTimeService``): the current key's timers, fired when it ends.

Keyed input arrives sorted by key, so no watermark is needed while a key's records are processed:
``current_watermark`` is ``Long.MIN_VALUE`` throughout. When the next key starts (or the input ends with the
MAX watermark), the watermark jumps to ``Long.MAX_VALUE`` for the key that ended: its event-time timers fire
in timestamp order, then its processing-time timers (in timestamp order too, however far the clock is from
them); a timer registered during that firing is ignored (Flink logs "Timer service is quiesced"). Then the
watermark drops back to ``Long.MIN_VALUE`` for the next key. Processing-time timers are never scheduled on
the clock. flowlab breaks ties between timers of one timestamp by registration order.
"""
from __future__ import annotations

import heapq
from typing import Any

from flowlab.runtime.elements import LONG_MAX, LONG_MIN
from flowlab.trace import EventKind


class BatchTimerService:
    """Timers of one keyed operator subtask in BATCH mode; the same interface as ``InternalTimerService``."""

    def __init__(self, op: Any) -> None:
        self.op = op                         # the keyed operator: its on_event_time / on_processing_time, its task
        self.current_watermark = LONG_MIN
        self._event: list[tuple[int, int, Any, Any]] = []
        self._event_set: dict[tuple[int, Any, Any], int] = {}
        self._proc: list[tuple[int, int, Any, Any]] = []
        self._proc_set: dict[tuple[int, Any, Any], int] = {}
        self._seq = 0
        self.ignored = 0                     # timers registered while quiesced (while a key's timers fired)

    # -- registration -----------------------------------------------------------------------------
    def register_event_time_timer(self, key: Any, namespace: Any, ts: int) -> None:
        self._register(self._event, self._event_set, key, namespace, ts)

    def register_processing_time_timer(self, key: Any, namespace: Any, ts: int) -> None:
        self._register(self._proc, self._proc_set, key, namespace, ts)

    def delete_event_time_timer(self, key: Any, namespace: Any, ts: int) -> None:
        self._event_set.pop((ts, key, namespace), None)

    def delete_processing_time_timer(self, key: Any, namespace: Any, ts: int) -> None:
        self._proc_set.pop((ts, key, namespace), None)

    def _register(self, heap: list, live: dict, key: Any, namespace: Any, ts: int) -> None:
        if self.current_watermark == LONG_MAX:
            self.ignored += 1                # quiesced: a timer set while the key's timers fire would loop
            return
        ident = (ts, key, namespace)
        if ident in live:
            return
        self._seq += 1
        live[ident] = self._seq
        heapq.heappush(heap, (ts, self._seq, key, namespace))

    # -- firing -----------------------------------------------------------------------------------
    def advance_watermark(self, watermark: int) -> None:
        """Only the MAX watermark at the end of the input arrives here: the last key has ended."""
        if watermark == LONG_MAX:
            self.key_ended()

    def on_processing_time(self, now_ms: int) -> None:
        """Never scheduled in BATCH: processing-time timers fire when their key ends."""

    def key_ended(self) -> None:
        """The current key is done: fire its event-time timers, then its processing-time timers, in timestamp
        order with the watermark at MAX; then the watermark is MIN again for the next key."""
        if not self._event_set and not self._proc_set:
            return
        op = self.op
        task = op.task
        rec = task.recorder
        if rec.enabled:
            key = op.backend.user_key
            rec.emit(EventKind.WATERMARK, task.vertex.id, task.index, op.id,
                     f"{op.name}: key {key!r} ends: watermark MAX fires its {len(self._event_set)} event-time and "
                     f"{len(self._proc_set)} processing-time timer(s), then MIN for the next key",
                     {"watermark": LONG_MAX, "key_end": key, "event_timers": len(self._event_set),
                      "processing_timers": len(self._proc_set)})
        else:
            rec.tick()
        self.current_watermark = LONG_MAX
        for heap, live, fire in ((self._event, self._event_set, op.on_event_time),
                                 (self._proc, self._proc_set, op.on_processing_time)):
            while heap:
                ts, seq, key, ns = heapq.heappop(heap)
                if live.get((ts, key, ns)) != seq:
                    continue          # deleted
                del live[(ts, key, ns)]
                fire(ts, key, ns)
        self.current_watermark = LONG_MIN

    # -- inspection -------------------------------------------------------------------------------
    def event_timers(self) -> list[tuple[int, Any, Any]]:
        return _live(self._event, self._event_set)

    def processing_timers(self) -> list[tuple[int, Any, Any]]:
        return _live(self._proc, self._proc_set)

    def num_event_time_timers(self) -> int:
        return len(self._event_set)

    def num_processing_time_timers(self) -> int:
        return len(self._proc_set)

    def snapshot_key_groups(self, key_group_of: dict[Any, int]) -> dict[int, dict[str, list]]:
        raise RuntimeError("Checkpoints are not supported in BATCH execution")


def _live(heap: list, live: dict) -> list[tuple[int, Any, Any]]:
    entries = sorted((ts, seq, k, ns) for ts, seq, k, ns in heap)
    return [(ts, k, ns) for ts, seq, k, ns in entries if live.get((ts, k, ns)) == seq]
