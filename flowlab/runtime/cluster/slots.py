"""The JobMaster's slots across restarts of a STREAMING job (Flink's ``SlotPool`` + ``slot.request.timeout``).

Each slot holds one instance of a slot sharing group (``(group, i)``: subtask i of every vertex in the group).
A restarted subtask goes back into the slot its group instance had, as Flink's slot pool keeps a job's slots
across a restart. A slot lost with its TaskManager must be requested again from the ResourceManager: a free
slot of another TaskManager, or one of the replacement TaskManager once it has registered. A request not
fulfilled within ``slot.request.timeout`` (default 5 min) fails the waiting subtasks with Flink's
``NoResourceAvailableException`` — a new failure for the restart strategy.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowlab.common.config_values import read_duration_ms
from flowlab.runtime.cluster.resource_manager import NoResourceAvailableError
from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.cluster.job_master import JobMaster

SLOT_TIMEOUT_KEY = "slot.request.timeout"
GroupKey = tuple[str, int]         # (slot sharing group, instance)


class SlotPool:
    """Which slot each slot sharing group instance of the job holds, and the requests waiting for slots."""

    def __init__(self, jm: JobMaster) -> None:
        self.jm = jm
        self.slot_of: dict[GroupKey, tuple[str, int]] = {}
        self.timeout_us = round(read_duration_ms(jm.conf, SLOT_TIMEOUT_KEY, "5 min", minimum=1) * 1000)
        self.waiting: list[tuple[int, list[Any], Callable[[], None], Any]] = []   # (request, tasks, then, timer)
        self.requests = 0

    def lose(self, tm_id: str) -> None:
        """A TaskManager is gone: the slots the job had on it are lost."""
        for key in [k for k, (tm, _) in self.slot_of.items() if tm == tm_id]:
            del self.slot_of[key]

    def acquire(self, tasks: list[Any], then: Callable[[], None]) -> None:
        """Put ``tasks`` into their group instances' slots (requesting the lost ones), then call ``then``."""
        missing = self._missing(tasks)
        if missing:
            jm = self.jm
            jm.rec.emit(EventKind.SLOT_REQUESTED, detail=f"JobMaster requests {len(missing)} slot(s) from the "
                        f"ResourceManager for the restarted subtasks (the job's slots on lost TaskManagers are gone)",
                        data={"slots": len(missing)})
            if not self._allocate(missing):
                self.requests += 1
                timer = jm.kernel.schedule(jm.kernel.now + self.timeout_us, self._timed_out, self.requests,
                                           phase=PHASE_CONTROL)
                self.waiting.append((self.requests, tasks, then, timer))
                return
        self._place(tasks)
        then()

    def _missing(self, tasks: list[Any]) -> list[GroupKey]:
        keys = sorted({(t.vertex.slot_sharing_group, t.index) for t in tasks})
        return [k for k in keys if k not in self.slot_of]

    def _allocate(self, missing: list[GroupKey]) -> bool:
        free = self.jm.rm.free_slots()
        if len(free) < len(missing):
            return False
        for (group, i), (tm, s) in zip(missing, free, strict=False):
            tm.allocated[s] = f"{group}#{i}"
            self.slot_of[(group, i)] = (tm.id, s)
            self.jm.rec.emit(EventKind.SLOT_ALLOCATED, detail=f"ResourceManager gave {tm.id} slot {s} to the job "
                             f"(slot sharing group '{group}', instance {i})",
                             data={"taskmanager": tm.id, "slot": s, "group": group})
        return True

    def _place(self, tasks: list[Any]) -> None:
        by_id = {tm.id: tm for tm in self.jm.rm.taskmanagers}
        for t in tasks:
            tm_id, s = self.slot_of[(t.vertex.slot_sharing_group, t.index)]
            t.slot = (tm_id, s)
            by_id[tm_id].slots[s].append(t.name)

    def taskmanager_registered(self) -> None:
        """A TaskManager registered: the waiting requests take its slots, oldest first."""
        still = []
        for request, tasks, then, timer in self.waiting:
            if any(t.state != "SCHEDULED" for t in tasks):
                timer.cancel()                   # restarted again meanwhile: nothing to deploy
                continue
            missing = self._missing(tasks)
            if missing and not self._allocate(missing):
                still.append((request, tasks, then, timer))
                continue
            timer.cancel()
            self._place(tasks)
            then()
        self.waiting = still

    def _timed_out(self, request: int) -> None:
        entry = next((w for w in self.waiting if w[0] == request), None)
        if entry is None:
            return
        self.waiting.remove(entry)
        tasks = [t for t in entry[1] if t.state == "SCHEDULED"]
        if not tasks or self.jm.terminal:
            return
        text = ("Slot request bulk is not fulfillable! Could not allocate the required slot within slot request "
                f"timeout ({SLOT_TIMEOUT_KEY} is {self.timeout_us / 1000:g} ms): the job's slots were lost with their "
                "TaskManager and no TaskManager with free slots registered (flowlab.cluster.taskmanager-replacement-"
                "delay).")
        self.jm.recovery.slots_timed_out(tasks, NoResourceAvailableError(text), f"NoResourceAvailableException: {text}")
