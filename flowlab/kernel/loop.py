"""The event loop: one heap ordered by (time, phase, sequence).

Time is an integer number of microseconds of virtual processing time. Every tie is broken by the
phase (lower runs first) and then by a sequence number handed out in scheduling order, so the
order of a run depends only on the program and its seed.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any


class ScheduledCall:
    """A handle to a scheduled call; ``cancel()`` makes the loop skip it."""

    __slots__ = ("time", "phase", "seq", "fn", "args", "cancelled")

    def __init__(self, time: int, phase: int, seq: int, fn: Callable[..., Any], args: tuple) -> None:
        self.time, self.phase, self.seq, self.fn, self.args = time, phase, seq, fn, args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: ScheduledCall) -> bool:
        return (self.time, self.phase, self.seq) < (other.time, other.phase, other.seq)


class Kernel:
    """A SimPy-sized discrete-event loop; ``step()`` is the primitive, ``run`` loops over it."""

    def __init__(self) -> None:
        self.now = 0
        self._queue: list[tuple[int, int, int, ScheduledCall]] = []
        self._seq = 0

    def schedule(self, at: int, fn: Callable[..., Any], *args: Any, phase: int = 0) -> ScheduledCall:
        """Call ``fn(*args)`` at virtual time ``at`` (µs, never in the past)."""
        if at < self.now:
            at = self.now
        self._seq += 1
        call = ScheduledCall(at, phase, self._seq, fn, args)
        heapq.heappush(self._queue, (at, phase, self._seq, call))
        return call

    def peek_time(self) -> int | None:
        """Time of the next live call, or None when the queue is empty."""
        q = self._queue
        while q and q[0][3].cancelled:
            heapq.heappop(q)
        return q[0][0] if q else None

    def would_run_next(self, at: int, phase: int) -> bool:
        """True if a call scheduled now at (at, phase) would be the very next one to run.

        Lets a caller continue inline instead of scheduling itself: the order of every other call is
        unchanged, because a new call's sequence number is larger than all queued ones.
        """
        q = self._queue
        while q and q[0][3].cancelled:
            heapq.heappop(q)
        return not q or (at, phase) < (q[0][0], q[0][1])

    def step(self) -> bool:
        """Run the next call; return False when nothing is left to run."""
        q = self._queue
        while q:
            at, _, _, call = heapq.heappop(q)
            if call.cancelled:
                continue
            self.now = at
            call.fn(*call.args)
            return True
        return False

    def run(self, until: int | None = None) -> None:
        """Run calls until the queue is empty or the next call is later than ``until``."""
        while True:
            nxt = self.peek_time()
            if nxt is None or (until is not None and nxt > until):
                break
            self.step()
        if until is not None and until > self.now:
            self.now = until

    def __len__(self) -> int:
        return sum(1 for entry in self._queue if not entry[3].cancelled)
