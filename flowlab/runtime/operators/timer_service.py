"""Event-time and processing-time timers of one keyed operator (Flink's ``InternalTimerServiceImpl``).

One timer per (key, namespace, timestamp) per time domain: registering it again is a no-op.
``advance_watermark(W)`` fires every event-time timer with timestamp <= W in ascending timestamp;
flowlab breaks ties by registration order (Flink leaves it to its heap).
"""
from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from flowlab.runtime.elements import LONG_MIN


class InternalTimerService:
    """Timers of one operator subtask. ``on_event_time`` / ``on_processing_time`` receive (ts, key, ns)."""

    def __init__(self, on_event_time: Callable[[int, Any, Any], None],
                 on_processing_time: Callable[[int, Any, Any], None],
                 schedule_processing_time: Callable[[int], None], set_key: Callable[[Any], None]) -> None:
        self._on_event_time = on_event_time
        self._on_processing_time = on_processing_time
        self._schedule_processing_time = schedule_processing_time
        self._set_key = set_key
        self.current_watermark = LONG_MIN
        self._event: list[tuple[int, int, Any, Any]] = []
        self._event_set: dict[tuple[int, Any, Any], int] = {}
        self._proc: list[tuple[int, int, Any, Any]] = []
        self._proc_set: dict[tuple[int, Any, Any], int] = {}
        self._seq = 0

    # -- registration -----------------------------------------------------------------------------
    def register_event_time_timer(self, key: Any, namespace: Any, ts: int) -> None:
        self._register(self._event, self._event_set, key, namespace, ts)

    def register_processing_time_timer(self, key: Any, namespace: Any, ts: int) -> None:
        head = self._proc[0][0] if self._proc else None
        if self._register(self._proc, self._proc_set, key, namespace, ts) and (head is None or ts < head):
            self._schedule_processing_time(ts)

    def delete_event_time_timer(self, key: Any, namespace: Any, ts: int) -> None:
        self._event_set.pop((ts, key, namespace), None)

    def delete_processing_time_timer(self, key: Any, namespace: Any, ts: int) -> None:
        self._proc_set.pop((ts, key, namespace), None)

    def _register(self, heap: list, live: dict, key: Any, namespace: Any, ts: int) -> bool:
        ident = (ts, key, namespace)
        if ident in live:
            return False
        self._seq += 1
        live[ident] = self._seq
        heapq.heappush(heap, (ts, self._seq, key, namespace))
        return True

    # -- firing -----------------------------------------------------------------------------------
    def advance_watermark(self, watermark: int) -> None:
        """Set the current watermark, then fire due event-time timers (before the watermark is forwarded)."""
        self.current_watermark = watermark
        heap, live = self._event, self._event_set
        while heap and heap[0][0] <= watermark:
            ts, seq, key, ns = heapq.heappop(heap)
            if live.get((ts, key, ns)) != seq:
                continue          # deleted (or deleted and registered again later)
            del live[(ts, key, ns)]
            self._set_key(key)
            self._on_event_time(ts, key, ns)

    def on_processing_time(self, now_ms: int) -> None:
        heap, live = self._proc, self._proc_set
        while heap and heap[0][0] <= now_ms:
            ts, seq, key, ns = heapq.heappop(heap)
            if live.get((ts, key, ns)) != seq:
                continue
            del live[(ts, key, ns)]
            self._set_key(key)
            self._on_processing_time(ts, key, ns)
        if heap:
            self._schedule_processing_time(heap[0][0])

    # -- inspection -------------------------------------------------------------------------------
    def event_timers(self) -> list[tuple[int, Any, Any]]:
        """Live event-time timers as (timestamp, key, namespace), in firing order."""
        return _live(self._event, self._event_set)

    def processing_timers(self) -> list[tuple[int, Any, Any]]:
        return _live(self._proc, self._proc_set)

    def snapshot_key_groups(self, key_group_of: dict[Any, int]) -> dict[int, dict[str, list]]:
        """Live timers per key group (Flink checkpoints timers with the keyed state): ``{kg: {"event_timers":
        [(ts, key, namespace)], "processing_timers": [...]}}``."""
        out: dict[int, dict[str, list]] = {}
        for name, timers in (("event_timers", self.event_timers()), ("processing_timers", self.processing_timers())):
            for ts, key, ns in timers:
                out.setdefault(key_group_of[key], {}).setdefault(name, []).append((ts, key, ns))
        return out

    def restore_key_groups(self, groups: dict[int, dict[str, list]]) -> None:
        for g in groups.values():
            for ts, key, ns in g.get("event_timers", []):
                self.register_event_time_timer(key, ns, ts)
            for ts, key, ns in g.get("processing_timers", []):
                self.register_processing_time_timer(key, ns, ts)

    def num_event_time_timers(self) -> int:
        return len(self._event_set)

    def num_processing_time_timers(self) -> int:
        return len(self._proc_set)


def _live(heap: list, live: dict) -> list[tuple[int, Any, Any]]:
    entries = sorted((ts, seq, k, ns) for ts, seq, k, ns in heap)
    return [(ts, k, ns) for ts, seq, k, ns in entries if live.get((ts, k, ns)) == seq]
