"""``GeneratorSource``: a seeded data generator with a rate (like Flink's ``DataGeneratorSource``)."""
from __future__ import annotations

import inspect
import math
import random
from collections.abc import Callable
from typing import Any


class GeneratorSource:
    """Element *i* is ``generator(i)`` (or ``generator(i, rng)`` with the run's seeded random stream).

    flowlab extension, not in PyFlink 2.3 (it resembles Java's ``DataGeneratorSource``); on PyFlink use
    ``NumberSequenceSource`` with a ``map`` or the Table API's ``datagen`` connector.

    ``records_per_second`` is the total rate over all source subtasks (virtual time); ``count=None``
    makes the source unbounded. Subtask *s* of *p* emits indices s, s+p, s+2p, …

    The rate is a limit, as Flink's ``RateLimiterStrategy.perSecond`` (Guava's bursty ``RateLimiter``,
    ``records_per_second / p`` permits per second and subtask): a subtask that could not emit for a while
    (back-pressured, stalled) catches up at most one second's worth of records at once, then goes on at
    its rate; it never emits the whole backlog it "missed".
    """

    def __init__(self, generator: Callable[..., Any] | None = None, count: int | None = None,
                 records_per_second: float = 1000.0) -> None:
        if (isinstance(records_per_second, bool) or not isinstance(records_per_second, (int, float))
                or not math.isfinite(records_per_second) or records_per_second <= 0):
            raise ValueError(f"records_per_second must be a finite number > 0, got {records_per_second!r}")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise ValueError(f"count must be an int >= 0 (or None for an unbounded source), got {count!r}")
        self.generator = generator or (lambda i: i)
        self.count = count
        self.records_per_second = float(records_per_second)
        try:
            params = [p for p in inspect.signature(self.generator).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            self.wants_rng = len(params) >= 2
        except (TypeError, ValueError):
            self.wants_rng = False

    def __deepcopy__(self, memo: dict) -> GeneratorSource:
        return self

    def is_bounded(self) -> bool:
        return self.count is not None

    def create_reader(self, subtask: int, parallelism: int, rng: random.Random) -> GeneratorReader:
        return GeneratorReader(self, subtask, parallelism, rng)

    def redistribute_positions(self, positions: list[dict | None], parallelism: int) -> list[dict]:
        """A restore at another parallelism: old subtask s of p had emitted indices s, s+p, … (``position`` of
        them); the new subtasks go on from the first index not emitted, N, each with as many of its own indices
        below N as it would have had. Simplification: an index above N that was already emitted (subtasks a step
        apart) comes again."""
        p = len(positions)
        ends = []
        for s, pos in enumerate(positions):
            if pos is None or pos.get("finished"):
                ends.append(None)
            else:
                ends.append(s + pos["position"] * p)
        known = [e for e in ends if e is not None]
        first_missing = min(known) if known else (self.count or 0)
        return [{"position": max(0, -(-(first_missing - s) // parallelism))} for s in range(parallelism)]


MAX_BURST_US = 1_000_000     # Guava's RateLimiter.create stores at most 1 s of unused permits


class GeneratorReader:
    """One subtask's rate-limited share of the indices: permit *n* falls due ``n`` periods after the start, but
    never more than ``MAX_BURST_US`` before the moment it is asked for (Guava's stored permits)."""

    def __init__(self, source: GeneratorSource, subtask: int, parallelism: int, rng: random.Random) -> None:
        self.source = source
        self.subtask = subtask
        self.parallelism = parallelism
        self.rng = rng
        self.position = 0
        self.period_us = 1e6 * parallelism / source.records_per_second
        self.clock: Any = None              # the task's kernel, once bound
        self.anchor_us = 0                  # permit ``anchor_position`` fell due at ``anchor_us``
        self.anchor_position = 0

    def bind(self, task: Any) -> None:
        """The source task opens the reader: its limiter starts now, with no stored permits (as Guava's)."""
        self.clock = task.kernel
        self.anchor_us = task.kernel.now

    def snapshot_position(self) -> dict[str, Any]:
        """How many of its indices this subtask emitted (Flink's ``DataGeneratorSource`` split state)."""
        return {"position": self.position}

    def restore_position(self, state: dict[str, Any]) -> None:
        """Go on after ``state["position"]`` of its indices; the rate limiter starts afresh now."""
        self.position = self.anchor_position = state["position"]

    def _index(self) -> int:
        return self.subtask + self.position * self.parallelism

    def _due_us(self) -> int:
        return self.anchor_us + round((self.position - self.anchor_position) * self.period_us)

    def next_arrival_us(self) -> int | None:
        if self.source.count is not None and self._index() >= self.source.count:
            return None
        due = self._due_us()
        if self.clock is not None:
            due = max(due, self.clock.now - MAX_BURST_US)
        return due

    def poll(self) -> tuple[Any, int | None]:
        if self.clock is not None:
            oldest = self.clock.now - MAX_BURST_US
            if self._due_us() < oldest:          # permits older than 1 s were never stored: drop them
                self.anchor_us, self.anchor_position = oldest, self.position
        i = self._index()
        self.position += 1
        gen = self.source.generator
        return (gen(i, self.rng) if self.source.wants_rng else gen(i)), None
