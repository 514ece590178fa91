"""Buffer sizes, pool sizes and latency of one job's network, from Flink's option names."""
from __future__ import annotations

from typing import Any


class NetworkSettings:
    """Buffer sizes, pool sizes and latency for one job (Flink's option names in comments)."""

    def __init__(self, conf: dict[str, Any], buffer_timeout_ms: int) -> None:
        self.segment_size = parse_bytes(conf.get("taskmanager.memory.segment-size", "32kb"))
        self.buffers_per_channel = int(conf.get("taskmanager.network.memory.buffers-per-channel", 2))
        self.floating_per_gate = int(conf.get("taskmanager.network.memory.floating-buffers-per-gate", 8))
        self.max_buffers_per_channel = int(conf.get("taskmanager.network.memory.max-buffers-per-channel", 10))
        self.record_size = int(conf.get("flowlab.network.record-size", 64))           # flowlab: modelled bytes
        self.latency_us = round(float(conf.get("flowlab.network.latency-ms", 1)) * 1000)  # flowlab
        self.buffer_timeout_ms = buffer_timeout_ms


def parse_bytes(text: Any) -> int:
    s = str(text).strip().lower().replace(" ", "")
    for suffix, mult in (("kb", 1024), ("k", 1024), ("mb", 1024 ** 2), ("m", 1024 ** 2), ("b", 1)):
        if s.endswith(suffix):
            return int(float(s[: -len(suffix)]) * mult)
    return int(s)
