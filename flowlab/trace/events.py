"""Trace events: what happened, when (virtual µs), where (vertex, subtask, operator), at which step.

The runtime emits them; nothing else writes them. Columns of ``Simulation.trace`` are
``TraceEvent.COLUMNS`` in that order, and are part of flowlab's public contract.
"""
from __future__ import annotations

import bisect
import hashlib
import sys
from array import array
from collections.abc import Sequence
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
    # checkpoints (Chandy-Lamport as Flink does it)
    CHECKPOINT_TRIGGERED = "checkpoint_triggered"
    BARRIER = "barrier"
    CHANNEL_BLOCKED = "channel_blocked"
    CHANNEL_UNBLOCKED = "channel_unblocked"
    SNAPSHOT = "snapshot"
    CHECKPOINT_ACK = "checkpoint_ack"
    CHECKPOINT_COMPLETED = "checkpoint_completed"
    CHECKPOINT_NOTIFIED = "checkpoint_notified"
    CHECKPOINT_ABORTED = "checkpoint_aborted"
    STATE_RESTORED = "state_restored"          # a job starts from a checkpoint/savepoint; a subtask takes its part
    # connectors (sources' split enumerators, two-phase-commit sinks)
    SPLIT_ASSIGNED = "split_assigned"
    PART_FILE = "part_file"
    KAFKA_TRANSACTION = "kafka_transaction"
    # BATCH execution (stages over blocking exchanges; see docs/batch.md)
    STAGE = "stage"
    SLOT_RELEASED = "slot_released"
    REGION_RESTART = "region_restart"
    # recovery of a STREAMING job (restart strategies, failover regions; see docs/recovery.md): data["phase"] is
    # failure / restarting / canceling / restoring / running / gave_up
    RECOVERY = "recovery"

    CLUSTER = frozenset({JOB_SUBMITTED, JOB_STATUS, JOBMASTER_STARTED, TASKMANAGER_REGISTERED,
                         SLOT_REQUESTED, SLOT_ALLOCATED, TASK_STATE, TASK_FAILED, STAGE, SLOT_RELEASED,
                         REGION_RESTART, RECOVERY})
    CHECKPOINTS = frozenset({CHECKPOINT_TRIGGERED, BARRIER, CHANNEL_BLOCKED, CHANNEL_UNBLOCKED, SNAPSHOT,
                             CHECKPOINT_ACK, CHECKPOINT_COMPLETED, CHECKPOINT_NOTIFIED, CHECKPOINT_ABORTED,
                             STATE_RESTORED})
    CONNECTORS = frozenset({SPLIT_ASSIGNED, PART_FILE, KAFKA_TRANSACTION})


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
    """The run's log of events, stored by column; truncatable for time travel; ``digest()`` fingerprints a run.

    Millions of events fit: steps and times are machine-integer arrays, kinds, vertices and operators are
    interned to small codes, and ``data`` is kept as a tuple of values under an interned tuple of keys (a
    dict per event would cost several times the memory). ``TraceEvent`` objects are built on demand.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._step = array("q")
        self._time = array("q")
        self._kind = array("H")
        self._vertex = array("H")
        self._subtask = array("i")            # -1: no subtask
        self._operator = array("H")
        self._detail: list[str] = []
        self._schema = array("H")             # 0: no data
        self._values: list[tuple | None] = []
        self._names: list[str | None] = [None]            # code -> kind / vertex / operator name
        self._codes: dict[str | None, int] = {None: 0}
        self._schemas: list[tuple[str, ...]] = [()]       # code -> keys of ``data``
        self._schema_codes: dict[tuple[str, ...], int] = {(): 0}

    def __deepcopy__(self, memo: dict) -> Trace:
        """A snapshot of the runtime shares its trace: the trace is the run's log, not its state."""
        return self

    def _code(self, name: str | None) -> int:
        code = self._codes.get(name)
        if code is None:
            code = self._codes[name] = len(self._names)
            self._names.append(name)
        return code

    def record(self, step: int, time_us: int, kind: str, vertex: str | None, subtask: int | None,
               operator: str | None, detail: str, data: dict[str, Any] | None) -> None:
        """Append one event (the runtime's ``Recorder`` calls this; no ``TraceEvent`` object is made)."""
        codes = self._codes
        self._step.append(step)
        self._time.append(time_us)
        self._kind.append(codes.get(kind) or self._code(kind))
        self._vertex.append(codes.get(vertex) if vertex in codes else self._code(vertex))
        self._subtask.append(-1 if subtask is None else subtask)
        self._operator.append(codes.get(operator) if operator in codes else self._code(operator))
        self._detail.append(detail)
        if data:
            keys = tuple(data)
            sc = self._schema_codes.get(keys)
            if sc is None:
                sc = self._schema_codes[keys] = len(self._schemas)
                self._schemas.append(keys)
            self._schema.append(sc)
            self._values.append(tuple(data.values()))
        else:
            self._schema.append(0)
            self._values.append(None if data is None else ())

    def append(self, event: TraceEvent) -> None:
        self.record(event.step, event.time_us, event.kind, event.vertex, event.subtask, event.operator,
                    event.detail, event.data)

    def event(self, i: int) -> TraceEvent:
        names = self._names
        sub = self._subtask[i]
        values = self._values[i]
        data = None if values is None else dict(zip(self._schemas[self._schema[i]], values, strict=True))
        return TraceEvent(self._step[i], self._time[i], names[self._kind[i]], names[self._vertex[i]],
                          None if sub < 0 else sub, names[self._operator[i]], self._detail[i], data)

    def row(self, i: int) -> tuple:
        """``TraceEvent.row()`` of event ``i`` without building the event (what ``digest`` and replays compare)."""
        names = self._names
        t = self._time[i]
        sub = self._subtask[i]
        return (self._step[i], t, t / 1000, names[self._kind[i]], names[self._vertex[i]], None if sub < 0 else sub,
                names[self._operator[i]], self._detail[i])

    def rows_of_step(self, step: int, start: int = 0) -> list[tuple]:
        """The rows of the events of ``step`` (searching from index ``start``)."""
        lo = bisect.bisect_left(self._step, step, start)
        hi = bisect.bisect_right(self._step, step, lo)
        return [self.row(i) for i in range(lo, hi)]

    def since(self, index: int) -> list[TraceEvent]:
        return [self.event(i) for i in range(max(index, 0), len(self._detail))]

    @property
    def events(self) -> list[TraceEvent]:
        """Every event, as objects (built on each call: prefer ``since`` or ``of_step`` for a few)."""
        return self.since(0)

    def first_index_of_step(self, step: int) -> int:
        """Index of the first event of a step later than or equal to ``step`` (steps never decrease)."""
        return bisect.bisect_left(self._step, step)

    def of_step(self, step: int) -> list[TraceEvent]:
        lo = self.first_index_of_step(step)
        hi = bisect.bisect_right(self._step, step, lo)
        return [self.event(i) for i in range(lo, hi)]

    @property
    def last_step(self) -> int:
        return self._step[-1] if self._step else 0

    def truncate_after(self, step: int) -> None:
        """Drop events of steps later than ``step`` (used by ``back``/``goto``)."""
        cut = bisect.bisect_right(self._step, step)
        for col in (self._step, self._time, self._kind, self._vertex, self._subtask, self._operator,
                    self._detail, self._schema, self._values):
            del col[cut:]

    def split_after(self, step: int) -> Trace:
        """Cut off the events of steps later than ``step`` and return them as a trace of their own (sharing the
        name tables; cheap: the columns are sliced, no event objects are built)."""
        cut = bisect.bisect_right(self._step, step)
        tail = Trace(enabled=False)
        tail._names, tail._codes, tail._schemas, tail._schema_codes = (self._names, self._codes, self._schemas,
                                                                       self._schema_codes)
        for name in ("_step", "_time", "_kind", "_vertex", "_subtask", "_operator", "_detail", "_schema", "_values"):
            col = getattr(self, name)
            setattr(tail, name, col[cut:])
            del col[cut:]
        return tail

    def __len__(self) -> int:
        return len(self._detail)

    def columns(self) -> dict[str, Any]:
        """The trace as plain columns (``TraceEvent.COLUMNS`` + ``data``) for a DataFrame."""
        names = self._names
        schemas = self._schemas
        return {
            "step": self._step, "time_us": self._time,
            "kind": [names[c] for c in self._kind], "vertex": [names[c] for c in self._vertex],
            "subtask": self._subtask, "operator": [names[c] for c in self._operator], "detail": self._detail,
            "data": [None if v is None else dict(zip(schemas[s], v, strict=True))
                     for s, v in zip(self._schema, self._values, strict=True)],
        }

    def digest(self) -> str:
        """SHA-256 over every event's step, time, kind, place and detail: equal digests mean equal runs.

        Columns are hashed as little-endian machine integers, codes through the name table, details as
        UTF-8 text, so the digest is the same in any process (names are interned in the order they occur).
        """
        h = hashlib.sha256()
        for col in (self._step, self._time, self._kind, self._vertex, self._subtask, self._operator):
            h.update(_little_endian(col))
        h.update(repr(self._names).encode())
        h.update("\x1e".join(self._detail).encode("utf-8", "surrogatepass"))
        return h.hexdigest()


def _little_endian(col: array) -> bytes:
    if sys.byteorder == "little":
        return col.tobytes()
    swapped = array(col.typecode, col)
    swapped.byteswap()
    return swapped.tobytes()


class EventLog(Sequence):
    """A read-only, lazy view of a trace (flowlab extension): ``log[i]`` builds event ``i`` when it is read, so a
    view can bisect and scan a few events of a long run without building every event object."""

    def __init__(self, trace: Trace) -> None:
        self._trace = trace

    def __len__(self) -> int:
        return len(self._trace)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self._trace.event(k) for k in range(*i.indices(len(self._trace)))]
        if i < 0:
            i += len(self._trace)
        if not 0 <= i < len(self._trace):
            raise IndexError(f"event {i} of a trace of {len(self._trace)}")
        return self._trace.event(i)
