"""The checkpoint history the Web UI shows (Flink's ``CheckpointStatsTracker``): one record per checkpoint,
with one per subtask that acknowledged it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SubtaskStats:
    """One subtask's acknowledgement: Flink's per-subtask checkpoint details."""

    vertex: str
    subtask: int
    ack_us: int
    state_size: int
    persisted_bytes: int
    start_delay_ms: float
    alignment_ms: float
    sync_ms: float
    async_ms: float
    unaligned: bool
    crossed_records: int
    finished: bool


@dataclass
class CheckpointStats:
    """One checkpoint: IN_PROGRESS, then COMPLETED or FAILED."""

    checkpoint_id: int
    trigger_us: int
    alignment: str
    waiting_for: list[tuple[str, int]]           # (vertex, subtask) that must acknowledge
    finished_tasks: list[tuple[str, int]]        # already FINISHED when triggered (FLIP-147)
    status: str = "IN_PROGRESS"
    end_us: int | None = None
    failure: str | None = None
    reason: str | None = None
    path: str | None = None
    acks: dict[tuple[str, int], SubtaskStats] = field(default_factory=dict)
    kind: str = "CHECKPOINT"                     # or a savepoint: Savepoint | Suspend Savepoint | Terminate Savepoint

    @property
    def state_size(self) -> int:
        return sum(a.state_size for a in self.acks.values())

    @property
    def persisted_bytes(self) -> int:
        return sum(a.persisted_bytes for a in self.acks.values())

    @property
    def latest_ack_us(self) -> int | None:
        return max((a.ack_us for a in self.acks.values()), default=None)

    def row(self, now_us: int) -> dict[str, Any]:
        """A row of ``sim.checkpoints()``, the columns of Flink's checkpoint history."""
        end = self.end_us if self.end_us is not None else now_us
        acks = list(self.acks.values())
        latest = self.latest_ack_us
        return {
            "id": self.checkpoint_id, "status": self.status, "trigger_time_ms": self.trigger_us / 1000,
            "latest_ack_ms": None if latest is None else latest / 1000,
            "duration_ms": (end - self.trigger_us) / 1000,
            "acknowledged": len(acks), "subtasks": len(self.waiting_for),
            "state_size": self.state_size, "in_flight_persisted": self.persisted_bytes,
            "alignment_ms": max((a.alignment_ms for a in acks), default=0.0),
            "unaligned": any(a.unaligned for a in acks),
            "path": self.path, "failure": self.failure, "type": self.kind,
        }

    def detail_rows(self, trigger_us: int) -> list[dict[str, Any]]:
        """Rows of ``sim.checkpoint_details(n)``: every subtask, acknowledged or not."""
        rows = []
        for vertex, subtask in self.waiting_for:
            a = self.acks.get((vertex, subtask))
            rows.append({
                "vertex": vertex, "subtask": subtask, "acknowledged": a is not None,
                "ack_time_ms": None if a is None else a.ack_us / 1000,
                "end_to_end_ms": None if a is None else (a.ack_us - trigger_us) / 1000,
                "state_size": None if a is None else a.state_size,
                "sync_ms": None if a is None else a.sync_ms, "async_ms": None if a is None else a.async_ms,
                "alignment_ms": None if a is None else a.alignment_ms,
                "start_delay_ms": None if a is None else a.start_delay_ms,
                "in_flight_persisted": None if a is None else a.persisted_bytes,
                "unaligned": None if a is None else a.unaligned,
                "crossed_records": None if a is None else a.crossed_records,
            })
        for vertex, subtask in self.finished_tasks:
            rows.append({"vertex": vertex, "subtask": subtask, "acknowledged": True, "ack_time_ms": None,
                         "end_to_end_ms": None, "state_size": 0, "sync_ms": None, "async_ms": None,
                         "alignment_ms": None, "start_delay_ms": None, "in_flight_persisted": 0,
                         "unaligned": None, "crossed_records": None})
        return rows
