"""Injected faults (``sim.fail``, ``sim.kill_taskmanager``): a subtask or a whole TaskManager fails at a
given virtual time, deterministically, so a lesson can script "what happens when this breaks here".

The fault is a ``fault`` trace event followed by ``task_failed``; then the restart strategy decides: without
one (checkpointing off: Flink's default ``none``) the job fails, every other task is canceled and the job ends
FAILED; with one, the failed region restarts (``flowlab.runtime.cluster.recovery``, ``recovery`` trace events).
A lost TaskManager is replaced by a new one (``tm-<n+1>``, ...) after ``flowlab.cluster.taskmanager-replacement-delay``;
a fault may name such a replacement too: it is lost as soon as it has registered.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.runtime.cluster.task_manager import cluster_shape
from flowlab.runtime.phases import PHASE_FAULT
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.job_runtime import JobRuntime

ALIVE = ("SCHEDULED", "DEPLOYING", "INITIALIZING", "RUNNING")
PHASE_DEFERRED = 10     # after every other call at the same virtual time (see flowlab.runtime.phases)


class InjectedFailure(RuntimeError):
    """A failure injected by ``sim.fail`` / ``sim.kill_taskmanager`` (not a bug in the job)."""


def taskmanager_ids(rt: JobRuntime) -> list[str]:
    """The TaskManagers the MiniCluster starts (``tm-1`` ... ``tm-N``), registered or not yet."""
    n_tms, _ = cluster_shape(rt.conf, rt.job_graph.slots_needed)
    return [f"tm-{i + 1}" for i in range(n_tms)]


def validate_fault(rt: JobRuntime, kind: str, target: str, subtask: int, replacements: int = 0) -> None:
    """Raise (KeyError/IndexError with the choices) when the fault names nothing that exists (or may exist: the
    replacements of the ``replacements`` TaskManagers lost before)."""
    if kind == "task":
        vid = rt.find_vertex(target)
        if not 0 <= subtask < len(rt.tasks[vid]):
            raise IndexError(f"{vid} has {len(rt.tasks[vid])} subtask(s) (0 to {len(rt.tasks[vid]) - 1}); "
                             f"no subtask {subtask}")
    elif target not in taskmanager_ids(rt) and not _replacement_id(rt, target, replacements):
        later = (f", and the replacements of the TaskManagers lost before this fault up to tm-"
                 f"{len(taskmanager_ids(rt)) + replacements}" if replacements else "")
        raise KeyError(f"no TaskManager {target!r}; this MiniCluster has {taskmanager_ids(rt)} "
                       f"(minicluster.number-of-taskmanagers){later}")


def _replacement_id(rt: JobRuntime, target: str, replacements: int) -> bool:
    """``tm-<n>`` beyond the MiniCluster's own: the replacement of one of the ``replacements`` lost before."""
    prefix, _, number = target.partition("-")
    n = len(taskmanager_ids(rt))
    return prefix == "tm" and number.isdigit() and n < int(number) <= n + replacements


def schedule_fault(rt: JobRuntime, number: int, kind: str, target: str, subtask: int, at_ms: float,
                   message: str, replacements: int = 0) -> None:
    """Schedule fault ``number`` (its index in the Simulation's plan) unless this runtime already has it."""
    applied: set[int] = rt.__dict__.setdefault("faults_applied", set())
    if number in applied:
        return
    validate_fault(rt, kind, target, subtask, replacements)
    applied.add(number)
    at_us = round(at_ms * 1000)
    if kind == "task":
        rt.kernel.schedule(at_us, _fail_task, rt, rt.find_vertex(target), subtask, message, phase=PHASE_FAULT)
    else:
        rt.kernel.schedule(at_us, _kill_taskmanager, rt, target, message, phase=PHASE_FAULT)


def _defer(rt: JobRuntime, fn: object, *args: object) -> bool:
    """Try again after everything else at the next moment something happens; False if nothing will."""
    nxt = rt.kernel.peek_time()
    if rt.terminal or nxt is None:
        return False
    rt.kernel.schedule(nxt, fn, rt, *args, phase=PHASE_DEFERRED)
    return True


def _fail_task(rt: JobRuntime, vid: str, subtask: int, message: str) -> None:
    task = rt.tasks[vid][subtask]
    if task.state == "CREATED" and _defer(rt, _fail_task, vid, subtask, message):
        return                   # not deployed yet (a fault at t = 0): it fails as soon as it is
    if task.state not in ALIVE:
        rt.recorder.emit(EventKind.FAULT, vid, subtask, None,
                         f"injected fault skipped: the subtask is already {task.state}", {"skipped": True})
        return
    rt.recorder.emit(EventKind.FAULT, vid, subtask, None, f"injected fault: {message}", {"skipped": False})
    rt.task_failed(task, InjectedFailure(message), f"InjectedFailure: {message} (injected by the lesson)\n")


def _kill_taskmanager(rt: JobRuntime, tm_id: str, message: str) -> None:
    names = next((sum(tm.slots, []) for tm in rt.rm.taskmanagers if tm.id == tm_id), None)
    if names is None:
        if _defer(rt, _kill_taskmanager, tm_id, message):
            return               # not registered yet (TaskManagers register at t = 0): lost as soon as it is
        rt.recorder.emit(EventKind.FAULT, None, None, None,
                         f"TaskManager {tm_id} loss skipped: it never registered (the job is {rt.status})",
                         {"taskmanager": tm_id, "subtasks": [], "skipped": True})
        return
    rt.recorder.emit(EventKind.FAULT, None, None, None, f"TaskManager {tm_id} lost: {message}",
                     {"taskmanager": tm_id, "subtasks": list(names)})
    rt.taskmanager_lost(tm_id, InjectedFailure(f"TaskManager {tm_id} lost: {message}"),
                        f"InjectedFailure: TaskManager {tm_id} lost ({message})\n")
