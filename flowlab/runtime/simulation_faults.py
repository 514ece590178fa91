"""The Simulation's fault side: ``fail()`` and ``kill_taskmanager()`` (scripted, deterministic faults).

A mixin of ``flowlab.Simulation``. The plan is kept on the Simulation and re-applied to every fresh or
restored runtime (``reset``, ``back``, ``goto``), so time travel replays the same faults.
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.faults import schedule_fault


class FaultsMixin:
    """Scripted failures of a subtask or a TaskManager at a virtual time."""

    _rt: Any
    now_ms: float

    def fail(self, vertex: str, subtask: int = 0, at_ms: float | None = None,
             message: str = "injected failure") -> None:
        """Fail one subtask at virtual ``at_ms`` (default: now). With no restart strategy the job fails, as
        Flink's would; kept across ``reset``/``back``; ``fault`` and ``task_failed`` trace events show it."""
        self._plan_fault("task", vertex, int(subtask), at_ms, message)

    def kill_taskmanager(self, taskmanager: str = "tm-1", at_ms: float | None = None,
                         message: str = "the TaskManager process died") -> None:
        """Lose a whole TaskManager at virtual ``at_ms`` (default: now): every subtask in its slots fails."""
        self._plan_fault("taskmanager", taskmanager, 0, at_ms, message)

    def _plan_fault(self, kind: str, target: str, subtask: int, at_ms: float | None, message: str) -> None:
        at = self.now_ms if at_ms is None else float(at_ms)
        if at < self.now_ms:
            raise ValueError(f"at_ms={at_ms} lies in the past (now is {self.now_ms:g} ms)")
        self._fault_plan.append((kind, target, subtask, at, message))
        self._apply_faults()

    @property
    def _fault_plan(self) -> list[tuple[str, str, int, float, str]]:
        return self.__dict__.setdefault("_faults", [])

    def _apply_faults(self) -> None:
        for number, (kind, target, subtask, at_ms, message) in enumerate(self._fault_plan):
            schedule_fault(self._rt, number, kind, target, subtask, at_ms, message)
