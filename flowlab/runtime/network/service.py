"""Moves buffers and credit announcements between tasks through the kernel, with latency."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.kernel import Kernel
from flowlab.runtime.network.settings import NetworkSettings
from flowlab.runtime.phases import PHASE_NETWORK
from flowlab.runtime.recorder import Recorder
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.network.buffer import Buffer
    from flowlab.runtime.network.input_gate import InputChannel
    from flowlab.runtime.network.result_partition import Subpartition


class NetworkService:
    """Schedules deliveries: data in order per channel, after ``flowlab.network.latency-ms``."""

    def __init__(self, kernel: Kernel, recorder: Recorder, settings: NetworkSettings) -> None:
        self.kernel = kernel
        self.recorder = recorder
        self.settings = settings

    def send(self, sub: Subpartition, buf: Buffer, backlog: int) -> None:
        channel = sub.channel
        task = sub.partition.task
        rec = self.recorder
        if rec.enabled:
            what = repr(buf.elements[0]) if buf.is_event else f"{buf.records} records, {len(buf.elements)} elements"
            rec.emit(EventKind.BUFFER_SENT, task.vertex_id, task.index, None,
                     f"to {channel.gate.task.name} ({what})",
                     {"edge": sub.partition.edge_index, "to": channel.gate.task.index, "records": buf.records})
        else:
            rec.tick()
        self.kernel.schedule(self.kernel.now + self.settings.latency_us, self._deliver, sub, channel, buf, backlog,
                             phase=PHASE_NETWORK, target=channel.gate.task.actor)

    def _deliver(self, sub: Subpartition, channel: InputChannel, buf: Buffer, backlog: int) -> None:
        sub.in_flight -= 1
        sub.in_flight_records -= buf.records
        sub.in_flight_buffers.popleft()
        if channel.gate.released:
            return                        # its consumer's attempt ended (a restart): the buffer is discarded
        task = channel.gate.task
        rec = self.recorder
        if rec.enabled:
            what = repr(buf.elements[0]) if buf.is_event else f"{buf.records} records"
            src = sub.partition.task
            rec.emit(EventKind.BUFFER_DELIVERED, task.vertex_id, task.index, None,
                     f"from {src.name} ({what})", {"edge": sub.partition.edge_index, "from": src.index,
                                                   "records": buf.records})
        else:
            rec.tick()
        task.on_buffer(channel, buf, backlog)

    def resume_consumption(self, channel: InputChannel) -> None:
        """The consumer tells the producer to send again after an aligned barrier (a message: it takes the latency)."""
        sub = channel.subpartition
        self.kernel.schedule(self.kernel.now + self.settings.latency_us, sub.partition.resume, sub.position,
                             phase=PHASE_NETWORK, target=sub.partition.task.actor)

    def notify_data_processed(self, channel: InputChannel) -> None:
        """The consumer processed EndOfData on ``channel``; its producer hears of it after the latency."""
        sub = channel.subpartition
        self.kernel.schedule(self.kernel.now + self.settings.latency_us, sub.partition.on_data_processed,
                             sub.position, phase=PHASE_NETWORK, target=sub.partition.task.actor)

    def announce_credit(self, channel: InputChannel, credit: int) -> None:
        sub = channel.subpartition
        self.kernel.schedule(self.kernel.now + self.settings.latency_us, sub.partition.on_credit,
                             sub.position, credit, phase=PHASE_NETWORK, target=sub.partition.task.actor)

    def announce_backlog(self, sub: Subpartition, backlog: int) -> None:
        """The sender's backlog reaches the receiving channel after the latency (no credit needed)."""
        channel = sub.channel
        self.kernel.schedule(self.kernel.now + self.settings.latency_us, channel.gate.on_backlog, channel, backlog,
                             phase=PHASE_NETWORK, target=channel.gate.task.actor)
