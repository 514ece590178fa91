"""What happened to the windows of one ``WindowOperator`` subtask, kept for the views and the explainer.

Flink keeps no such record (its Web UI only counts ``numLateRecordsDropped``); flowlab keeps, per open
(key, window): how many elements it took, how many arrived after the watermark had passed the window's
end (accepted within the allowed lateness), and every firing (virtual time, watermark). When a window is
cleaned up its record moves to a bounded list of closed windows; every late record (dropped or sent to
the late side output) goes to a bounded list with the watermark that made it late. Pure bookkeeping:
nothing here changes what the operator emits.
Simplification: only the last ``CLOSED_KEEP`` closed windows and ``LATE_KEEP`` late records are kept.
"""
from __future__ import annotations

from collections import deque
from typing import Any

from flowlab.runtime.elements import LONG_MAX
from flowlab.runtime.keys import state_key

CLOSED_KEEP = 200      # closed windows remembered per operator subtask
LATE_KEEP = 100        # late records remembered per operator subtask
CONTENTS_SHOWN = 12    # buffered elements listed per window in a description
VALUE_CHARS = 60       # repr() of values is cut to this length


def short(value: Any) -> str:
    """``repr(value)`` cut to ``VALUE_CHARS`` characters."""
    text = repr(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def plain_key(key: Any) -> Any:
    """The key as JSON-able data: str/int/float/bool/None as they are, anything else as its repr."""
    key = getattr(key, "key", key) if type(key).__name__ == "TypedKey" else key
    return key if key is None or isinstance(key, (str, int, float, bool)) else repr(key)


def window_fields(window: Any) -> dict[str, Any]:
    """``start``/``end``/``max_timestamp`` of a TimeWindow (a GlobalWindow has no start or end)."""
    start = getattr(window, "start", None)
    end = getattr(window, "end", None)
    return {"start": start, "end": end, "max_timestamp": window.max_timestamp(),
            "window": f"[{start}, {end})" if start is not None else repr(window) if hasattr(window, "id")
            else "GlobalWindow"}


class WindowMeta:
    """One (key, state window): elements taken, late elements accepted, firings."""

    __slots__ = ("elements", "late_accepted", "fires", "opened_ms")

    def __init__(self, opened_ms: float) -> None:
        self.elements = 0
        self.late_accepted = 0
        self.fires: list[dict[str, Any]] = []
        self.opened_ms = opened_ms

    def absorb(self, other: WindowMeta) -> None:
        self.elements += other.elements
        self.late_accepted += other.late_accepted
        self.fires = sorted(self.fires + other.fires, key=lambda f: f["time_ms"])
        self.opened_ms = min(self.opened_ms, other.opened_ms)


class WindowHistory:
    """Per-window bookkeeping of one operator subtask (see the module docstring)."""

    def __init__(self) -> None:
        self.open: dict[tuple[Any, Any], WindowMeta] = {}
        self.closed: deque[tuple[Any, Any, WindowMeta, float, int]] = deque(maxlen=CLOSED_KEEP)   # cleaned up
        self.late: deque[dict[str, Any]] = deque(maxlen=LATE_KEEP)

    def added(self, k: tuple[Any, Any], window: Any, watermark: int, event_time: bool, now_ms: float) -> None:
        meta = self.open.get(k)
        if meta is None:
            meta = self.open[k] = WindowMeta(now_ms)
        meta.elements += 1
        if event_time and window.max_timestamp() <= watermark:
            meta.late_accepted += 1

    def fired(self, k: tuple[Any, Any], watermark: int, now_ms: float, what: dict[str, Any] | None = None) -> int:
        """Record a firing and what the window held then (``fired_with``); returns its number (1 = first
        firing, 2+ = re-firing)."""
        meta = self.open.get(k)
        if meta is None:
            meta = self.open[k] = WindowMeta(now_ms)
        meta.fires.append({"time_ms": now_ms, "watermark": watermark, **(what or {})})
        return len(meta.fires)

    def merged(self, key: Any, target: Any, absorbed: list[Any]) -> None:
        meta = self.open.get((key, target))
        for ns in absorbed:
            other = self.open.pop((key, ns), None)
            if other is None:
                continue
            if meta is None:
                meta = self.open[(key, target)] = other
            else:
                meta.absorb(other)

    def cleaned(self, k: tuple[Any, Any], window: Any, watermark: int, now_ms: float) -> None:
        meta = self.open.pop(k, None)
        if meta is None:
            return
        self.closed.append((k[0], window, meta, now_ms, watermark))   # described when read (closed_windows)

    def closed_windows(self) -> list[dict[str, Any]]:
        """The closed windows remembered, oldest first, as plain data."""
        return [{"key": plain_key(key), **window_fields(window), "elements": meta.elements,
                 "late_accepted": meta.late_accepted, "fires": list(meta.fires), "opened_ms": meta.opened_ms,
                 "cleaned_ms": now_ms, "cleaned_watermark": watermark}
                for key, window, meta, now_ms, watermark in self.closed]

    def late_record(self, key: Any, value: Any, ts: int | None, windows: list[Any], watermark: int,
                    lateness: int, side_output: str | None, now_ms: float) -> dict[str, Any]:
        entry = {"key": plain_key(key), "value": short(value), "timestamp": ts, "watermark": watermark,
                 "allowed_lateness": lateness, "side_output": side_output, "time_ms": now_ms,
                 "windows": [window_fields(w)["window"] for w in windows],
                 "reason": (f"timestamp {ts} + allowed lateness {lateness} = {ts + lateness if ts is not None else '?'}"
                            f" <= watermark {watermark}: every window it belongs to is already cleaned up")}
        self.late.append(entry)
        return entry


def fired_with(op: Any, stored: Any) -> dict[str, Any]:
    """What a window held when it fired, for the views: its buffered elements (the last ``CONTENTS_SHOWN``
    and how many in all) or its aggregate. Kept with the firing, so it outlives the window's cleanup."""
    if op.buffered:
        return {"contents": [short(v) for v, _ in stored[-CONTENTS_SHOWN:]], "contents_total": len(stored)}
    if op.mode == "reduce":
        return {"aggregate": short(stored)}
    try:
        return {"aggregate": short(op.function.get_result(stored))}
    except Exception:  # noqa: BLE001 - a description must not fail the job
        return {"aggregate": short(stored)}


def describe(op: Any) -> dict[str, Any]:
    """Plain data about one WindowOperator subtask: its open windows (per key), closed windows, late records."""
    history: WindowHistory = op.history
    backend = op.backend
    actual: dict[tuple[Any, Any], Any] = {}
    for key, _ns, mapping in backend.entries("merging-window-set"):
        for window, state_window in (mapping or {}).items():
            actual[(state_key(key), state_window)] = window
    contents = {(state_key(key), ns): stored for key, ns, stored in backend.entries("window-contents")}
    wm = op.timer_service.current_watermark
    windows = []
    for k, meta in history.open.items():
        window = actual.get(k, k[1])
        fields = window_fields(window)
        cleanup = op._cleanup_time(window)
        stored = contents.get(k)
        entry = {"key": plain_key(k[0]), **fields,
                 "cleanup_time": None if cleanup == LONG_MAX else cleanup,
                 "elements": meta.elements, "late_accepted": meta.late_accepted, "fires": list(meta.fires),
                 "opened_ms": meta.opened_ms, "contents": None, "aggregate": None, "purged": stored is None}
        if stored is not None:
            if op.buffered:
                entry["contents"] = [{"value": short(v), "timestamp": t} for v, t in stored[-CONTENTS_SHOWN:]]
                entry["contents_total"] = len(stored)
            elif op.mode == "reduce":
                entry["aggregate"] = short(stored)
            else:
                try:
                    entry["aggregate"] = short(op.function.get_result(stored))
                except Exception:  # noqa: BLE001 - a description must not fail the job
                    entry["aggregate"] = short(stored)
        windows.append(entry)
    return {
        "vertex": op.task.vertex.id, "subtask": op.task.index, "operator": op.id, "name": op.name,
        "assigner": repr(op.assigner), "trigger": type(op.trigger).__name__, "event_time": op.event_time,
        "allowed_lateness": op.allowed_lateness,
        "late_side_output": op.late_tag.tag_id if op.late_tag is not None else None,
        "watermark": wm, "fires": op.num_fires, "late_records_dropped": op.num_late_records_dropped,
        "windows": windows, "closed": history.closed_windows(), "late": list(history.late),
    }
