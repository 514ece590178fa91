"""Emits trace events and counts them, so the Simulation knows which kernel calls were observable."""
from __future__ import annotations

from typing import Any

from flowlab.trace import Trace


class Recorder:
    """Runtime side of the trace. ``count`` rises with every observable event, recorded or not."""

    __slots__ = ("trace", "count", "step", "clock")

    def __init__(self, trace: Trace, clock: Any) -> None:
        self.trace = trace
        self.count = 0
        self.step = 0          # the step number the current kernel call would get
        self.clock = clock     # the kernel (``clock.now`` in µs)

    @property
    def enabled(self) -> bool:
        return self.trace.enabled

    def emit(self, kind: str, vertex: str | None = None, subtask: int | None = None,
             operator: str | None = None, detail: str = "", data: dict[str, Any] | None = None) -> None:
        self.count += 1
        if self.trace.enabled:
            self.trace.record(self.step, self.clock.now, kind, vertex, subtask, operator, detail, data)

    def tick(self) -> None:
        """An observable event whose details were not built because the trace is off."""
        self.count += 1
