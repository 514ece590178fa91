"""What the network needs from the tasks at its two ends: two small protocols, so it never imports them.

A ``ResultPartition`` tells its writer when an output buffer frees up (Flink's buffer-availability
future that un-blocks a back-pressured task); an ``InputGate``'s reader is handed each delivered buffer
(Flink's input-gate availability notification that wakes the mailbox).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flowlab.runtime.elements import CheckpointBarrier
    from flowlab.runtime.network.buffer import Buffer
    from flowlab.runtime.network.input_gate import InputChannel
    from flowlab.runtime.network.result_partition import ResultPartition, Subpartition


class NetworkEndpoint(Protocol):
    """A task as the network names it in trace events."""

    name: str          # e.g. ``v2[1]``
    vertex_id: str     # the job vertex, e.g. ``v2``
    index: int         # the subtask index
    actor: int         # its queue in the kernel: calls for it (deliveries, credits) target it


class PartitionWriter(NetworkEndpoint, Protocol):
    """The task that writes a result partition."""

    waiting_for_output: bool

    def output_available(self) -> None:
        """An output buffer became available; the task may resume if it was back-pressured."""

    def barrier_sent(self, partition: ResultPartition, sub: Subpartition, barrier: CheckpointBarrier) -> None:
        """A checkpoint barrier left ``sub`` (an aligned one also blocks it until the consumer resumes it)."""

    def downstream_processed_all_data(self) -> None:
        """A consumer processed everything this task sent it, up to EndOfData (FLIP-147)."""


class GateReader(NetworkEndpoint, Protocol):
    """The task that reads an input gate."""

    def on_buffer(self, channel: InputChannel, buf: Buffer, backlog: int) -> None:
        """A buffer arrived on ``channel``; ``backlog`` is the sender's queued-buffer count."""
