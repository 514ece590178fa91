"""How flowlab writes event times for people: Long.MIN/MAX spelled out, everything else in ms.

Shared by trace details, the explainer and the views, so a time reads the same everywhere
(students tend to assume seconds, hence the unit).
"""
from __future__ import annotations

LONG_MIN = -(2 ** 63)
LONG_MAX = 2 ** 63 - 1


def event_time_text(ts: int | float | None, unit: str = " ms", none: str = "none") -> str:
    """``Long.MIN_VALUE`` / ``Long.MAX_VALUE`` / ``<n> ms``; ``unit=""`` for bare numbers."""
    if ts is None:
        return none
    if ts == LONG_MIN:
        return "Long.MIN_VALUE"
    if ts == LONG_MAX:
        return "Long.MAX_VALUE"
    return f"{ts:g}{unit}" if isinstance(ts, float) else f"{ts}{unit}"
