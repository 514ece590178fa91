"""Savepoints from the Simulation (and a JobClient): trigger one, let virtual time run until it is written.

A savepoint needs the job to move on in virtual time (barriers travel, subtasks snapshot and acknowledge), so
``trigger_savepoint`` and ``stop_with_savepoint`` step the simulation until it completed — the way PyFlink's
``.result()`` of the future waits — and return its folder. A stop-with-savepoint then runs on until every
subtask has finished (the job is FINISHED).
"""
from __future__ import annotations

from collections.abc import Callable

from flowlab.runtime.checkpointing.savepoints import SavepointError
from flowlab.runtime.elements import EndOfData
from flowlab.runtime.job_runtime import JobRuntime


def request(rt: JobRuntime, directory: str | None, stop: bool = False, drain: bool = False) -> int:
    """Trigger a savepoint (``stop``: a stop-with-savepoint, ``drain``: MAX watermark first) now; its id."""
    if not isinstance(drain, bool):
        raise TypeError(f"advance_to_end_of_event_time must be True or False, got {drain!r}")
    return rt.trigger_savepoint(directory, EndOfData(drain=drain, stop=True) if stop else None)


def done(rt: JobRuntime, n: int) -> bool:
    cc = rt.jobmaster.checkpoints
    return cc is not None and n in cc.savepoints


def result(rt: JobRuntime, n: int, stop: bool, advance: Callable[[], bool]) -> str:
    """Step (``advance``) until savepoint ``n`` completed — and for a stop, until the job is over — its folder;
    ``SavepointError`` if it failed. Flink's stop-with-savepoint: sources stop (drain: MAX watermark first), the
    savepoint is taken, side effects are committed, every subtask finishes; the job is FINISHED."""
    cc = rt.jobmaster.checkpoints
    while n not in cc.savepoints:
        if not advance():
            break
    outcome = cc.savepoints.get(n)
    if outcome is None:
        raise SavepointError(f"Savepoint {n} did not complete: the job is {rt.status}"
                             + (f" ({rt.failure.splitlines()[0]})" if rt.failure else "") + ".")
    status, value = outcome
    if status != "COMPLETED":
        raise SavepointError(f"Savepoint {n} failed: {value}")
    if stop:
        while not rt.terminal and advance():
            pass
    return value
