"""The run horizon: ``sim.run()`` without ``until_ms`` on a job that never ends stops after a span of
virtual time and says why, instead of running for minutes (flowlab extension).

A job never ends when a source is unbounded (``GeneratorSource(count=None)``, a ``ScriptedSource``
without an end) or an iteration head waits for feedback forever (``iterate()`` without a max wait).
The horizon is virtual time, not a step count: a step count would stop a fast job after a blink and a
slow one after hours of its virtual clock.
"""
from __future__ import annotations

from typing import Any

DEFAULT_HORIZON_MS = 10_000.0


def fmt_ms(ms: float) -> str:
    """``10 000`` / ``2 500.5``: virtual milliseconds with a space between thousands."""
    text = f"{ms:,.3f}".rstrip("0").rstrip(".")
    return text.replace(",", " ")


def unbounded_reason(job_graph: Any) -> str | None:
    """Why the job never ends by itself ("the source 'Gen' is unbounded"), or None for a bounded job."""
    nodes = [n for n in job_graph.stream_graph.nodes if n.is_source and not n.bounded]
    if not nodes:
        return None
    loops = [n.name for n in nodes if "iteration" in n.params]
    sources = [n.name for n in nodes if "iteration" not in n.params]
    parts = []
    if sources:
        names = ", ".join(repr(s) for s in sources)
        parts.append(f"the source {names} is unbounded" if len(sources) == 1 else f"the sources {names} are unbounded")
    if loops:
        parts.append(f"the iteration head {', '.join(repr(s) for s in loops)} waits for feedback forever "
                     "(iterate() without max_wait_time_ms)")
    return " and ".join(parts)


class Horizon:
    """What ``sim.stopped_by`` holds when ``run()`` stopped at its horizon: the reason and where it stopped."""

    def __init__(self, reason: str, stopped_at_ms: float, horizon_ms: float) -> None:
        self.reason = reason
        self.stopped_at_ms = stopped_at_ms
        self.horizon_ms = horizon_ms

    @property
    def message(self) -> str:
        return (f"{self.reason}: stopped at {fmt_ms(self.stopped_at_ms)} virtual ms "
                f"(run() without until_ms runs an endless job for {fmt_ms(self.horizon_ms)} virtual ms); "
                "use run(until_ms=...) to choose how far")

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"Horizon({self.message!r})"
