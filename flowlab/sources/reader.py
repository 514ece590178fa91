"""The reader contract the runtime's source operator drives (one reader per source subtask)."""
from __future__ import annotations

from typing import Any, Protocol


class SourceReader(Protocol):
    """Reads the splits assigned to one subtask, in arrival order."""

    position: int

    def next_arrival_us(self) -> int | None:
        """Virtual time (µs) at which the next element is available; None when the input has ended."""

    def poll(self) -> tuple[Any, int | None]:
        """Take the next element: ``(value, event timestamp or None)``."""
