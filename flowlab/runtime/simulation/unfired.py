"""Windows that never fired because the bounded input ended first — said out loud, since Flink stays silent.

When a bounded job finishes, Flink sends the final watermark (``Long.MAX_VALUE``), so every event-time
window fires; but a finishing task drops its pending processing-time timers (the timer service is
quiesced), so a processing-time window whose end the clock has not reached never fires and its contents
are never emitted. A window whose trigger waits for something else (``CountTrigger``: more elements) stays
unfired too. The job FINISHES and prints nothing about it; flowlab adds a note and names the windows.
Pure functions over ``Simulation.snapshot()`` data.
"""
from __future__ import annotations

from typing import Any


def unfired_windows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Open, never-fired windows that still hold elements, once the job is FINISHED (else ``[]``).

    Each: ``key``, ``window``, ``elements``, ``operator``, ``name``, ``vertex``, ``subtask``, ``event_time``,
    ``trigger``, ``max_timestamp`` and ``reason`` (a sentence)."""
    if (snapshot.get("job") or {}).get("status") != "FINISHED":
        return []
    out = []
    for o in (snapshot.get("event_time") or {}).get("windows") or ():
        for w in o["windows"]:
            if w["fires"] or w.get("purged") or not w.get("elements"):
                continue
            out.append({"key": w["key"], "window": w["window"], "elements": w["elements"],
                        "operator": o["operator"], "name": o["name"], "vertex": o["vertex"],
                        "subtask": o["subtask"], "event_time": o["event_time"], "trigger": o["trigger"],
                        "max_timestamp": w["max_timestamp"], "reason": reason(o, w, snapshot)})
    return out


def reason(o: dict[str, Any], w: dict[str, Any], snapshot: dict[str, Any]) -> str:
    """Why window ``w`` of operator ``o`` never fired before the job finished."""
    now = snapshot.get("now_ms", 0)
    if not o["event_time"]:
        return (f"it is a processing-time window that fires when the clock reaches {w['max_timestamp']} ms, but "
                f"the bounded input ended and the job finished at t = {now:g} virtual ms, before that; a finishing "
                "task drops its pending processing-time timers, so the window never fires (Flink does the same)")
    return (f"its trigger {o['trigger']} did not fire it before the input ended; the final watermark "
            "(Long.MAX_VALUE) only fires event-time timers, which this trigger does not use (Flink does the same)")


def note(snapshot: dict[str, Any]) -> str | None:
    """One paragraph naming the windows that never fired, or None when every window fired."""
    windows = unfired_windows(snapshot)
    if not windows:
        return None
    shown = windows[:6]
    names = "; ".join(f"key {w['key']!r} {w['window']} ({w['elements']} element{'s' if w['elements'] != 1 else ''}) "
                      f"at {w['name']}" for w in shown)
    more = f"; and {len(windows) - len(shown)} more" if len(windows) > len(shown) else ""
    kinds = "processing-time " if all(not w["event_time"] for w in windows) else ""
    return (f"The input ended while {len(windows)} {kinds}window{'s' if len(windows) != 1 else ''} still held "
            f"elements and never fired, so {'their' if len(windows) != 1 else 'its'} result was never emitted: "
            f"{names}{more}. Why: {windows[0]['reason']}. sim.explain_window() lists them.")
