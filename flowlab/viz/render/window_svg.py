"""Windows per key as spans on the event-time axis (SVG): contents or aggregate, firings and re-firings,
the allowed-lateness band, the watermark, and late records (dropped or sent to the side output).

Reads ``snapshot["event_time"]["windows"]`` (one entry per window operator subtask). Hovering a window
shows what it held at each firing (``<title>``); ``window_contents_html`` lists the same as a table.
"""
from __future__ import annotations

from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.svg import FONT_FAMILY, esc, num, text_width, wrap
from flowlab.viz.render.watermark_html import LONG_MAX, LONG_MIN, wm_text

WIDTH = 900
LABEL_W = 110
ROW_H = 34
GAP = 6
TITLE_LH = 17
AXIS_H = 40
LATE_STRIP = 12          # below a lane's windows: where its late records are marked
CLOSED_SHOWN = 30        # closed windows drawn per key (the most recent)

OPEN_FILL, OPEN_STROKE = "#e3eefa", "#4a86c5"
FIRED_FILL, FIRED_STROKE, FIRED_INK = "#d3efe0", "#2f9e6e", "#17633f"
DONE_FILL = "#eaf5ef"            # fired and cleaned up: still green, lighter, dashed border
CLOSED_FILL, CLOSED_STROKE = "#f1f3f6", "#8a94a3"
LATENESS_FILL, LATENESS_STROKE = "#fff3d6", "#e9b949"
WATERMARK = "#d64545"
DROPPED = "#d64545"
SIDE = "#8a6cc0"


