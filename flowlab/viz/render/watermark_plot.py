"""The classic event-time plot: processing time (x) against event time (y), each record a dot, the
watermark a step line, late records marked. Data comes from trace events (``event_time_series``, pure);
``EventTimePlot`` builds one matplotlib figure and only updates its data (no pyplot, no ipympl).

A record is *late* when its event time is <= the watermark its subtask had when it arrived (Flink's
definition; a window operator then accepts it within the allowed lateness, or drops it / sends it to the
late side output). Late records get a ring around their dot (class ``flowlab-late-marker`` in the SVG) and
a legend entry; dropped ones a ✕, side-output ones a ▲."""
from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from flowlab.viz.render.svg import figure_svg

LONG_MIN = -(2 ** 63)
LONG_MAX = 2 ** 63 - 1
_TS = re.compile(r" @(-?\d+)$")


def _get(e: Any, name: str) -> Any:
    return e.get(name) if isinstance(e, dict) else getattr(e, name, None)


def _time_ms(e: Any) -> float:
    t = _get(e, "time_ms")
    return float(t) if t is not None else _get(e, "time_us") / 1000


def event_time_series(events: Iterable[Any], vertex: str | None = None) -> dict[str, Any]:
    """Records, watermark steps, late records and window firings at ``vertex`` (default: the vertex of the
    first window firing or late record, else of the first combined input watermark).

    Records are the ``process`` events at that vertex whose detail ends in ``@<timestamp>``; when there
    are none, ``source_emit`` events anywhere. Watermarks are the combined input watermark per subtask
    (``watermark`` events with ``data["combined"]``). Each point is ``(processing ms, event-time ms)``.
    ``behind`` are the records whose event time is <= their subtask's watermark on arrival (late).
    """
    events = list(events)
    if vertex is None:
        vertex = next((_get(e, "vertex") for e in events if _get(e, "kind") in ("window_fire", "late_record")), None)
    if vertex is None:
        vertex = next((_get(e, "vertex") for e in events if _get(e, "kind") == "watermark"
                       and "combined" in (_get(e, "data") or {})), None)
    records: list[tuple[float, int]] = []
    emitted: list[tuple[float, int]] = []
    late: list[tuple[float, int, bool]] = []
    fires: list[tuple[float, int]] = []
    steps: dict[int, list[tuple[float, int]]] = {}
    behind: list[tuple[float, int]] = []
    current: dict[int, int] = {}                  # subtask -> its combined watermark so far
    for e in events:
        kind = _get(e, "kind")
        if kind == "process" or kind == "source_emit":
            m = _TS.search(_get(e, "detail") or "")
            if m is None:
                continue
            point = (_time_ms(e), int(m.group(1)))
            if kind == "source_emit":
                emitted.append(point)
            elif _get(e, "vertex") == vertex:
                records.append(point)
                wm = current.get(int(_get(e, "subtask") or 0), LONG_MIN)
                if wm != LONG_MIN and point[1] <= wm:
                    behind.append(point)
        elif _get(e, "vertex") != vertex:
            continue
        elif kind == "watermark":
            data = _get(e, "data") or {}
            if "combined" in data and data["combined"] != LONG_MIN:
                current[int(_get(e, "subtask") or 0)] = data["combined"]
                line = steps.setdefault(int(_get(e, "subtask") or 0), [])
                if not line or line[-1][1] != data["combined"]:
                    line.append((_time_ms(e), data["combined"]))
        elif kind == "late_record":
            data = _get(e, "data") or {}
            if data.get("timestamp") is not None:
                late.append((_time_ms(e), data["timestamp"], bool(data.get("side_output"))))
        elif kind == "window_fire":
            data = _get(e, "data") or {}
            if data.get("max_timestamp") is not None and data["max_timestamp"] != LONG_MAX:
                fires.append((_time_ms(e), data["max_timestamp"]))
    if not records:
        records, emitted = emitted, []
    return {"vertex": vertex, "records": records, "emitted": emitted, "watermarks": steps, "late": late,
            "fires": fires, "behind": behind}


