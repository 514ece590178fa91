"""The simulated cluster: TaskManagers with slots, the ResourceManager, the Dispatcher and a JobMaster.

Their conversation is a sequence of kernel calls at virtual time 0 (RPCs are instantaneous here),
each one a trace event, so a learner can step through a job submission: submit → JobMaster →
CREATED → RUNNING → subtasks SCHEDULED → slots requested and allocated → DEPLOYING →
INITIALIZING → RUNNING, and at the end FINISHED (or FAILED).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from flowlab.runtime.network_service import PHASE_CONTROL
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.job_runtime import JobRuntime
    from flowlab.runtime.task import StreamTask


class NoResourceAvailableError(RuntimeError):
    """The cluster has fewer free slots than the job needs."""


class TaskManager:
    """A worker with a fixed number of slots."""

    def __init__(self, tm_id: str, num_slots: int) -> None:
        self.id = tm_id
        self.slots: list[list[str]] = [[] for _ in range(num_slots)]   # subtask names per slot
        self.allocated: list[str | None] = [None] * num_slots         # slot sharing group slot id


class ResourceManager:
    """Knows every TaskManager's slots and hands free ones to JobMasters, in registration order."""

    def __init__(self) -> None:
        self.taskmanagers: list[TaskManager] = []

    def free_slots(self) -> list[tuple[TaskManager, int]]:
        return [(tm, i) for tm in self.taskmanagers for i, a in enumerate(tm.allocated) if a is None]

    def total_slots(self) -> int:
        return sum(len(tm.slots) for tm in self.taskmanagers)


def cluster_shape(conf: dict[str, Any], slots_needed: int) -> tuple[int, int]:
    """(number of TaskManagers, slots each): Flink's option names; by default enough slots for the job."""
    n_tms = int(conf.get("minicluster.number-of-taskmanagers", 1))
    if n_tms < 1:
        raise ValueError("minicluster.number-of-taskmanagers must be at least 1")
    if "taskmanager.numberOfTaskSlots" in conf:
        slots = int(conf["taskmanager.numberOfTaskSlots"])
    else:
        slots = max(1, math.ceil(slots_needed / n_tms))
    if slots < 1:
        raise ValueError("taskmanager.numberOfTaskSlots must be at least 1")
    return n_tms, slots


