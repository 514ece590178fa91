"""Busy / back-pressured / idle ms per second over time, one small panel per vertex (matplotlib).

``ratio_series`` (pure) picks the data out of ``snapshot["backpressure"]["history"]``; ``RatioChart`` builds
its figure once per graph shape and afterwards only updates line data; ``svg()`` renders it.
"""
from __future__ import annotations

from typing import Any

from flowlab.viz.render.layout import display_name
from flowlab.viz.render.svg import figure_svg

BUSY_COLOUR, BP_COLOUR, IDLE_COLOUR = "#3d5a80", "#d64545", "#aab4c1"
MAX_PANELS = 6


def ratio_series(snapshot: dict[str, Any]) -> dict[str, Any]:
    """``{"time_ms": [...], "vertices": [(id, name, {"busy", "bp", "idle"}), ...]}`` (at most 6 vertices)."""
    bp = snapshot.get("backpressure") or {}
    hist = bp.get("history") or {"time_ms": [], "vertices": {}}
    names = {v["id"]: display_name(v.get("name", v["id"])) for v in snapshot.get("vertices") or ()}
    series = [(vid, names.get(vid, vid), s) for vid, s in (hist.get("vertices") or {}).items()]
    return {"time_ms": list(hist.get("time_ms") or []), "vertices": series[:MAX_PANELS],
            "levels": {v["id"]: v.get("level", "OK") for v in bp.get("vertices") or ()}}


class RatioChart:
    """One matplotlib figure (no pyplot); rebuilt only when the set of vertices changes."""

    def __init__(self, width_in: float = 9.0, panel_in: float = 1.25) -> None:
        self.width_in, self.panel_in = width_in, panel_in
        self.fig: Any = None
        self.key: tuple = ()
        self.lines: list[tuple[Any, Any, Any, Any]] = []

    def _build(self, vertices: list[tuple[str, str, dict]]) -> None:
        from matplotlib.figure import Figure
        n = max(1, len(vertices))
        self.fig = Figure(figsize=(self.width_in, 0.5 + self.panel_in * n), dpi=100, layout="constrained")
        axes = self.fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
        self.lines = []
        for ax, (vid, name, _) in zip(axes, vertices or [("", "", {})], strict=False):
            ax.set_ylim(-20, 1040)
            ax.set_yticks([0, 500, 1000])
            ax.tick_params(labelsize=7)
            ax.grid(True, color="#e3e8ef", linewidth=0.7)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            (busy,) = ax.plot([], [], color=BUSY_COLOUR, lw=1.6, label="busy")
            (bp,) = ax.plot([], [], color=BP_COLOUR, lw=1.6, label="back-pressured")
            (idle,) = ax.plot([], [], color=IDLE_COLOUR, lw=1.2, label="idle")
            title = ax.set_title(f"{vid} {name}", fontsize=8.5, loc="left")
            self.lines.append((busy, bp, idle, title))
        axes[0].legend(loc="upper right", fontsize=7, ncols=3, frameon=False)
        axes[-1].set_xlabel("virtual time (ms) — ms per second, mean over subtasks, per 100 ms sample", fontsize=8)
        self.key = tuple(v[0] for v in vertices)

    def update(self, series: dict[str, Any]) -> None:
        vertices = series["vertices"]
        if self.fig is None or self.key != tuple(v[0] for v in vertices):
            self._build(vertices)
        t = series["time_ms"]
        for (busy, bp, idle, title), (vid, name, s) in zip(self.lines, vertices, strict=False):
            busy.set_data(t, s["busy"])
            bp.set_data(t, s["bp"])
            idle.set_data(t, s["idle"])
            title.set_text(f"{vid} · {name} — {series['levels'].get(vid, 'OK')}")
        if t:
            lo, hi = t[0], t[-1]
            for ax in self.fig.axes:
                ax.set_xlim(max(0, lo - 100), hi + 1 if hi > lo else lo + 100)

    def svg(self) -> str:
        """The figure as an SVG string (deterministic ids, no date metadata)."""
        return figure_svg(self.fig)


def render_ratio_chart(snapshot: dict[str, Any], chart: RatioChart | None = None) -> str:
    """The ratios-over-time chart of ``snapshot`` as SVG (pass a ``chart`` to reuse its figure)."""
    chart = chart or RatioChart()
    chart.update(ratio_series(snapshot))
    return chart.svg()
