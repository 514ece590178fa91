"""Helpers shared by the viz tests."""
from __future__ import annotations

from typing import Any


def finish(dash: Any, limit: int = 1000) -> int:
    """Tick a Dashboard's chunked run until it ends (what the browser's ticker does); the ticks taken."""
    ticks = 0
    while dash.runner.active and ticks < limit:
        dash.runner.tick()
        ticks += 1
    return ticks
