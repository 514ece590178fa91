"""The event loop: calls ordered by a key that does not depend on the order in which they were scheduled.

Time is an integer number of microseconds of virtual processing time. A call's key is
``(time, phase, origin time, origin actor, origin's counter)``: its time, then its phase (lower runs
first), then when it was scheduled, by whom, and the how-manieth call that actor scheduled. Every actor
(an id handed out by ``add_actor``; actor 0 is the global one) counts its own calls, so the key of a call
depends only on what its actor did before, never on how the actors' work was interleaved. That is what
lets an actor run ahead of the others (``may_continue``) and still give exactly the run that one-call-
at-a-time stepping gives.

Each actor has its own queue (the calls that *target* it); a heap of the queues' heads picks the next
call. ``next_key(actor)`` tells an actor the earliest call still due for it, and ``next_key(0)`` the
earliest global one.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

GLOBAL = 0
Key = tuple[int, int, int, int, int]


class ScheduledCall:
    """A handle to a scheduled call; ``cancel()`` makes the loop skip it."""

    __slots__ = ("key", "target", "fn", "args", "cancelled")

    def __init__(self, key: Key, target: int, fn: Callable[..., Any], args: tuple) -> None:
        self.key, self.target, self.fn, self.args = key, target, fn, args
        self.cancelled = False

    @property
    def time(self) -> int:
        return self.key[0]

    def cancel(self) -> None:
        self.cancelled = True


class Kernel:
    """A SimPy-sized discrete-event loop; ``step()`` is the primitive, ``run`` loops over it."""

    def __init__(self) -> None:
        self.now = 0
        self.current = GLOBAL                   # the actor whose call is running
        self.current_key: Key = (0, 0, 0, 0, 0)
        self._queues: list[list[tuple[Key, ScheduledCall]]] = [[]]
        self.counters: list[int] = [0]           # calls each actor has scheduled so far
        self._heads: list[tuple[Key, ScheduledCall]] = []   # each queue's head (and stale entries)
        self.version = 0                        # rises with every call scheduled (cached limits stay valid)

    def add_actor(self) -> int:
        """A new actor with its own queue and counter; returns its id."""
        self._queues.append([])
        self.counters.append(0)
        return len(self._queues) - 1

    def schedule(self, at: int, fn: Callable[..., Any], *args: Any, phase: int = 0,
                 target: int = GLOBAL) -> ScheduledCall:
        """Call ``fn(*args)`` at virtual time ``at`` (µs, never in the past) as a call for actor ``target``."""
        now = self.now
        if at < now:
            at = now
        origin = self.current
        counters = self.counters
        n = counters[origin] = counters[origin] + 1
        self.version += 1
        key = (at, phase, now, origin, n)
        call = ScheduledCall(key, target, fn, args)
        entry = (key, call)
        q = self._queues[target]
        if not q or key < q[0][0]:
            heapq.heappush(self._heads, entry)
        heapq.heappush(q, entry)
        return call

    def next_key(self, actor: int) -> Key | None:
        """The key of the earliest live call for ``actor`` (``GLOBAL``: of the global actor), or None."""
        q = self._queues[actor]
        while q and q[0][1].cancelled:
            heapq.heappop(q)
            if q:
                heapq.heappush(self._heads, q[0])
        return q[0][0] if q else None

    def may_continue(self, at: int, phase: int, horizon: int) -> bool:
        """May the running actor go on inline with a call it would schedule now at ``(at, phase)``?

        Only if that call would be its very next one: earlier than every call due for it or for the global
        actor, and earlier than ``horizon`` (µs; what other actors do now reaches it no sooner). Going on
        counts the call as scheduled and moves the clock, so every later key is as it would have been.
        """
        if at >= horizon:
            return False
        origin = self.current
        key = (at, phase, self.now, origin, self.counters[origin] + 1)
        mine = self.next_key(origin)
        if mine is not None and mine < key:
            return False
        if origin != GLOBAL:
            glob = self.next_key(GLOBAL)
            if glob is not None and glob < key:
                return False
        self.counters[origin] += 1
        self.current_key = key
        self.now = at
        return True

    def limit_for(self, actor: int) -> Key | None:
        """The smallest key among the calls due for ``actor`` and the global ones (valid while ``version``
        stays the same): what ``may_continue`` compares with, for a caller that checks many times."""
        mine = self.next_key(actor)
        glob = self.next_key(GLOBAL)
        if mine is None:
            return glob
        return mine if glob is None or mine < glob else glob

    def go_on(self, at: int, phase: int) -> None:
        """Count the call the running actor would schedule at ``(at, phase)`` and move on to it inline (the
        caller has checked, like ``may_continue``, that it would be the actor's next call)."""
        origin = self.current
        n = self.counters[origin] = self.counters[origin] + 1
        self.current_key = (at, phase, self.now, origin, n)
        self.now = at

    def _pop(self) -> ScheduledCall | None:
        heads = self._heads
        queues = self._queues
        while heads:
            key, call = heapq.heappop(heads)
            q = queues[call.target]
            if not q or q[0][1] is not call:
                continue                        # stale: already run, or no longer this queue's head
            heapq.heappop(q)
            if q:
                heapq.heappush(heads, q[0])
            if call.cancelled:
                continue
            return call
        return None

    def peek_time(self) -> int | None:
        """Time of the next live call, or None when nothing is left."""
        heads = self._heads
        queues = self._queues
        while heads:
            key, call = heads[0]
            q = queues[call.target]
            if not q or q[0][1] is not call:
                heapq.heappop(heads)
                continue
            if call.cancelled:
                heapq.heappop(heads)
                heapq.heappop(q)
                if q:
                    heapq.heappush(heads, q[0])
                continue
            return key[0]
        return None

    def peek_key(self) -> Key | None:
        """Key of the next live call, or None when nothing is left (every later call has a larger key)."""
        return None if self.peek_time() is None else self._heads[0][0]

    def step(self) -> bool:
        """Run the next call; return False when nothing is left to run."""
        call = self._pop()
        if call is None:
            return False
        self.now = call.key[0]
        self.current = call.target
        self.current_key = call.key
        call.fn(*call.args)
        return True

    def run(self, until: int | None = None) -> None:
        """Run calls until none is left or the next one is later than ``until``."""
        while True:
            nxt = self.peek_time()
            if nxt is None or (until is not None and nxt > until):
                break
            self.step()
        if until is not None and until > self.now:
            self.now = until

    def __len__(self) -> int:
        return sum(1 for q in self._queues for _, call in q if not call.cancelled)
