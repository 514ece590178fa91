"""The Steppable protocol: what the views need from anything they can drive."""
from __future__ import annotations

from typing import Any, Protocol

from flowlab.trace.events import TraceEvent


class Steppable(Protocol):
    """A simulation the controls can step, rewind and inspect."""

    step_count: int
    done: bool

    @property
    def now_ms(self) -> float: ...

    def step(self, n: int = 1) -> list[TraceEvent]: ...

    def back(self, n: int = 1) -> None: ...

    def goto(self, step: int) -> None: ...

    def reset(self) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...
