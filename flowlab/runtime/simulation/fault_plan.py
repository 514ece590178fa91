"""The Simulation's plan of scripted faults and stalls, re-applied to every fresh or restored runtime.

``sim.fail``, ``sim.kill_taskmanager`` and ``sim.pause_task`` add to the plan; ``reset``, ``back`` and
``goto`` hand each new runtime to ``apply``, which schedules every planned item that runtime does not
have yet, so time travel replays the same faults at the same virtual moments. An item the runtime
rejects (an unknown vertex, a subtask that does not exist) raises and is *not* kept: the plan only ever
holds items that every later ``reset``/``back`` can apply again.
"""
from __future__ import annotations

from flowlab.runtime.job_runtime import JobRuntime
from flowlab.runtime.simulation.faults import schedule_fault, validate_fault
from flowlab.runtime.simulation.stall import schedule_stall, validate_stall


class FaultPlan:
    """Scripted failures of a subtask or a TaskManager, and GC-like stalls, each at a virtual time."""

    def __init__(self) -> None:
        self.faults: list[tuple[str, str, int, float, str]] = []
        self.stalls: list[tuple[str, int, float, float]] = []

    def add_fault(self, rt: JobRuntime, kind: str, target: str, subtask: int, at_ms: float, message: str) -> None:
        validate_fault(rt, kind, target, subtask, self._lost(len(self.faults)))   # raises before the plan changes
        self.faults.append((kind, target, subtask, at_ms, message))
        self.apply(rt)

    def _lost(self, before: int) -> int:
        """TaskManager losses planned before fault ``before``: a later fault may name their replacements."""
        return sum(1 for f in self.faults[:before] if f[0] == "taskmanager")

    def add_stall(self, rt: JobRuntime, vertex: str, subtask: int, at_ms: float, duration_ms: float) -> None:
        validate_stall(rt, vertex, subtask)
        self.stalls.append((vertex, subtask, at_ms, duration_ms))
        self.apply(rt)

    def apply(self, rt: JobRuntime) -> None:
        """Schedule every planned fault and stall that ``rt`` lacks (after a reset or a restored snapshot)."""
        for number, (kind, target, subtask, at_ms, message) in enumerate(self.faults):
            schedule_fault(rt, number, kind, target, subtask, at_ms, message, self._lost(number))
        for number, (vertex, subtask, at_ms, duration_ms) in enumerate(self.stalls):
            schedule_stall(rt, number, vertex, subtask, at_ms, duration_ms)
