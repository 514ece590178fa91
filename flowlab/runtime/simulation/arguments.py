"""Checks of the arguments a notebook passes to the Simulation: whole step counts, finite virtual times,
integer seeds, known event kinds. Each failure says what was wrong and what to pass instead, before
anything moves (instead of an error from deep inside, or a silently odd run)."""
from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

from flowlab.trace import EventKind

#: Every event kind the runtime records, plus ``"backpressured"`` (a subtask *becomes* back-pressured).
KNOWN_KINDS: tuple[str, ...] = tuple(sorted(
    {v for k, v in vars(EventKind).items() if k.isupper() and isinstance(v, str)} | {"backpressured"}))


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def count(name: str, value: Any, *, hint: str = "") -> int:
    """A whole number >= 0 (a step count): ``step(2.5)``, ``step(-1)``, ``back(True)`` raise."""
    if not _is_int(value):
        raise TypeError(f"{name} must be a whole number of steps (an int), got {value!r}"
                        + (f" ({type(value).__name__})" if not isinstance(value, (str, float)) else "")
                        + ". A step is one observable event; use run(until_ms=...) to move by virtual time.")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}.{' ' + hint if hint else ''}")
    return int(value)


def virtual_ms(name: str, value: Any) -> float:
    """A finite number of virtual milliseconds (``NaN``, ``inf`` and strings raise)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number of virtual milliseconds, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of virtual milliseconds, got {value!r}")
    return float(value)


def seed(value: Any) -> int:
    """The run's seed: an int (``1.5``, ``"7"``, ``None`` and ``True`` raise)."""
    if not _is_int(value):
        raise TypeError(f"seed must be an int (the same program and seed give the same run), got {value!r} "
                        f"({type(value).__name__}); for example Simulation(env, seed=7)")
    return int(value)


def event_kind(what: str) -> str:
    """An event kind ``break_on`` can stop at; an unknown one raises, listing the known kinds."""
    if what not in KNOWN_KINDS:
        close = [k for k in KNOWN_KINDS if k.split("_")[0] == what.split("_")[0]]
        hint = f" Did you mean {' or '.join(repr(k) for k in close)}?" if close else ""
        raise ValueError(f"break_on({what!r}): no event has kind {what!r}, so the breakpoint would never stop "
                         f"run().{hint} Known kinds: {', '.join(KNOWN_KINDS)}. (Or pass a predicate: "
                         "break_on(lambda e: ...).)")
    return what
