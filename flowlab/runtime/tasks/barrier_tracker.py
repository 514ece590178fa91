"""AT_LEAST_ONCE barriers (Flink's ``CheckpointBarrierTracker``): counted per checkpoint, never blocking.

The snapshot is taken when the last barrier of a checkpoint arrives; records that came on a channel after its
barrier, while others were still on their way, are in the snapshot (``crossed_records``) and would be processed
again after a restore: at-least-once.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.runtime.elements import CheckpointBarrier
from flowlab.runtime.tasks.checkpointed_input import InputHandler, consumed_records

if TYPE_CHECKING:
    from flowlab.runtime.network.input_gate import InputChannel
    from flowlab.runtime.tasks.stream_task import StreamTask
    from flowlab.runtime.tasks.subtask_checkpoints import SubtaskCheckpointCoordinator


class BarrierTracker(InputHandler):
    """AT_LEAST_ONCE: count barriers per checkpoint, never block; snapshot when the last one arrives."""

    def __init__(self, task: StreamTask, cp: SubtaskCheckpointCoordinator) -> None:
        super().__init__(task, cp)
        # id -> (first barrier µs, channel -> records consumed when its barrier came, the barrier)
        self.pending: dict[int, tuple[int, dict[int, int], CheckpointBarrier]] = {}

    def on_barrier(self, channel: InputChannel, barrier: CheckpointBarrier) -> None:
        n = barrier.checkpoint_id
        if n <= self.cp.last_checkpoint_id:
            return
        first_us, marks, _ = self.pending.setdefault(n, (self.task.kernel.now, {}, barrier))
        i = self.index(channel)
        marks[i] = consumed_records(self.task, channel)
        done = self.all_received(set(marks))
        self.received_event(channel, barrier, len(marks),
                            ": all there, snapshot (records after the earlier barriers are in it)" if done and
                            len(marks) > 1 else "" if done else ": no blocking (at-least-once), reading on")
        if done:
            self._complete(n)

    def _complete(self, n: int) -> None:
        first_us, marks, barrier = self.pending.pop(n)
        for m in [m for m in self.pending if m < n]:
            del self.pending[m]                       # older checkpoints are subsumed
        crossed = sum(consumed_records(self.task, self.channels[i]) - c for i, c in marks.items())
        self.cp.perform(barrier, first_us, crossed)

    def on_end_of_partition(self, channel: InputChannel) -> None:
        super().on_end_of_partition(channel)
        for n in sorted(self.pending):
            if n in self.pending and self.all_received(set(self.pending[n][1])):
                self._complete(n)

    def aligning(self, n: int) -> bool:
        return n in self.pending

    def abort(self, n: int) -> None:
        self.pending.pop(n, None)