class EventTimePlot:
    """One matplotlib figure, built once; ``update(series, now_ms)`` moves its data; ``svg()`` renders it."""

    MAX_LINES = 8

    def __init__(self, width_in: float = 9.0, height_in: float = 4.2) -> None:
        from matplotlib.figure import Figure
        self.fig = Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")
        ax = self.ax = self.fig.add_subplot()
        ax.set_xlabel("processing time (virtual ms)")
        ax.set_ylabel("event time (ms)")
        ax.grid(True, color="#e3e8ef", linewidth=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        (self.emitted,) = ax.plot([], [], "o", ms=4, mfc="none", mec="#aab4c1", label="emitted by the source")
        (self.records,) = ax.plot([], [], "o", ms=5, color="#4a86c5", label="record arrives (its event time)")
        self.lines = [ax.plot([], [], drawstyle="steps-post", color="#d64545", lw=1.8 if i == 0 else 1.2,
                              alpha=1 if i == 0 else 0.6, label="watermark" if i == 0 else None)[0]
                      for i in range(self.MAX_LINES)]
        (self.behind,) = ax.plot([], [], "o", ms=10, mfc="none", mec="#e8590c", mew=2.0,
                                 label="late record (event time ≤ watermark on arrival)")
        (self.dropped,) = ax.plot([], [], "x", ms=9, mew=2.2, color="#d64545", label="late record: dropped")
        (self.side,) = ax.plot([], [], "^", ms=8, color="#8a6cc0", label="late record: side output")
        (self.fired,) = ax.plot([], [], "*", ms=11, color="#2f9e6e", label="window fires (at its max timestamp)")
        for artist, name in ((self.behind, "late-marker"), (self.dropped, "late-dropped"), (self.side, "late-side"),
                             (self.records, "records"), (self.fired, "fires")):
            artist.set_gid(f"flowlab-{name}")
        self.title = ax.set_title("", fontsize=10, loc="left")
        self.legend = None

    def update(self, series: dict[str, Any], now_ms: float | None = None) -> None:
        def set_xy(artist: Any, pts: list[tuple]) -> None:
            artist.set_data([p[0] for p in pts], [p[1] for p in pts])

        set_xy(self.records, series["records"])
        set_xy(self.behind, series.get("behind") or [])
        set_xy(self.emitted, series.get("emitted") or [])
        set_xy(self.dropped, [p for p in series["late"] if not p[2]])
        set_xy(self.side, [p for p in series["late"] if p[2]])
        set_xy(self.fired, series["fires"])
        ys = [p[1] for p in series["records"]] + [p[1] for p in series.get("emitted") or []]
        ys += [p[1] for p in series["late"]] + [p[1] for p in series["fires"]]
        finite = [w for line in series["watermarks"].values() for _, w in line if w not in (LONG_MIN, LONG_MAX)]
        top = max(ys + finite, default=1) + 1
        xs = [p[0] for p in series["records"]] + [p[0] for line in series["watermarks"].values() for p in line]
        end = max(xs + ([now_ms] if now_ms is not None else []), default=1)
        for i, line in enumerate(self.lines):
            pts = list(series["watermarks"].get(i, []))
            if pts:
                cap = top + 0.04 * (abs(top) + 1)          # Long.MAX_VALUE: just above the plot's data
                pts = [(t, min(w, cap)) for t, w in pts] + [(end, min(pts[-1][1], cap))]
            set_xy(line, pts)
        ax = self.ax
        ax.relim()
        ax.autoscale_view()
        low = min(ys + finite, default=0)
        ax.set_ylim(low - 0.05 * (top - low + 1), top + 0.08 * (top - low + 1))
        ax.set_xlim(-0.01 * end - 1, end * 1.02 + 1)         # a record at t = 0 is not cut in half
        wm = {i: line[-1][1] for i, line in series["watermarks"].items() if line}
        wm_txt = ", ".join(f"[{i}] " + ("Long.MAX_VALUE" if w == LONG_MAX else f"{w} ms") for i, w in sorted(wm.items()))
        self.title.set_text(f"records and watermark at {series['vertex'] or '—'}"
                            + (f" — watermark {wm_txt}" if wm_txt else " — no watermark yet"))
        handles = [a for a in (self.emitted, self.records, self.lines[0], self.behind, self.dropped, self.side,
                               self.fired) if len(a.get_xdata())]
        if self.legend is not None:
            self.legend.remove()
            self.legend = None
        if handles:
            self.legend = ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)

    def svg(self) -> str:
        """The figure as an SVG string (deterministic ids, no date metadata); the marks flowlab names (late
        records, fires) carry a class, not an id, so several plots on one page stay valid."""
        return figure_svg(self.fig).replace('<g id="flowlab-', '<g class="flowlab-')

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png")
        return buf.getvalue()
