"""Buffer debloating (FLIP-183): each consumer sizes its upstream buffers so in-flight data drains in time.

Every ``period`` a task measures, per input gate, the bytes it consumed over the last ``samples`` periods;
the desired buffer size is ``throughput × target / buffers of the gate``, kept between the minimum
segment size and the configured segment size. When it differs from the current size by more than the
threshold, the new size is announced to the producers (after the channel latency); their next buffers
on that channel are finished at that size. Under backpressure the consumer's throughput is the
bottleneck's, so buffers shrink and less data waits in flight: lower latency, faster checkpoint barriers.

Flink's option names (``taskmanager.network.memory.buffer-debloat.*``); off by default, as in Flink.
Simplification: throughput is bytes over the whole period (Flink excludes the time the task was idle).
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from flowlab.common.config_values import read_bool, read_duration_ms, read_int, read_memory_size
from flowlab.kernel import Kernel
from flowlab.runtime.phases import PHASE_NETWORK, PHASE_TASK
from flowlab.runtime.recorder import Recorder
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.network.interfaces import DebloatingReader
    from flowlab.runtime.network.service import NetworkService

PREFIX = "taskmanager.network.memory.buffer-debloat."


class DebloatSettings:
    """``enabled`` (false), ``target`` (1 s), ``period`` (200 ms), ``samples`` (20), ``threshold-percentages`` (25)."""

    def __init__(self, conf: dict[str, Any], segment_size: int) -> None:
        self.enabled = read_bool(conf, PREFIX + "enabled", False)
        self.target_ms = int(read_duration_ms(conf, PREFIX + "target", "1 s", minimum=0))
        self.period_ms = int(read_duration_ms(conf, PREFIX + "period", "200 ms", minimum=1))
        self.samples = read_int(conf, PREFIX + "samples", 20, minimum=1)
        self.threshold = read_int(conf, PREFIX + "threshold-percentages", 25, minimum=0) / 100
        self.min_size = read_memory_size(conf, "taskmanager.memory.min-segment-size", "256b", minimum=1)
        self.max_size = segment_size


class BufferDebloater:
    """One per consumer task: measures each input gate's throughput and announces buffer sizes upstream."""

    def __init__(self, task: DebloatingReader, settings: DebloatSettings, kernel: Kernel, recorder: Recorder,
                 network: NetworkService) -> None:
        self.task = task
        self.kernel = kernel
        self.recorder = recorder
        self.network = network
        self.settings = settings
        self.last_bytes = [0 for _ in task.gates]
        self.history: list[deque[int]] = [deque(maxlen=settings.samples) for _ in task.gates]
        self.sizes = [settings.max_size for _ in task.gates]

    def start(self) -> None:
        if self.task.gates:
            self._schedule()

    def _schedule(self) -> None:
        kernel = self.kernel
        kernel.schedule(kernel.now + self.settings.period_ms * 1000, self._tick, phase=PHASE_TASK, target=self.task.actor)

    def _tick(self) -> None:
        task = self.task
        if task.state != "RUNNING":
            return
        st = self.settings
        for i, gate in enumerate(task.gates):
            consumed = gate.consumed_bytes - self.last_bytes[i]
            self.last_bytes[i] = gate.consumed_bytes
            self.history[i].append(consumed)
            window_ms = len(self.history[i]) * st.period_ms
            throughput = sum(self.history[i]) / window_ms                  # bytes per ms
            buffers = len(gate.channels) * gate.channels[0].exclusive + self.network.settings.floating_per_gate
            desired = max(st.min_size, min(st.max_size, int(throughput * st.target_ms / buffers)))
            current = self.sizes[i]
            if abs(desired - current) > st.threshold * current:
                self.sizes[i] = desired
                self.recorder.emit(EventKind.DEBLOAT, task.vertex_id, task.index, None,
                                   f"buffer debloating: input {i + 1} consumes {throughput * 1000:,.0f} bytes/s, "
                                   f"asks its producers for {desired:,} byte buffers (was {current:,})",
                                   {"gate": i, "buffer_size": desired, "throughput_bytes_per_s": throughput * 1000})
                for channel in gate.channels:
                    sub = channel.subpartition
                    self.kernel.schedule(self.kernel.now + self.network.settings.latency_us, _resize, sub, desired,
                                         phase=PHASE_NETWORK, target=sub.partition.task.actor)
        self._schedule()


def _resize(sub: Any, size: int) -> None:
    sub.buffer_size = size
