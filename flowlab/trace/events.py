"""Trace events: what happened, when (virtual µs), where (vertex, subtask, operator), at which step.

The runtime emits them; nothing else writes them. Columns of ``Simulation.trace`` are
``TraceEvent.COLUMNS`` in that order, and are part of flowlab's public contract.
"""
from __future__ import annotations

import hashlib
from typing import Any


class EventKind:
    """The kinds of trace events (strings, so a DataFrame filter reads naturally)."""

    # cluster and job lifecycle
    JOB_SUBMITTED = "job_submitted"
    JOB_STATUS = "job_status"
    JOBMASTER_STARTED = "jobmaster_started"
    TASKMANAGER_REGISTERED = "taskmanager_registered"
    SLOT_REQUESTED = "slot_requested"
    SLOT_ALLOCATED = "slot_allocated"
    TASK_STATE = "task_state"
    # data movement
    SOURCE_EMIT = "source_emit"
    PROCESS = "process"
    BUFFER_SENT = "buffer_sent"
    BUFFER_DELIVERED = "buffer_delivered"
    CREDIT = "credit"
    SINK = "sink"
    # time
    WATERMARK = "watermark"
    TIMER = "timer"
    WINDOW_FIRE = "window_fire"
    LATE_RECORD = "late_record"
    # failures
    TASK_FAILED = "task_failed"
    FAULT = "fault"
    # backpressure and stalls
    BACKPRESSURE = "backpressure"
    STALL = "stall"
    DEBLOAT = "buffer_debloat"

    CLUSTER = frozenset({JOB_SUBMITTED, JOB_STATUS, JOBMASTER_STARTED, TASKMANAGER_REGISTERED,
                         SLOT_REQUESTED, SLOT_ALLOCATED, TASK_STATE, TASK_FAILED})


class TraceEvent:
    """One observable thing that happened in the simulated runtime."""

    __slots__ = ("step", "time_us", "kind", "vertex", "subtask", "operator", "detail", "data")
    COLUMNS = ("step", "time_us", "time_ms", "kind", "vertex", "subtask", "operator", "detail")

    def __init__(self, step: int, time_us: int, kind: str, vertex: str | None = None,
                 subtask: int | None = None, operator: str | None = None, detail: str = "",
                 data: dict[str, Any] | None = None) -> None:
        self.step = step
        self.time_us = time_us
        self.kind = kind
        self.vertex = vertex
        self.subtask = subtask
        self.operator = operator
        self.detail = detail
        self.data = data

    @property
    def time_ms(self) -> float:
        return self.time_us / 1000

    def row(self) -> tuple:
        return (self.step, self.time_us, self.time_us / 1000, self.kind, self.vertex, self.subtask,
                self.operator, self.detail)

    def to_dict(self) -> dict[str, Any]:
        d = dict(zip(self.COLUMNS, self.row(), strict=True))
        if self.data:
            d["data"] = self.data
        return d

    def where(self) -> str:
        if self.vertex is None:
            return ""
        return self.vertex if self.subtask is None else f"{self.vertex}[{self.subtask}]"

    def __repr__(self) -> str:
        return f"<{self.step} t={self.time_us / 1000:g}ms {self.kind} {self.where()} {self.detail}>"


class Trace:
    """Append-only list of events, truncatable for time travel; ``digest()`` fingerprints a run."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.events: list[TraceEvent] = []

    def __deepcopy__(self, memo: dict) -> Trace:
        """A snapshot of the runtime shares its trace: the trace is the run's log, not its state."""
        return self

    def append(self, event: TraceEvent) -> None:
        self.events.append(event)

    def truncate_after(self, step: int) -> None:
        """Drop events of steps later than ``step`` (used by ``back``/``goto``)."""
        ev = self.events
        while ev and ev[-1].step > step:
            ev.pop()

    def since(self, index: int) -> list[TraceEvent]:
        return self.events[index:]

    def __len__(self) -> int:
        return len(self.events)

    def digest(self) -> str:
        """SHA-256 over a canonical text form of every event: equal digests mean equal runs."""
        h = hashlib.sha256()
        for e in self.events:
            h.update(repr(e.row()).encode())
            h.update(b"\n")
        return h.hexdigest()
