"""Time travel: sparse snapshots of the whole runtime, restored and replayed by the Simulation.

A snapshot is a deep copy of the ``JobRuntime`` that shares the run's append-only logs (trace, sink rows,
printed lines, metrics samples: see ``shared_log``). Its cost is measured deterministically, as the
number of objects the copy visited, and the next snapshot is taken only after a number of steps in
proportion to it: copying stays a small share of stepping however large the state grows, and going
back one step replays at most that many steps. Old snapshots are thinned so that their spacing stays
even over the whole run (going back far replays at most ~1/``KEEP`` of the run), with the most recent
``RECENT`` kept dense for Back; a replay to a step also keeps one ``min_interval`` steps before it, so pressing
Back again and again replays only a little.
"""
from __future__ import annotations

from flowlab.runtime.deferred_copy import deep_copy
from flowlab.runtime.job_runtime import JobRuntime
from flowlab.runtime.simulation.copy_check import copy_runtime

KEEP = 48             # snapshots spread over the whole run
RECENT = 8            # the newest ones, never thinned
STEPS_PER_VISIT = 0.25  # steps between snapshots per object a snapshot copies: copying ~ 10-20 % of stepping


class TimeTravel:
    """The snapshots of one Simulation, taken every ``max(min_interval, cost × STEPS_PER_VISIT)`` steps."""

    def __init__(self, min_interval: int) -> None:
        self.min_interval = max(1, min_interval)
        self.snapshots: list[tuple[int, JobRuntime]] = []
        self.next_step = 0

    def __len__(self) -> int:
        return len(self.snapshots)

    def start(self, rt: JobRuntime) -> None:
        """Forget every snapshot and take the one of step 0."""
        self.snapshots = []
        self.next_step = 0
        self.store(0, rt)

    def due(self, step: int) -> bool:
        return step >= self.next_step

    def store(self, step: int, rt: JobRuntime) -> None:
        if self.snapshots and self.snapshots[-1][0] >= step:
            return                                     # replaying: this step's snapshot already exists
        copy, visits = copy_runtime(rt, step)
        self.snapshots.append((step, copy))
        self.next_step = step + max(self.min_interval, int(visits * STEPS_PER_VISIT))
        if len(self.snapshots) > KEEP + RECENT:
            self._thin()

    def _thin(self) -> None:
        """Drop the older snapshot whose neighbours lie closest together (never step 0 nor the recent ones):
        the gaps stay even, so going back anywhere replays at most about 1/KEEP of the run."""
        snaps = self.snapshots
        last_old = len(snaps) - RECENT
        gaps = [(snaps[i + 1][0] - snaps[i - 1][0], i) for i in range(1, last_old)]
        if gaps:
            del snaps[min(gaps)[1]]

    def restore(self, step: int) -> tuple[int, JobRuntime]:
        """A fresh runtime at the newest snapshot at or before ``step``; later snapshots are dropped (the run
        after ``step`` may now differ: a fault planned after going back changes it)."""
        at, snap = max(((s, r) for s, r in self.snapshots if s <= step), key=lambda sr: sr[0])
        self.snapshots = [(s, r) for s, r in self.snapshots if s <= at]
        self.next_step = at + self.min_interval
        return at, deep_copy(snap)
