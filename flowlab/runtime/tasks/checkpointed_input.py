"""The inputs of a subtask as checkpointing sees them: channels, their queued data, and the base of the barrier
handlers (``barrier_handler`` for EXACTLY_ONCE, ``barrier_tracker`` for AT_LEAST_ONCE)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowlab.runtime.elements import CheckpointBarrier
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.network.input_gate import InputChannel
    from flowlab.runtime.tasks.stream_task import StreamTask
    from flowlab.runtime.tasks.subtask_checkpoints import SubtaskCheckpointCoordinator


def channel_label(task: StreamTask, channel: InputChannel) -> str:
    return task.job_channel_name(channel)


def queued_elements(task: StreamTask, channel: InputChannel, before: Any = None) -> list[Any]:
    """The data elements waiting on ``channel`` (the rest of the buffer being read first), up to the event
    buffer ``before`` if given."""
    out: list[Any] = []
    cur = task.current
    if cur is not None and cur[0] is channel:
        out.extend(cur[1].elements[cur[2]:])
    for buf in channel.received:
        if buf is before:
            break
        if not buf.is_event:
            out.extend(buf.elements)
    return out


def consumed_records(task: StreamTask, channel: InputChannel) -> int:
    """Records of ``channel`` the task has taken so far (received minus still queued)."""
    waiting = channel.queued_records
    cur = task.current
    if cur is not None and cur[0] is channel:
        waiting += sum(1 for e in cur[1].elements[cur[2]:] if type(e) is tuple)
    return channel.records_received - waiting


class InputHandler:
    """What both barrier handlers share: the channels, barrier events, FLIP-147 injected barriers."""

    def __init__(self, task: StreamTask, cp: SubtaskCheckpointCoordinator) -> None:
        self.task = task
        self.cp = cp
        self.channels: list[InputChannel] = [c for g in task.gates for c in g.channels]
        self.injected: CheckpointBarrier | None = None
        self.injected_us = 0

    def index(self, channel: InputChannel) -> int:
        return next(i for i, c in enumerate(self.channels) if c is channel)

    def all_received(self, received: set[int]) -> bool:
        return all(i in received or c.finished for i, c in enumerate(self.channels))

    def received_event(self, channel: InputChannel, barrier: CheckpointBarrier, received: int, what: str) -> None:
        task = self.task
        rec = task.recorder
        if rec.enabled:
            total = sum(1 for c in self.channels if not c.finished)
            rec.emit(EventKind.BARRIER, task.vertex_id, task.index, None,
                     f"barrier {barrier.checkpoint_id} from {channel_label(task, channel)} ({received} of {total} "
                     f"channels){what}",
                     {"checkpoint_id": barrier.checkpoint_id, "action": "received", "from": channel.producer,
                      "edge": channel.gate.edge_index, "input": channel.gate.input_number, "received": received,
                      "total": total, "alignment": barrier.alignment})
        else:
            rec.tick()

    def inject(self, barrier: CheckpointBarrier, received_us: int) -> None:
        """FLIP-147: every upstream subtask finished, so the coordinator triggered this one; the barrier counts
        as arriving on each channel just before its EndOfPartition."""
        if all(c.finished for c in self.channels):
            self.cp.perform(barrier, received_us)
        else:
            self.injected, self.injected_us = barrier, received_us

    def on_end_of_partition(self, channel: InputChannel) -> None:
        if self.injected is not None and all(c.finished for c in self.channels):
            barrier, self.injected = self.injected, None
            self.cp.perform(barrier, self.injected_us)

    def on_delivered(self, channel: InputChannel, barrier: CheckpointBarrier) -> bool:
        return False

    def _keep(self, i: int) -> None:
        """Channel ``i``'s barrier came: what was persisted for it is final."""
        kept = self.persisting.pop(i, None)
        if kept:
            self.ahead[i] = self.ahead.get(i, []) + kept

    def on_data_delivered(self, channel: InputChannel, buf: Any) -> None:
        pass

    def aligning(self, n: int) -> bool:
        return False

    def abort(self, n: int) -> None:
        pass
