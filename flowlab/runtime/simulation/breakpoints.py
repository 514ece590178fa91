"""Breakpoints: what stops ``Simulation.run()`` — an event kind with field filters, a predicate, or a
watermark passing a time."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowlab.trace import TraceEvent

if TYPE_CHECKING:
    from flowlab.runtime.simulation.simulation import Simulation


class Breakpoint:
    """Stops ``run()`` after a step with a matching event (kind and/or predicate and field filters)."""

    def __init__(self, what: str | Callable[[TraceEvent], bool], filters: dict[str, Any]) -> None:
        self.what = what
        self.filters = filters

    def matches(self, e: TraceEvent) -> bool:
        if isinstance(self.what, str):
            if e.kind != self.what:
                return False
        elif not self.what(e):
            return False
        for field, want in self.filters.items():
            if getattr(e, field, None) != want and (e.data or {}).get(field) != want:
                return False
        return True

    def arm(self, sim: Simulation) -> None:
        """Called when ``run()`` starts (state-based breakpoints read the current state here)."""

    def hit(self, events: list[TraceEvent], sim: Simulation) -> bool:
        """Whether the step that produced ``events`` should stop ``run()``."""
        return any(self.matches(e) for e in events)

    def __repr__(self) -> str:
        return f"Breakpoint({self.what!r}, {self.filters})"


class WatermarkBreakpoint(Breakpoint):
    """Stops ``run()`` after the step in which the watermark of ``vertex`` reaches ``passes`` (``>=``).

    The watermark of a vertex is the smallest over its subtasks (Flink's Web UI shows this "low watermark"),
    or one subtask's when ``subtask`` is given; an operator name or id picks that operator's watermark.
    """

    def __init__(self, vertex: str, passes: int, subtask: int | None = None) -> None:
        super().__init__("watermark", {"vertex": vertex, "passes": passes, "subtask": subtask})
        self.vertex, self.passes, self.subtask = vertex, passes, subtask
        self._before: int | None = None

    def matches(self, e: TraceEvent) -> bool:
        return False

    def arm(self, sim: Simulation) -> None:
        self._before = sim.current_watermark(self.vertex, self.subtask)

    def hit(self, events: list[TraceEvent], sim: Simulation) -> bool:
        now = sim.current_watermark(self.vertex, self.subtask)
        before, self._before = self._before, now
        return before is not None and before < self.passes <= now

    def __repr__(self) -> str:
        on = self.vertex if self.subtask is None else f"{self.vertex}[{self.subtask}]"
        return f"WatermarkBreakpoint(watermark of {on} passes {self.passes})"
