"""The sending side of the network: result partitions and their subpartitions, credit-based.

The network stack (this package) moves buffers between tasks with credit-based flow control. Sender side (``ResultPartition`` → one ``Subpartition`` per consumer channel): records are
serialized into the subpartition's current buffer; a buffer is finished when full or when an event
follows; finished buffers leave only with credit from the receiver. A flush (the buffer timeout) only asks
for the data written so far to be sent, as Flink's ``PipelinedSubpartition.flush`` does: the filling buffer
leaves once nothing is queued ahead of it and a credit is there; without credit the records keep filling
the same buffer, so a back-pressured task still ships full buffers, one per credit.
Receiver side (``InputGate`` → one ``InputChannel`` per producer subpartition): each channel owns
``buffers-per-channel`` exclusive buffers and borrows from the gate's ``floating-buffers-per-gate``
when the sender announces a backlog. A consumed buffer is recycled and its credit announced back.
A slow consumer therefore stops granting credit, its producers' buffers fill up, and they stop
processing: backpressure emerges, hop by hop.

Simplifications (documented): every channel behaves like a remote channel (the sender's buffer is
recycled when it is sent); within the processing of one element a task may overdraw its output pool
(Flink would block mid-record); events need no credit and occupy no receiver buffer, as in Flink.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from flowlab.runtime.deferred_copy import DeferredCopy
from flowlab.runtime.elements import CheckpointBarrier, EndOfPartition
from flowlab.runtime.network.buffer import Buffer
from flowlab.runtime.network.settings import NetworkSettings

if TYPE_CHECKING:
    from flowlab.runtime.network.input_gate import InputChannel
    from flowlab.runtime.network.interfaces import PartitionWriter
    from flowlab.runtime.network.service import NetworkService


class Subpartition:
    """The sending end of one channel."""

    __slots__ = ("partition", "position", "consumer_index", "channel", "buffer_size", "current", "current_bytes", "current_records",
                 "queue", "credit", "buffers_in_use", "sent_buffers", "sent_records", "in_flight",
                 "in_flight_records", "finished", "flush_requested",
                 "backlog_announced", "blocked", "in_flight_buffers", "data_processed", "held")

    def __init__(self, partition: ResultPartition, position: int, consumer_index: int) -> None:
        self.partition = partition
        self.position = position
        self.consumer_index = consumer_index
        self.channel: InputChannel | None = None
        self.buffer_size = partition.settings.segment_size     # smaller when the consumer debloats
        self.current: list | None = None
        self.current_bytes = 0
        self.current_records = 0
        self.queue: deque[Buffer] = deque()
        self.credit = 0
        self.buffers_in_use = 0
        self.sent_buffers = 0
        self.sent_records = 0
        self.in_flight = 0
        self.in_flight_records = 0
        self.finished = False
        self.flush_requested = False     # Flink's flushRequested: send the filling buffer when credit allows
        self.backlog_announced = False    # a backlog announcement is on its way (no exclusive buffers)
        self.blocked = False             # an aligned checkpoint barrier left: nothing more until the consumer resumes
        self.in_flight_buffers: deque[Buffer] = deque()   # sent, not yet delivered (in order), for the views
        self.data_processed = False      # the consumer processed EndOfData: everything sent here is consumed
        self.held = False                # a blocking exchange (BATCH): nothing leaves until a reader is opened

    @property
    def backlog(self) -> int:
        return sum(1 for b in self.queue if not b.is_event)


class ResultPartition(DeferredCopy):
    """What one producer subtask writes for one job edge: one subpartition per connected consumer."""

    def __init__(self, task: PartitionWriter, network: NetworkService, edge_index: int,
                 consumer_indices: list[int], settings: NetworkSettings) -> None:
        self.task = task                  # the producing task, seen only through ``PartitionWriter``
        self.network = network
        self.edge_index = edge_index
        self.settings = settings
        self.subpartitions = [Subpartition(self, i, c) for i, c in enumerate(consumer_indices)]
        n = len(consumer_indices)
        # Flink sizes an output pool at least #subpartitions + 1, so a partially filled buffer per subpartition
        # never blocks the task for good (with buffers-per-channel 1, no floating buffers and no flush timeout,
        # a smaller pool would deadlock on the first unflushed buffer).
        self.pool_size = max(n * settings.buffers_per_channel + settings.floating_per_gate, n + 1)
        self.buffers_in_use = 0
        self.cap = settings.max_buffers_per_channel
        self.at_cap = 0                   # subpartitions holding ``cap`` buffers (kept as they change)
        self.released = False             # its task's attempt ended (a restart): what still arrives is dropped

    def is_available(self) -> bool:
        """A free buffer exists and no subpartition is at its cap (``LocalBufferPool`` availability)."""
        return self.buffers_in_use < self.pool_size and not self.at_cap

    def _release(self, sub: Subpartition) -> None:
        """One of ``sub``'s buffers went back to the pool (sent, or allocated and left empty)."""
        if sub.buffers_in_use == self.cap:
            self.at_cap -= 1
        sub.buffers_in_use -= 1
        self.buffers_in_use -= 1

    # -- writing ------------------------------------------------------------------------------------
    def emit(self, index: int, element: Any, size: int, is_record: bool) -> None:
        sub = self.subpartitions[index]
        if sub.current is None:
            sub.current = []
            sub.current_bytes = 0
            sub.current_records = 0
            sub.buffers_in_use += 1
            self.buffers_in_use += 1
            if sub.buffers_in_use == self.cap:
                self.at_cap += 1
        sub.current.append(element)
        sub.current_bytes += size
        if is_record:
            sub.current_records += 1
        if sub.current_bytes >= sub.buffer_size:
            self._finish_current(sub)
            self.try_send(sub)

    def broadcast(self, element: Any, size: int) -> None:
        for i in range(len(self.subpartitions)):
            self.emit(i, element, size, False)

    def broadcast_event(self, event: Any) -> None:
        """Events finish the current buffer and travel as their own buffer (need no credit)."""
        for sub in self.subpartitions:
            self._finish_current(sub)
            sub.queue.append(Buffer([event], 0, True, 0))
            if isinstance(event, EndOfPartition):
                sub.finished = True
            self.try_send(sub)

    def release(self) -> int:
        """Its task's attempt ended (a STREAMING restart): nothing more is sent, and what arrives for it later
        (credit, a resume) is dropped. Returns the buffers it discards: queued, filling or still in flight."""
        self.released = True
        return sum(len(s.queue) + (s.current is not None) + s.in_flight for s in self.subpartitions)

    def flush_all(self) -> None:
        for sub in self.subpartitions:
            self._request_flush(sub)

    def flush(self, index: int) -> None:
        self._request_flush(self.subpartitions[index])

    def _request_flush(self, sub: Subpartition) -> None:
        """Make the data written so far sendable; the filling buffer leaves only with a credit and nothing ahead
        of it (Flink's ``flushRequested``), so a flush never spends a buffer or a credit on a few records while
        the receiver is full."""
        if sub.current or sub.queue:
            sub.flush_requested = True
            self.try_send(sub)

    def _finish_current(self, sub: Subpartition) -> None:
        if sub.current:
            sub.queue.append(Buffer(sub.current, sub.current_bytes, False, sub.current_records))
            sub.current = None
        elif sub.current is not None:      # an allocated but empty buffer goes back to the pool
            sub.current = None
            self._release(sub)

    # -- checkpoint barriers (see flowlab.runtime.tasks.subtask_checkpoints) -----------------------------
    def emit_priority_event(self, event: Any) -> list[list[Any]]:
        """An unaligned barrier overtakes everything queued: it goes first, and what it overtook (the elements of
        every queued buffer, the filling one included) is returned per subpartition: the output channel state."""
        overtaken = []
        for sub in self.subpartitions:
            self._finish_current(sub)
            overtaken.append([e for b in sub.queue if not b.is_event for e in b.elements])
            sub.queue.appendleft(Buffer([event], 0, True, 0))
            self.try_send(sub)
        return overtaken

    def convert_barrier(self, checkpoint_id: int) -> list[list[Any]]:
        """The aligned-checkpoint timeout expired: a barrier of ``checkpoint_id`` still queued becomes unaligned
        and jumps ahead; returns, per subpartition, the elements it overtook (empty where it had left)."""
        overtaken = []
        for sub in self.subpartitions:
            queue = sub.queue
            at = next((i for i, b in enumerate(queue) if b.is_event and type(b.elements[0]) is CheckpointBarrier
                       and b.elements[0].checkpoint_id == checkpoint_id), None)
            if at is None:
                overtaken.append([])
                continue
            barrier = queue[at].elements[0]
            overtaken.append([e for i, b in enumerate(queue) if i < at and not b.is_event for e in b.elements])
            del queue[at]
            queue.appendleft(Buffer([barrier.with_alignment("UNALIGNED")], 0, True, 0))
            self.try_send(sub)
        return overtaken

    def on_data_processed(self, index: int) -> None:
        """The consumer has processed everything up to EndOfData on this channel (FLIP-147's "all data processed":
        a finishing task waits for it, so no record it sent is left outside a checkpoint when it is gone)."""
        if self.released:
            return
        self.subpartitions[index].data_processed = True
        self.task.downstream_processed_all_data()

    def resume(self, index: int) -> None:
        """The consumer finished aligning: the channel carries data again (Flink's ``resumeConsumption``)."""
        sub = self.subpartitions[index]
        if sub.blocked and not self.released:
            sub.blocked = False
            self.try_send(sub)

    # -- sending ------------------------------------------------------------------------------------
    def try_send(self, sub: Subpartition) -> None:
        """Send queued buffers while credit allows (events need none) and no aligned barrier blocks the channel."""
        if sub.held or self.released:
            return
        network = self.network
        queue = sub.queue
        while queue and not sub.blocked and (queue[0].is_event or sub.credit > 0):
            buf = queue.popleft()
            if not buf.is_event:
                sub.credit -= 1
                self._release(sub)
                sub.sent_records += buf.records
            sub.sent_buffers += 1
            sub.in_flight += 1
            sub.in_flight_records += buf.records
            sub.in_flight_buffers.append(buf)
            network.send(sub, buf, sub.backlog)
            if buf.is_event and type(buf.elements[0]) is CheckpointBarrier:
                barrier = buf.elements[0]
                if barrier.blocks_upstream:
                    sub.blocked = True
                self.task.barrier_sent(self, sub, barrier)
        if sub.flush_requested and not queue:
            if not sub.current:
                sub.flush_requested = False          # everything flushed has left
            elif sub.credit > 0 and not sub.blocked:
                sub.flush_requested = False
                self._finish_current(sub)
                self.try_send(sub)
                return
        if queue and not sub.credit and not sub.backlog_announced and self.settings.buffers_per_channel == 0:
            self._announce_backlog(sub)
        if self.task.waiting_for_output and self.is_available():
            self.task.output_available()

    def _announce_backlog(self, sub: Subpartition) -> None:
        """Without exclusive buffers the receiver grants nothing until it hears of data: with no credit left,
        the sender announces its backlog (Flink's ``BacklogAnnouncement``, sent only when the initial credit
        is 0) so the receiver assigns it floating buffers."""
        backlog = sub.backlog
        if backlog:
            sub.backlog_announced = True
            self.network.announce_backlog(sub, backlog)

    def on_credit(self, index: int, credit: int) -> None:
        if self.released:
            return
        sub = self.subpartitions[index]
        sub.credit += credit
        sub.backlog_announced = False
        self.try_send(sub)