class JobMaster:
    """Schedules and tracks one job: execution states per subtask and the job status."""

    def __init__(self, job: JobRuntime) -> None:
        self.job = job
        self.kernel = job.kernel
        self.rec = job.recorder

    def _next(self, fn: Any, *args: Any) -> None:
        self.kernel.schedule(self.kernel.now, fn, *args, phase=PHASE_CONTROL)

    # -- submission ----------------------------------------------------------------------------------
    def boot(self) -> None:
        job = self.job
        n_tms, slots = cluster_shape(job.conf, job.job_graph.slots_needed)
        for i in range(n_tms):
            self._next(self._register_tm, f"tm-{i + 1}", slots)
        self._next(self._submit)

    def _register_tm(self, tm_id: str, slots: int) -> None:
        self.job.rm.taskmanagers.append(TaskManager(tm_id, slots))
        self.rec.emit(EventKind.TASKMANAGER_REGISTERED, detail=f"TaskManager {tm_id} registered {slots} slot(s) "
                      "with the ResourceManager", data={"taskmanager": tm_id, "slots": slots})

    def _submit(self) -> None:
        job = self.job
        self.rec.emit(EventKind.JOB_SUBMITTED, detail=f"Dispatcher accepted job '{job.job_name}' ({job.job_id}): "
                      f"JobGraph with {len(job.job_graph.vertices)} vertices")
        job.set_status("INITIALIZING")
        self._next(self._start_jobmaster)

    def _start_jobmaster(self) -> None:
        job = self.job
        n = sum(v.parallelism for v in job.job_graph.vertices)
        self.rec.emit(EventKind.JOBMASTER_STARTED, detail=f"Dispatcher started a JobMaster; it built the "
                      f"ExecutionGraph: {n} subtasks, {job.channel_count()} channels")
        job.set_status("CREATED")
        self._next(self._start_scheduling)

    def _start_scheduling(self) -> None:
        self.job.set_status("RUNNING")
        for v in self.job.job_graph.vertices:
            self._next(self._transition, v.id, "CREATED", "SCHEDULED")
        self._next(self._request_slots)

    def _transition(self, vertex_id: str, old: str, new: str) -> None:
        job = self.job
        for task in job.tasks[vertex_id]:
            if task.state != old:
                continue
            task.state = new
            where = f" in {task.slot[0]} slot {task.slot[1]}" if task.slot and new == "DEPLOYING" else ""
            self.rec.emit(EventKind.TASK_STATE, vertex_id, task.index, detail=f"{old} -> {new}{where}",
                          data={"from": old, "to": new})
            if new == "INITIALIZING":
                try:
                    task.build_chain()
                    task.open_operators()
                except Exception as exc:  # noqa: BLE001 - open() of a user function failed
                    from flowlab.runtime.task import format_user_traceback
                    job.task_failed(task, exc, format_user_traceback(exc))
                    return
            elif new == "RUNNING":
                task.start()

    def _request_slots(self) -> None:
        job = self.job
        groups: dict[str, int] = {}
        for v in job.job_graph.vertices:
            groups[v.slot_sharing_group] = max(groups.get(v.slot_sharing_group, 0), v.parallelism)
        needed = sum(groups.values())
        desc = ", ".join(f"'{g}' x{n}" for g, n in groups.items())
        self.rec.emit(EventKind.SLOT_REQUESTED, detail=f"JobMaster requests {needed} slot(s) from the "
                      f"ResourceManager (slot sharing groups: {desc})", data={"slots": needed})
        free = job.rm.free_slots()
        if len(free) < needed:
            total = job.rm.total_slots()
            tms = len(job.rm.taskmanagers)
            msg = (f"NoResourceAvailableException: Could not acquire the minimum required resources. The job needs "
                   f"{needed} slot(s) — the highest parallelism of each slot sharing group ({desc}) — but the "
                   f"cluster has {len(free)} free of {total} ({tms} TaskManager(s) x "
                   f"{total // max(tms, 1)} slot(s)). Lower the parallelism, put operators into the same slot "
                   "sharing group, or raise taskmanager.numberOfTaskSlots / minicluster.number-of-taskmanagers.")
            self._next(job.fail_job, NoResourceAvailableError(msg), msg)
            return
        self._next(self._allocate, groups)

    def _allocate(self, groups: dict[str, int]) -> None:
        job = self.job
        free = job.rm.free_slots()
        slot_of: dict[tuple[str, int], tuple[TaskManager, int]] = {}
        k = 0
        for g, n in groups.items():
            for i in range(n):
                tm, s = free[k]
                k += 1
                tm.allocated[s] = f"{g}#{i}"
                slot_of[(g, i)] = (tm, s)
                self.rec.emit(EventKind.SLOT_ALLOCATED, detail=f"ResourceManager gave {tm.id} slot {s} to the job "
                              f"(slot sharing group '{g}', instance {i})",
                              data={"taskmanager": tm.id, "slot": s, "group": g})
        for v in job.job_graph.vertices:
            for task in job.tasks[v.id]:
                tm, s = slot_of[(v.slot_sharing_group, task.index)]
                task.slot = (tm.id, s)
                tm.slots[s].append(task.name)
        for new, old in (("DEPLOYING", "SCHEDULED"), ("INITIALIZING", "DEPLOYING"), ("RUNNING", "INITIALIZING")):
            for v in job.job_graph.vertices:
                self._next(self._transition, v.id, old, new)

    # -- completion ------------------------------------------------------------------------------------
    def task_finished(self, task: StreamTask) -> None:
        old = task.state
        task.state = "FINISHED"
        self.rec.emit(EventKind.TASK_STATE, task.vertex.id, task.index, detail=f"{old} -> FINISHED",
                      data={"from": old, "to": "FINISHED"})
        job = self.job
        if all(t.state == "FINISHED" for ts in job.tasks.values() for t in ts):
            self._next(self._job_finished)

    def _job_finished(self) -> None:
        if self.job.status == "RUNNING":
            self.job.set_status("FINISHED")
