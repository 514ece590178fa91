"""Backpressure, drawn from ``snapshot["backpressure"]``: the job graph tinted by level, the bottleneck
banner, the per-subtask table (busy / back-pressured / idle, the sampled ratio, pools) and the channels
(sender buffers, credit, receiver buffers). Pure functions: snapshot in, SVG/HTML string out."""
from __future__ import annotations

import html
from typing import Any

from flowlab.viz.render.jobgraph_svg import render_job_graph
from flowlab.viz.render.layout import display_name

LEVEL_TINT = {"OK": "#dcf3e6", "LOW": "#fdebb8", "HIGH": "#f9c9c9"}
LEVEL_INK = {"OK": "#1b7f4b", "LOW": "#9a6a00", "HIGH": "#b3261e"}
BUSY_COLOUR, BP_COLOUR, IDLE_COLOUR = "#3d5a80", "#d64545", "#d5dce6"
MAX_CHANNELS = 24
FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px;color:#1f2933"


def _bp(snapshot: dict[str, Any]) -> dict[str, Any]:
    return snapshot.get("backpressure") or {}


def level_tints(snapshot: dict[str, Any]) -> dict[str, list[str | None]]:
    """Vertex id -> row colour per subtask index, by backpressure level (for ``render_job_graph``)."""
    out: dict[str, list[str | None]] = {}
    for s in _bp(snapshot).get("subtasks") or ():
        row = out.setdefault(s["vertex"], [])
        while len(row) <= int(s["subtask"]):
            row.append(None)
        row[int(s["subtask"])] = LEVEL_TINT.get(s.get("level", "OK"))
    return out


def bottleneck_vertex(snapshot: dict[str, Any]) -> str | None:
    """The vertex id of the likely bottleneck, or None."""
    neck = _bp(snapshot).get("bottleneck")
    return neck["vertex"] if neck else None


def render_backpressure_graph(snapshot: dict[str, Any]) -> str:
    """The chained job graph with subtask rows tinted OK/LOW/HIGH and the likely bottleneck framed."""
    return render_job_graph(snapshot, chained=True, tints=level_tints(snapshot), highlight=bottleneck_vertex(snapshot))


def _names(snapshot: dict[str, Any]) -> dict[str, str]:
    return {v["id"]: display_name(v.get("name", v["id"])) for v in snapshot.get("vertices") or ()}


def _pill(level: str) -> str:
    return (f'<span class="flowlab-level" data-level="{level}" style="background:{LEVEL_TINT.get(level, "#eee")};'
            f'color:{LEVEL_INK.get(level, "#333")};font-weight:600;padding:0 6px;border-radius:8px">{level}</span>')


def render_bottleneck(snapshot: dict[str, Any]) -> str:
    """One line: the likely bottleneck and why, or that nothing is back-pressured."""
    bp = _bp(snapshot)
    names = _names(snapshot)
    neck = bp.get("bottleneck")
    pressured = [v for v in bp.get("vertices") or () if v.get("level") != "OK"]
    if neck:
        up = ", ".join(html.escape(names.get(u, u)) for u in neck.get("upstream") or ())
        text = (f'<b>Likely bottleneck: {html.escape(names.get(neck["vertex"], neck["vertex"]))} '
                f'({html.escape(neck["vertex"])}, subtask {neck["subtask"]})</b> — busy '
                f'{neck["busyTimeMsPerSecond"]:.0f} ms/s and not back-pressured itself, while its input '
                f'{up} is back-pressured.')
        colour = LEVEL_INK["HIGH"]
    elif pressured:
        text = ("Back-pressure: " + ", ".join(f'{html.escape(names.get(v["id"], v["id"]))} {_pill(v["level"])}'
                                              for v in pressured) + " — no busy consumer found downstream yet.")
        colour = LEVEL_INK["LOW"]
    else:
        text = "No back-pressure: every vertex is OK over the last window."
        colour = LEVEL_INK["OK"]
    return (f'<div class="flowlab-bottleneck" style="{FONT};border-left:4px solid {colour};padding:3px 8px;'
            f'margin:4px 0">{text}</div>')


def _bar(busy: float, bp: float, idle: float, width: int = 140) -> str:
    parts = []
    for value, colour, what in ((busy, BUSY_COLOUR, "busy"), (bp, BP_COLOUR, "back-pressured"),
                                (idle, IDLE_COLOUR, "idle")):
        w = max(0.0, min(1.0, value / 1000)) * width
        if w > 0.05:
            parts.append(f'<span title="{what} {value:.0f} ms/s" style="display:inline-block;width:{w:.1f}px;'
                         f'height:10px;background:{colour}"></span>')
    return f'<span style="display:inline-block;width:{width}px;background:#f2f5f9;line-height:0">{"".join(parts)}</span>'


