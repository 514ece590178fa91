"""The network stack: result partitions, input gates, buffers and credit-based flow control.

Sender side (``ResultPartition`` → one ``Subpartition`` per consumer channel): records are
serialized into the subpartition's current buffer; a buffer is finished when full, on the buffer
timeout, or when an event follows; finished buffers leave only with credit from the receiver.
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

from flowlab.runtime.elements import EndOfPartition

if TYPE_CHECKING:
    from flowlab.runtime.task import StreamTask


class Buffer:
    """A network buffer: either data (records and watermarks) or a single event."""

    __slots__ = ("elements", "size", "is_event", "records")

    def __init__(self, elements: list, size: int, is_event: bool, records: int) -> None:
        self.elements = elements
        self.size = size
        self.is_event = is_event
        self.records = records


class NetworkSettings:
    """Buffer sizes, pool sizes and latency for one job (Flink's option names in comments)."""

    def __init__(self, conf: dict[str, Any], buffer_timeout_ms: int) -> None:
        self.segment_size = _bytes(conf.get("taskmanager.memory.segment-size", "32kb"))
        self.buffers_per_channel = int(conf.get("taskmanager.network.memory.buffers-per-channel", 2))
        self.floating_per_gate = int(conf.get("taskmanager.network.memory.floating-buffers-per-gate", 8))
        self.max_buffers_per_channel = int(conf.get("taskmanager.network.memory.max-buffers-per-channel", 10))
        self.record_size = int(conf.get("flowlab.network.record-size", 64))           # flowlab: modelled bytes
        self.latency_us = round(float(conf.get("flowlab.network.latency-ms", 1)) * 1000)  # flowlab
        self.buffer_timeout_ms = buffer_timeout_ms


def _bytes(text: Any) -> int:
    s = str(text).strip().lower().replace(" ", "")
    for suffix, mult in (("kb", 1024), ("k", 1024), ("mb", 1024 ** 2), ("m", 1024 ** 2), ("b", 1)):
        if s.endswith(suffix):
            return int(float(s[: -len(suffix)]) * mult)
    return int(s)


class Subpartition:
    """The sending end of one channel."""

    __slots__ = ("partition", "position", "consumer_index", "channel", "buffer_size", "current", "current_bytes", "current_records",
                 "queue", "credit", "buffers_in_use", "sent_buffers", "sent_records", "in_flight",
                 "in_flight_records", "finished")

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

    @property
    def backlog(self) -> int:
        return sum(1 for b in self.queue if not b.is_event)


class ResultPartition:
    """What one producer subtask writes for one job edge: one subpartition per connected consumer."""

    def __init__(self, task: StreamTask, edge_index: int, consumer_indices: list[int],
                 settings: NetworkSettings) -> None:
        self.task = task
        self.edge_index = edge_index
        self.settings = settings
        self.subpartitions = [Subpartition(self, i, c) for i, c in enumerate(consumer_indices)]
        n = len(consumer_indices)
        # Flink sizes an output pool at least #subpartitions + 1, so a partially filled buffer per subpartition
        # never blocks the task for good (with buffers-per-channel 1, no floating buffers and no flush timeout,
        # a smaller pool would deadlock on the first unflushed buffer).
        self.pool_size = max(n * settings.buffers_per_channel + settings.floating_per_gate, n + 1)
        self.buffers_in_use = 0

    def is_available(self) -> bool:
        """A free buffer exists and no subpartition is at its cap (``LocalBufferPool`` availability)."""
        if self.buffers_in_use >= self.pool_size:
            return False
        cap = self.settings.max_buffers_per_channel
        for s in self.subpartitions:
            if s.buffers_in_use >= cap:
                return False
        return True

    # -- writing ------------------------------------------------------------------------------------
    def emit(self, index: int, element: Any, size: int, is_record: bool) -> None:
        sub = self.subpartitions[index]
        if sub.current is None:
            sub.current = []
            sub.current_bytes = 0
            sub.current_records = 0
            sub.buffers_in_use += 1
            self.buffers_in_use += 1
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

    def flush_all(self) -> None:
        for sub in self.subpartitions:
            if sub.current:
                self._finish_current(sub)
                self.try_send(sub)

    def flush(self, index: int) -> None:
        sub = self.subpartitions[index]
        if sub.current:
            self._finish_current(sub)
            self.try_send(sub)

    def _finish_current(self, sub: Subpartition) -> None:
        if sub.current:
            sub.queue.append(Buffer(sub.current, sub.current_bytes, False, sub.current_records))
            sub.current = None
        elif sub.current is not None:      # an allocated but empty buffer goes back to the pool
            sub.current = None
            sub.buffers_in_use -= 1
            self.buffers_in_use -= 1

    # -- sending ------------------------------------------------------------------------------------
    def try_send(self, sub: Subpartition) -> None:
        """Send queued buffers while credit allows (events need none)."""
        network = self.task.network
        queue = sub.queue
        while queue and (queue[0].is_event or sub.credit > 0):
            buf = queue.popleft()
            if not buf.is_event:
                sub.credit -= 1
                sub.buffers_in_use -= 1
                self.buffers_in_use -= 1
                sub.sent_records += buf.records
            sub.sent_buffers += 1
            sub.in_flight += 1
            sub.in_flight_records += buf.records
            network.send(sub, buf, sub.backlog)
        if self.task.waiting_for_output and self.is_available():
            self.task.output_available()

    def on_credit(self, index: int, credit: int) -> None:
        sub = self.subpartitions[index]
        sub.credit += credit
        self.try_send(sub)


class InputChannel:
    """The receiving end of one channel, with its exclusive buffers and borrowed floating ones."""

    __slots__ = ("gate", "index", "producer", "subpartition", "received", "exclusive", "floating",
                 "announced", "used", "backlog", "finished", "queued", "blocked", "watermark",
                 "idle", "aligned", "records_received")

    def __init__(self, gate: InputGate, index: int, producer: int, exclusive: int) -> None:
        self.gate = gate
        self.index = index
        self.producer = producer
        self.subpartition: Subpartition | None = None
        self.received: deque[Buffer] = deque()
        self.exclusive = exclusive
        self.floating = 0
        self.announced = exclusive       # the initial credit, granted at deployment
        self.used = 0
        self.backlog = 0
        self.finished = False
        self.queued = False              # in the task's "channels with data" queue
        self.blocked = False             # held back by checkpoint alignment
        self.watermark: int | None = None
        self.idle = False
        self.aligned = True
        self.records_received = 0

    @property
    def queued_records(self) -> int:
        return sum(b.records for b in self.received)


class InputGate:
    """All channels of one job edge into one consumer subtask, sharing floating buffers."""

    def __init__(self, task: StreamTask, edge_index: int, input_number: int, producers: list[int],
                 settings: NetworkSettings) -> None:
        self.task = task
        self.edge_index = edge_index
        self.input_number = input_number
        self.channels = [InputChannel(self, i, p, settings.buffers_per_channel) for i, p in enumerate(producers)]
        self.floating_free = settings.floating_per_gate
        self.waiting: deque[InputChannel] = deque()
        self.consumed_bytes = 0                 # data bytes fully consumed (buffer debloating measures it)

    @property
    def finished(self) -> bool:
        return all(c.finished for c in self.channels)

    def on_buffer(self, channel: InputChannel, buf: Buffer, backlog: int) -> None:
        if not buf.is_event:
            channel.announced -= 1
            channel.used += 1
            channel.records_received += buf.records
        channel.received.append(buf)
        channel.backlog = backlog
        self._request_floating(channel)

    def _request_floating(self, channel: InputChannel) -> None:
        need = channel.backlog + channel.exclusive - channel.announced
        granted = 0
        while need > 0 and self.floating_free > 0:
            self.floating_free -= 1
            channel.floating += 1
            channel.announced += 1
            granted += 1
            need -= 1
        if granted:
            self.task.network.announce_credit(channel, granted)
        if need > 0 and channel not in self.waiting:
            self.waiting.append(channel)

    def recycle(self, channel: InputChannel) -> None:
        """A data buffer of ``channel`` was fully consumed: keep it as credit or release a floating one."""
        channel.used -= 1
        if channel.floating > 0 and channel.announced >= channel.backlog + channel.exclusive:
            channel.floating -= 1
            self.floating_free += 1
            while self.waiting and self.floating_free > 0:
                waiter = self.waiting.popleft()
                self._request_floating(waiter)
        else:
            channel.announced += 1
            self.task.network.announce_credit(channel, 1)