def window_operators(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """``[(operator id, name)]`` of the window operators in a snapshot, in job order."""
    seen: dict[str, str] = {}
    for o in (snapshot.get("event_time") or {}).get("windows") or ():
        seen.setdefault(o["operator"], o["name"])
    return list(seen.items())


def _select(snapshot: dict[str, Any], operator: str | None) -> list[dict[str, Any]]:
    ops = (snapshot.get("event_time") or {}).get("windows") or []
    if not ops:
        return []
    op = operator or ops[0]["operator"]
    return [o for o in ops if op in (o["operator"], o["name"])]


def _lanes(subs: list[dict[str, Any]], max_keys: int) -> list[dict[str, Any]]:
    """One lane per key: its windows (closed first, then open) and late records, with the subtask's watermark."""
    lanes: dict[str, dict[str, Any]] = {}

    def lane(o: dict[str, Any], key: Any) -> dict[str, Any]:
        k = repr(key)
        if k not in lanes:
            lanes[k] = {"key": key, "subtask": o["subtask"], "watermark": o["watermark"], "windows": [], "late": [],
                        "lateness": o["allowed_lateness"]}
        return lanes[k]

    for o in subs:
        for w in o["closed"]:
            lane(o, w["key"])["windows"].append({**w, "closed": True})
        for w in o["windows"]:
            lane(o, w["key"])["windows"].append({**w, "closed": False})
        for r in o["late"]:
            lane(o, r["key"])["late"].append(r)
    for ln in lanes.values():
        closed = [w for w in ln["windows"] if w["closed"]][-CLOSED_SHOWN:]
        ln["windows"] = closed + [w for w in ln["windows"] if not w["closed"]]
    return sorted(lanes.values(), key=lambda ln: repr(ln["key"]))[:max_keys]


def _domain(lanes: list[dict[str, Any]]) -> tuple[int, int]:
    xs: list[int] = []
    for ln in lanes:
        for w in ln["windows"]:
            if w.get("start") is not None:
                xs += [w["start"], w["end"] + ln["lateness"]]
        xs += [r["timestamp"] for r in ln["late"] if r["timestamp"] is not None]
        if ln["watermark"] not in (LONG_MIN, LONG_MAX) and xs:
            xs.append(ln["watermark"] + 1)
    if not xs:
        return 0, 1
    lo, hi = min(xs), max(xs)
    return lo, hi if hi > lo else lo + 1


def _ticks(lo: int, hi: int, n: int = 8) -> list[int]:
    raw = (hi - lo) / n
    step = 1
    while step * 10 <= raw:
        step *= 10
    for m in (1, 2, 5, 10):
        if step * m >= raw:
            step *= m
            break
    first = lo - lo % step if lo % step == 0 else lo - lo % step + step
    return list(range(first, hi + 1, step))


def _rows(windows: list[dict[str, Any]]) -> list[int]:
    """Sub-row of each window so that overlapping (sliding) windows do not cover each other."""
    ends: list[int] = []
    rows = []
    for w in windows:
        start = w.get("start") if w.get("start") is not None else LONG_MIN
        for i, e in enumerate(ends):
            if start >= e:
                ends[i] = w.get("end") or LONG_MAX
                rows.append(i)
                break
        else:
            ends.append(w.get("end") or LONG_MAX)
            rows.append(len(ends) - 1)
    return rows


def render_windows(snapshot: dict[str, Any], operator: str | None = None, max_keys: int = 12) -> str:
    """SVG of the windows of one window operator (default: the first), one lane per key."""
    subs = _select(snapshot, operator)
    if not subs:
        return (f'<div class="flowlab-windows" style="font-family:{esc(FONT_FAMILY)};font-size:12.5px;'
                f'color:{pal.INK_FAINT}">No window operator in this job.</div>')
    lanes = _lanes(subs, max_keys)
    lo, hi = _domain(lanes)
    plot_w = WIDTH - LABEL_W - 20

    def x(t: int) -> float:
        return LABEL_W + (min(max(t, lo), hi) - lo) / (hi - lo) * plot_w

    o = subs[0]
    wm = min(s["watermark"] for s in subs)
    name_lines = wrap(o["name"], int((WIDTH - 16) / (12.5 * 0.62)), max_lines=3)
    details = (f"allowed lateness {o['allowed_lateness']} ms"
               + (f" · late data → side output {o['late_side_output']!r}" if o["late_side_output"] else
                  " · late data is dropped" if o["event_time"] else "")
               + f" · watermark {wm_text(wm)}" + ("" if o["event_time"] else " · processing-time windows"))
    top = 8 + TITLE_LH * (len(name_lines) + 1) + 6
    layout = []
    y = top
    for ln in lanes:
        rows = _rows(ln["windows"])
        n = max(rows, default=0) + 1
        layout.append((ln, rows, y, n))
        y += n * ROW_H + (LATE_STRIP if ln["late"] else 0) + GAP
    height = y + AXIS_H
    lateness = any(ln["lateness"] for ln in lanes)
    p = [f'<svg class="flowlab-windows" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
         f'viewBox="0 0 {WIDTH} {height}" font-family="{esc(FONT_FAMILY)}" font-size="11" '
         f'style="max-width:100%;height:auto">',
         f'<defs><pattern id="flowlab-lateness" width="6" height="6" patternUnits="userSpaceOnUse" '
         f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{LATENESS_FILL}"/>'
         f'<line x1="0" y1="0" x2="0" y2="6" stroke="{LATENESS_STROKE}" stroke-width="2"/></pattern></defs>',
         f'<rect width="{WIDTH}" height="{height}" fill="{pal.BACKGROUND}"/>',
         f'<g class="flowlab-windows-title"><title>{esc(o["name"])}</title>']
    for i, line in enumerate(name_lines):
        p.append(f'<text x="8" y="{8 + 12 + TITLE_LH * i}" font-size="12.5" font-weight="600" fill="{pal.INK}">'
                 f'{esc(line)}</text>')
    p.append(f'<text x="8" y="{8 + 12 + TITLE_LH * len(name_lines)}" font-size="11.5" fill="{pal.INK_SOFT}">'
             f'{esc(details)}</text></g>')
    if not lanes:
        p.append(f'<text x="8" y="{top + 14}" fill="{pal.INK_FAINT}">No window has opened yet.</text>')
    for ln, rows, lane_top, n in layout:
        p.append(_lane(ln, rows, lane_top, n, x))
    marks = {("dropped" if not r.get("side_output") else "side") for ln in lanes for r in ln["late"]}
    p.append(_axis(lo, hi, x, height - AXIS_H + 4, lateness, marks))
    p.append("</svg>")
    return "".join(p)


def _lane(ln: dict[str, Any], rows: list[int], top: int, n: int, x: Any) -> str:
    h = n * ROW_H + (LATE_STRIP if ln["late"] else 0)
    key = ln["key"]
    p = [f'<g class="flowlab-window-lane" data-key="{esc(key)}">',
         f'<rect x="4" y="{top}" width="{WIDTH - 8}" height="{h}" fill="{pal.FRAME_FILL}" rx="4"/>',
         f'<text x="10" y="{top + 14}" font-weight="600" fill="{pal.INK}">key {esc(repr(key))}</text>',
         f'<text x="10" y="{top + 27}" fill="{pal.INK_FAINT}" font-size="10">subtask {ln["subtask"]}</text>']
    lateness = ln["lateness"]
    for w, r in zip(ln["windows"], rows, strict=True):
        if w.get("start") is None:
            continue
        y0 = top + r * ROW_H + 3
        x0, x1 = x(w["start"]), x(w["end"])
        if lateness:
            p.append(f'<rect class="flowlab-lateness" x="{num(x1)}" y="{y0 + 3}" '
                     f'width="{num(x(w["end"] + lateness) - x1)}" height="{ROW_H - 12}" fill="url(#flowlab-lateness)" '
                     f'opacity="{0.45 if w["closed"] else 0.95}"><title>allowed lateness of {esc(w["window"])}: '
                     f'[{w["end"]}, {w["end"] + lateness}) ms — the window keeps its state until the watermark reaches '
                     f'{w["end"] - 1 + lateness} ms; a late record in time re-fires it</title></rect>')
        fires = w.get("fires") or []
        fill, stroke, ink = _colours(w["closed"], bool(fires))
        dash = ' stroke-dasharray="4 2"' if w["closed"] else ""
        tip = window_tip(w, key)
        p.append(f'<g class="flowlab-window{" flowlab-window-closed" if w["closed"] else ""}" '
                 f'data-window="{esc(w["window"])}"><title>{esc(tip)}</title>'
                 f'<rect x="{num(x0)}" y="{y0}" width="{num(max(2.0, x1 - x0))}" height="{ROW_H - 6}" rx="3" '
                 f'fill="{fill}" stroke="{stroke}" stroke-width="1.2"{dash}/>')
        room = x1 - x0 - 6
        what = held(w)
        line1 = f"{w['window']} {what}" if what else w["window"]
        mark = ("✓" + ("↻" * (len(fires) - 1)) + f" wm {wm_text(fires[-1]['watermark'])}") if fires else ""
        if w["closed"]:
            mark += " · cleaned up" if fires else "cleaned up, never fired"
        for text, dy, colour in ((line1, 12, pal.INK), (mark, 24, ink)):
            if text and room > 14:
                p.append(f'<text x="{num(x0 + 3)}" y="{y0 + dy}" fill="{colour}" font-size="10">'
                         f'{esc(_fit(text, room, 10))}</text>')
        p.append("</g>")
    for rec in ln["late"]:
        if rec["timestamp"] is None:
            continue
        cx, cy = x(rec["timestamp"]), top + h - 7
        color = SIDE if rec.get("side_output") else DROPPED
        where = f"side output '{rec['side_output']}'" if rec.get("side_output") else "dropped"
        tip = (f"late record {rec['value']} @ {rec['timestamp']} ms, arrived at t={rec['time_ms']:g} ms; "
               f"watermark {wm_text(rec['watermark'])}; {where}")
        glyph = (f'<path d="M{num(cx - 4)} {num(cy - 4)} L{num(cx + 4)} {num(cy + 4)} M{num(cx - 4)} {num(cy + 4)} '
                 f'L{num(cx + 4)} {num(cy - 4)}" stroke="{color}" stroke-width="2"/>' if not rec.get("side_output")
                 else f'<path d="M{num(cx)} {num(cy - 5)} L{num(cx + 5)} {num(cy + 4)} L{num(cx - 5)} {num(cy + 4)} Z" '
                      f'fill="{color}"/>')
        p.append(f'<g class="flowlab-late-mark"><title>{esc(tip)}</title>{glyph}</g>')
    wm = ln["watermark"]
    if wm != LONG_MIN:
        wx = x(wm) if wm != LONG_MAX else WIDTH - 20
        p.append(f'<line class="flowlab-lane-watermark" x1="{num(wx)}" y1="{top}" x2="{num(wx)}" y2="{top + h}" '
                 f'stroke="{WATERMARK}" stroke-width="1.5" stroke-dasharray="4 2"><title>watermark of subtask '
                 f'{ln["subtask"]}: {esc(wm_text(wm))}</title></line>')
    p.append("</g>")
    return "".join(p)


def _colours(closed: bool, fired: bool) -> tuple[str, str, str]:
    """(fill, stroke, mark ink): open blue; fired green (lighter once cleaned up); never fired and gone grey."""
    if fired:
        return (DONE_FILL if closed else FIRED_FILL), FIRED_STROKE, FIRED_INK
    if closed:
        return CLOSED_FILL, CLOSED_STROKE, pal.INK_SOFT
    return OPEN_FILL, OPEN_STROKE, OPEN_STROKE


def held(w: dict[str, Any]) -> str:
    """What a window holds now (open) or held at its last firing: its elements or its aggregate."""
    fires = w.get("fires") or []
    src = w if (w.get("contents") or w.get("aggregate")) else (fires[-1] if fires else {})
    if src.get("aggregate") is not None:
        return str(src["aggregate"])
    contents = src.get("contents") or []
    values = [c["value"] if isinstance(c, dict) else str(c) for c in contents]
    total = src.get("contents_total", len(values))
    return ", ".join(values) + (f", … ({total} in all)" if total > len(values) else "")


def window_tip(w: dict[str, Any], key: Any) -> str:
    """The hover text of a window: elements, what it holds, and what it held at each firing."""
    lines = [f"window {w['window']} of key {key!r}: {w.get('elements', 0)} element(s), "
             f"{w.get('late_accepted', 0)} of them late but accepted"]
    if not w["closed"] and held(w):
        lines.append(f"holds now: {held(w)}")
    for i, f in enumerate(w.get("fires") or []):
        what = f.get("aggregate") if f.get("aggregate") is not None else ", ".join(f.get("contents") or [])
        lines.append(f"{'fired' if i == 0 else 're-fired'} at t={f['time_ms']:g} ms, watermark "
                     f"{wm_text(f['watermark'])}" + (f", with: {what}" if what else ""))
    if not w.get("fires"):
        lines.append("not fired")
    if w["closed"]:
        lines.append(f"cleaned up at t={w['cleaned_ms']:g} ms" if w.get("cleaned_ms") is not None else "cleaned up")
    return "\n".join(lines)


def _fit(text: str, width: float, size: float) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…" if text else ""


def _axis(lo: int, hi: int, x: Any, y: int, lateness: bool, marks: set[str]) -> str:
    p = [f'<line x1="{LABEL_W}" y1="{y}" x2="{WIDTH - 20}" y2="{y}" stroke="{pal.EDGE}"/>']
    for t in _ticks(lo, hi):
        tx = x(t)
        p.append(f'<line x1="{num(tx)}" y1="{y}" x2="{num(tx)}" y2="{y + 4}" stroke="{pal.EDGE}"/>'
                 f'<text x="{num(tx)}" y="{y + 15}" text-anchor="middle" fill="{pal.INK_SOFT}">{t}</text>')
    items = [(WATERMARK, "┆ watermark", ""), (OPEN_STROKE, "▭ open", ""), (FIRED_INK, "✓ fired ↻ re-fired", "")]
    if "dropped" in marks:
        items.append((DROPPED, "✕ dropped", ""))
    if "side" in marks:
        items.append((SIDE, "▲ side output", ""))
    if lateness:
        items.append(("#b7860b", "▨ allowed lateness", ' class="flowlab-lateness-legend"'))
    legend = "  ".join(f'<tspan fill="{c}"{cls}>{esc(t)}</tspan>' for c, t, cls in items)
    p.append(f'<text class="flowlab-windows-legend" x="{WIDTH - 20}" y="{y + 30}" text-anchor="end" '
             f'fill="{pal.INK_SOFT}">event time (ms) →  {legend}</text>')
    return "".join(p)