def render_subtask_table(snapshot: dict[str, Any]) -> str:
    """Per subtask: level, busy/back-pressured/idle ms/s (bar and numbers), sampled share, records/s, pools."""
    bp = _bp(snapshot)
    names = _names(snapshot)
    window = bp.get("window_ms", 1000)
    head = ("<tr style='color:#8a94a3;text-align:right'><th style='text-align:left'>vertex</th><th>#</th><th>level"
            "</th><th style='text-align:left'>busy · back-pressured · idle</th><th>busy</th><th>bp</th><th>idle</th>"
            "<th title='share of the 100 ms samples that found no output buffer (JobManager sampling)'>sampled"
            "</th><th>in/s</th><th>out/s</th><th>inPool</th><th>outPool</th></tr>")
    rows = []
    for s in bp.get("subtasks") or ():
        sampled = s.get("sampled_ratio")
        rows.append(
            f'<tr class="flowlab-bp-row" data-vertex="{html.escape(s["vertex"])}" data-subtask="{s["subtask"]}" '
            f'data-level="{s.get("level", "OK")}" style="text-align:right">'
            f'<td style="text-align:left">{html.escape(names.get(s["vertex"], s["vertex"]))}</td>'
            f'<td>{s["subtask"]}</td><td>{_pill(s.get("level", "OK"))}</td>'
            f'<td style="text-align:left">{_bar(s["busy_ms"], s["bp_ms"], s["idle_ms"])}</td>'
            f'<td>{s["busy_ms"]:.0f}</td><td>{s["bp_ms"]:.0f}</td><td>{s["idle_ms"]:.0f}</td>'
            f'<td>{"–" if sampled is None else f"{sampled:.0%}"}</td>'
            f'<td>{s["records_in_per_s"]:.0f}</td><td>{s["records_out_per_s"]:.0f}</td>'
            f'<td>{s["in_pool_usage"]:.0%}</td><td>{s["out_pool_usage"]:.0%}</td></tr>')
    return (f'<div class="flowlab-bp-table" style="{FONT}"><div style="color:#5b6675">ms per second of virtual '
            f'time over the last {window:g} ms (Flink: busyTimeMsPerSecond, backPressuredTimeMsPerSecond, '
            f'idleTimeMsPerSecond); level on back-pressured/1000: OK ≤ 0.10 &lt; LOW ≤ 0.5 &lt; HIGH</div>'
            f'<table style="border-collapse:separate;border-spacing:6px 1px;font-size:11.5px">{head}{"".join(rows)}</table></div>')


def _fill(used: int, cap: int, colour: str, width: int = 80) -> str:
    cells = max(cap, used, 1)
    w = width / cells
    boxes = "".join(f'<span style="display:inline-block;width:{max(w - 1, 1):.1f}px;height:9px;margin-right:1px;'
                    f'background:{colour if i < used else "#e9edf2"}"></span>' for i in range(cells))
    return f'<span style="line-height:0">{boxes}</span> {used}/{cap}'


def render_channels(snapshot: dict[str, Any]) -> str:
    """Per channel: the sender's buffers (queued or filling; cap max-buffers-per-channel), its credit and
    backlog, and the receiver's buffers holding data out of its exclusive + floating ones."""
    names = _names(snapshot)
    chans = _bp(snapshot).get("channels") or []
    blocks, by_edge = [], {}
    for c in chans:
        by_edge.setdefault(c["edge"], []).append(c)
    for _edge, cs in sorted(by_edge.items()):
        src, tgt = cs[0]["source"], cs[0]["target"]
        rows = []
        for c in cs[:MAX_CHANNELS]:
            starved = c["credit"] == 0 and c["backlog"] > 0
            rows.append(
                f'<tr class="flowlab-channel" data-from="{c["from"]}" data-to="{c["to"]}" data-credit="{c["credit"]}">'
                f'<td>{c["from"]}→{c["to"]}</td>'
                f'<td>{_fill(c["out_buffers"], c["out_capacity"], BP_COLOUR if starved else BUSY_COLOUR)}</td>'
                f'<td style="text-align:right;{"color:#b3261e;font-weight:600" if starved else ""}">{c["credit"]}</td>'
                f'<td style="text-align:right">{c["backlog"]}</td>'
                f'<td>{_fill(c["in_buffers"], c["in_capacity"], BUSY_COLOUR)}</td></tr>')
        more = len(cs) - MAX_CHANNELS
        if more > 0:
            rows.append(f"<tr><td colspan=5 style='color:#8a94a3'>… and {more} more channels</td></tr>")
        blocks.append(
            f'<div class="flowlab-edge-channels" data-source="{html.escape(src)}" data-target="{html.escape(tgt)}">'
            f'<b>{html.escape(names.get(src, src))} → {html.escape(names.get(tgt, tgt))}</b>'
            f"<table style='border-collapse:separate;border-spacing:6px 1px;font-size:11px'><tr style='color:#8a94a3'><th>channel</th>"
            f"<th>sender buffers</th><th>credit</th><th>backlog</th><th>receiver buffers (exclusive+floating)</th>"
            f"</tr>{''.join(rows)}</table></div>")
    if not blocks:
        return f'<div class="flowlab-channels" style="{FONT};color:#8a94a3">No network channels.</div>'
    return (f'<div class="flowlab-channels" style="{FONT}"><div style="color:#5b6675">Credit-based flow control: '
            f'a sender sends a buffer only with credit; red = buffers waiting with no credit.</div>'
            f'{"".join(blocks)}</div>')
