"""The ResourceManager: knows every TaskManager's slots and hands free ones to JobMasters."""
from __future__ import annotations

from flowlab.runtime.cluster.task_manager import TaskManager


class NoResourceAvailableError(RuntimeError):
    """The cluster has fewer free slots than the job needs."""


class ResourceManager:
    """Knows every TaskManager's slots and hands free ones to JobMasters, in registration order."""

    def __init__(self) -> None:
        self.taskmanagers: list[TaskManager] = []

    def free_slots(self) -> list[tuple[TaskManager, int]]:
        return [(tm, i) for tm in self.taskmanagers for i, a in enumerate(tm.allocated) if a is None]

    def total_slots(self) -> int:
        return sum(len(tm.slots) for tm in self.taskmanagers)
