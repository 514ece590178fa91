"""Buffer sizes, pool sizes and latency of one job's network, from Flink's option names."""
from __future__ import annotations

from typing import Any

from flowlab.common.config_values import (
    IllegalConfigurationException,
    read_float,
    read_int,
    read_memory_size,
)

SEGMENT_SIZE = "taskmanager.memory.segment-size"


class NetworkSettings:
    """Buffer sizes, pool sizes and latency for one job (Flink's option names in comments).

    Every value is parsed and checked when the job is built; a value of the wrong type or out of range
    fails naming its key. Simplification: Flink refuses memory segments below 4 KiB (and sizes that are
    not a power of two); flowlab accepts any positive size, so a lesson can show buffers filling with a
    handful of records.
    """

    def __init__(self, conf: dict[str, Any], buffer_timeout_ms: int) -> None:
        self.segment_size = read_memory_size(conf, SEGMENT_SIZE, "32kb")
        if self.segment_size <= 0:
            raise IllegalConfigurationException(
                f"Invalid value '{conf.get(SEGMENT_SIZE)}' for key '{SEGMENT_SIZE}': a network buffer must hold "
                "at least one byte (Flink's minimum is 4kb, and its default 32kb).")
        self.buffers_per_channel = read_int(conf, "taskmanager.network.memory.buffers-per-channel", 2, minimum=0)
        self.floating_per_gate = read_int(conf, "taskmanager.network.memory.floating-buffers-per-gate", 8,
                                          minimum=0)
        self.max_buffers_per_channel = read_int(conf, "taskmanager.network.memory.max-buffers-per-channel", 10,
                                                minimum=1)
        self.record_size = read_int(conf, "flowlab.network.record-size", 64, minimum=1)   # flowlab: modelled bytes
        self.latency_us = round(read_float(conf, "flowlab.network.latency-ms", 1, minimum=0) * 1000)  # flowlab
        self.buffer_timeout_ms = buffer_timeout_ms


def parse_bytes(text: Any) -> int:
    """A memory size such as ``32kb`` in bytes (Flink's ``MemorySize`` units)."""
    return read_memory_size({"size": text}, "size", "0")
