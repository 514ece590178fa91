"""The receiving side: input gates and their channels, exclusive and floating buffers, credit.

Each channel owns ``buffers-per-channel`` exclusive buffers and borrows from the gate's
``floating-buffers-per-gate`` when the sender announces a backlog. A consumed buffer is recycled and
its credit announced back (Flink's ``RemoteInputChannel`` / ``SingleInputGate`` / ``BufferManager``).
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from flowlab.runtime.deferred_copy import DeferredCopy
from flowlab.runtime.network.buffer import Buffer
from flowlab.runtime.network.settings import NetworkSettings

if TYPE_CHECKING:
    from flowlab.runtime.network.interfaces import GateReader
    from flowlab.runtime.network.result_partition import Subpartition
    from flowlab.runtime.network.service import NetworkService


class InsufficientNetworkBuffersError(ValueError):
    """An input gate cannot get the buffers it needs (Flink: ``IllegalArgumentException`` from its buffer pool)."""


class InputChannel:
    """The receiving end of one channel, with its exclusive buffers and borrowed floating ones."""

    __slots__ = ("gate", "index", "producer", "subpartition", "received", "exclusive", "floating",
                 "announced", "used", "backlog", "finished", "queued", "blocked", "watermark",
                 "idle", "aligned", "records_received", "data_ended")

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
        self.data_ended = False          # EndOfData arrived (FLIP-147): only barriers and EndOfPartition follow

    @property
    def queued_records(self) -> int:
        return sum(b.records for b in self.received)


class InputGate(DeferredCopy):
    """All channels of one job edge into one consumer subtask, sharing floating buffers."""

    def __init__(self, task: GateReader, network: NetworkService, edge_index: int, input_number: int,
                 producers: list[int], settings: NetworkSettings) -> None:
        self.task = task                  # the consuming task, seen only through ``GateReader``
        self.network = network
        self.edge_index = edge_index
        self.input_number = input_number
        self.channels = [InputChannel(self, i, p, settings.buffers_per_channel) for i, p in enumerate(producers)]
        self.floating_free = settings.floating_per_gate
        self.waiting: deque[InputChannel] = deque()
        self.consumed_bytes = 0                 # data bytes fully consumed (buffer debloating measures it)
        self.released = False                   # its task's attempt ended (a restart): deliveries are dropped

    @property
    def finished(self) -> bool:
        return all(c.finished for c in self.channels)

    def check_buffer_pool(self, settings: NetworkSettings) -> None:
        """Flink's input gate needs ``n × buffers-per-channel + 1`` buffers (at least one floating) but may use
        at most ``n × buffers-per-channel + floating-buffers-per-gate``; when the second is smaller, setting up
        the gate fails (``LocalBufferPool``) and the task fails. A gate with no buffer would wait forever."""
        n, exclusive = len(self.channels), settings.buffers_per_channel
        required, maximum = n * exclusive + 1, n * exclusive + settings.floating_per_gate
        if maximum < required:
            raise InsufficientNetworkBuffersError(
                f"Maximum number of memory segments ({maximum}) should not be smaller than minimum ({required}): "
                f"the input gate of {self.task.name} reads {n} channel(s) and needs {n} × {exclusive} exclusive "
                "buffers (taskmanager.network.memory.buffers-per-channel) plus at least one floating buffer, "
                f"but taskmanager.network.memory.floating-buffers-per-gate is {settings.floating_per_gate}. "
                "Flink fails the task the same way when it sets up the gate: give each gate at least 1 floating "
                "buffer (the default is 8).")

    def release(self) -> int:
        """Its task's attempt ended (a STREAMING restart): buffers still arriving are dropped. Returns the buffers
        it discards (received, not yet processed)."""
        self.released = True
        return sum(len(c.received) for c in self.channels)

    def on_buffer(self, channel: InputChannel, buf: Buffer, backlog: int) -> None:
        if not buf.is_event:
            channel.announced -= 1
            channel.used += 1
            channel.records_received += buf.records
        channel.received.append(buf)
        channel.backlog = backlog
        self._request_floating(channel)

    def on_backlog(self, channel: InputChannel, backlog: int) -> None:
        """The sender announced ``backlog`` buffers waiting for credit: assign floating buffers to them."""
        if self.released:
            return
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
            self.network.announce_credit(channel, granted)
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
            self.network.announce_credit(channel, 1)
