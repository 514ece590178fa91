"""A GC-like stall: a subtask stops doing useful work for a while at a given virtual time (flowlab extension).

``schedule_stall`` puts a call at ``at_ms`` that posts a mail to the subtask; the mail costs
``duration_ms`` of busy time, so the subtask takes nothing from its input meanwhile, its inputs fill
up and its producers may become back-pressured. The stall is a ``stall`` trace event.
Simplification: the stall starts at the subtask's next mailbox action (after the element it is
processing, if any); a real GC pause would stop it mid-record.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.job_runtime import JobRuntime
    from flowlab.runtime.task import StreamTask

PHASE_STALL = -1     # before anything else at the same time: re-scheduling it after time travel keeps the order


def find_vertex(rt: JobRuntime, vertex: str) -> str:
    """A job vertex id from an id (``v2``), a task name or the name of one of its operators."""
    for v in rt.job_graph.vertices:
        if vertex in (v.id, v.name) or any(vertex in (n.name, n.operator_id) for n in v.operators):
            return v.id
    raise KeyError(f"no job vertex {vertex!r}; vertices: {[(v.id, v.name) for v in rt.job_graph.vertices]}")


def schedule_stall(rt: JobRuntime, number: int, vertex: str, subtask: int, at_ms: float,
                   duration_ms: float) -> None:
    """Schedule stall ``number`` (its index among the Simulation's stalls) unless the runtime already has it."""
    applied: set[int] = rt.__dict__.setdefault("stalls_applied", set())
    if number in applied:
        return
    applied.add(number)
    vid = find_vertex(rt, vertex)
    if not 0 <= subtask < len(rt.tasks[vid]):
        raise IndexError(f"{vid} has {len(rt.tasks[vid])} subtasks; no subtask {subtask}")
    rt.kernel.schedule(round(at_ms * 1000), _due, rt, vid, subtask, round(duration_ms * 1000), phase=PHASE_STALL)


def _due(rt: JobRuntime, vid: str, subtask: int, duration_us: int) -> None:
    task = rt.tasks[vid][subtask]
    if task.state != "RUNNING":
        rt.recorder.emit(EventKind.STALL, vid, subtask, None,
                         f"stall of {duration_us / 1000:g} ms skipped: the subtask is {task.state}",
                         {"duration_ms": duration_us / 1000, "skipped": True})
        return
    task.post_mail(_stall, (task, duration_us))


def _stall(task: StreamTask, duration_us: int) -> None:
    task.cost += duration_us
    task.recorder.emit(EventKind.STALL, task.vertex.id, task.index, None,
                       f"GC-like pause: no progress for {duration_us / 1000:g} ms",
                       {"duration_ms": duration_us / 1000, "skipped": False})
