"""A GC-like stall: a subtask stops doing useful work for a while at a given virtual time (flowlab extension).

``schedule_stall`` puts a call at ``at_ms`` that posts a mail to the subtask; the mail costs
``duration_ms`` of busy time, so the subtask takes nothing from its input meanwhile, its inputs fill
up and its producers may become back-pressured. The stall is a ``stall`` trace event.
Simplification: the stall starts at the subtask's next mailbox action (after the element it is
processing, if any); a real GC pause would stop it mid-record.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.runtime.phases import PHASE_FAULT
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.job_runtime import JobRuntime
    from flowlab.runtime.tasks.stream_task import StreamTask



def validate_stall(rt: JobRuntime, vertex: str, subtask: int) -> str:
    """The stalled subtask's vertex id; KeyError/IndexError (with the choices) when it does not exist."""
    vid = rt.find_vertex(vertex)
    if not 0 <= subtask < len(rt.tasks[vid]):
        raise IndexError(f"{vid} has {len(rt.tasks[vid])} subtask(s) (0 to {len(rt.tasks[vid]) - 1}); "
                         f"no subtask {subtask}")
    return vid


def schedule_stall(rt: JobRuntime, number: int, vertex: str, subtask: int, at_ms: float,
                   duration_ms: float) -> None:
    """Schedule stall ``number`` (its index among the Simulation's stalls) unless the runtime already has it."""
    applied: set[int] = rt.__dict__.setdefault("stalls_applied", set())
    if number in applied:
        return
    vid = validate_stall(rt, vertex, subtask)
    applied.add(number)
    rt.kernel.schedule(round(at_ms * 1000), _due, rt, vid, subtask, round(duration_ms * 1000), phase=PHASE_FAULT)


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
