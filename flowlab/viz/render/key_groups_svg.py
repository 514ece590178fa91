"""The key-group picture (flowlab extension): one row of subtask boxes per parallelism, each box as wide as the
key groups it owns, keys as dots at their key group, and between two rows a ribbon per run of key groups with
the same old and new owner — grey where the owner stays, orange where the key groups (and their keys' state) move
to another subtask. Pure functions of the model in ``flowlab.viz.key_group_moves``; SVG/HTML strings out.
"""
from __future__ import annotations

from html import escape
from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.svg import FONT_FAMILY, MONO_FAMILY, esc, num, text_width, truncate, wrap

WIDTH = 920
LABEL_W = 112
RIGHT = 12
BOX_H = 34
RIBBON_H = 74
LANE_H = 12
MAX_LANES = 3
KEY_CHARS = 12
SUBTASK_FILL = ("#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#e0e7ff", "#ccfbf1", "#fee2e2", "#ede9fe")
SUBTASK_INK = ("#1e40af", "#166534", "#92400e", "#9d174d", "#3730a3", "#115e59", "#991b1b", "#5b21b6")
STAY = "#cbd5e1"
MOVE = "#f59e0b"
MOVE_INK = "#b45309"


def _geometry(lay: dict[str, Any]) -> list[tuple[float, float]]:
    """(x, width) of every subtask box of a row."""
    p, m = lay["parallelism"], lay["max_parallelism"]
    plot = WIDTH - LABEL_W - RIGHT
    gap = 6.0 if p * 14 < plot else 0.0
    room = plot - (p - 1) * gap
    return [(LABEL_W + a / m * room + i * gap, (b - a + 1) / m * room) for i, (a, b) in enumerate(lay["ranges"])]


def _x(lay: dict[str, Any], boxes: list[tuple[float, float]], kg: float) -> float:
    """x of key-group position ``kg`` (a fraction is inside a key group; ``last + 1`` is a range's right end)."""
    for i, (a, b) in enumerate(lay["ranges"]):
        if a <= kg <= b + 1:
            x, w = boxes[i]
            return x + (kg - a) / (b - a + 1) * w
    return boxes[-1][0] + boxes[-1][1]


def _row(out: list[str], lay: dict[str, Any], boxes: list[tuple[float, float]], y: float, label: str,
         moved_keys: set[str]) -> None:
    lines = [line for part in label.split(" · ") for line in wrap(part, int((LABEL_W - 10) / (10.5 * 0.58)), 2)]
    out.append(f'<g class="flowlab-kg-row-label"><title>{esc(label)}</title>'
               + "".join(f'<text x="0" y="{num(y + 12 + 12 * k)}" font-size="10.5" font-weight="{600 if k == 0 else 400}" '
                         f'fill="{pal.INK if k == 0 else pal.INK_SOFT}">{esc(line)}</text>'
                         for k, line in enumerate(lines)) + "</g>")
    m = lay["max_parallelism"]
    for i, ((a, b), (x, w)) in enumerate(zip(lay["ranges"], boxes)):
        fill, ink = SUBTASK_FILL[i % len(SUBTASK_FILL)], SUBTASK_INK[i % len(SUBTASK_INK)]
        n_keys = sum(1 for k in lay["keys"] if k["subtask"] == i)
        tip = (f"subtask {i} of {lay['parallelism']}: key groups {a}–{b} ({b - a + 1} of {m}), "
               f"{n_keys} key(s) in the snapshot")
        out.append(f'<g class="flowlab-kg-subtask" data-subtask="{i}" data-first="{a}" data-last="{b}">'
                   f'<title>{esc(tip)}</title><rect x="{num(x)}" y="{num(y)}" width="{num(max(w, 1))}" '
                   f'height="{BOX_H}" rx="3" fill="{fill}" stroke="{ink}" stroke-opacity="0.5" stroke-width="0.8"/>')
        for k, text in enumerate(_box_text(i, a, b, w)):
            out.append(f'<text x="{num(x + 4)}" y="{num(y + 12 + 11 * k)}" font-size="{9.5 if k == 0 else 8.5}" '
                       f'font-weight="{600 if k == 0 else 400}" fill="{ink}">{esc(text)}</text>')
        out.append("</g>")
    for k in lay["keys"]:
        cx = _x(lay, boxes, k["key_group"] + 0.5)
        moved = k["key"] in moved_keys
        ring = f' stroke="{MOVE_INK}" stroke-width="1.6"' if moved else f' stroke="{pal.BACKGROUND}" stroke-width="0.8"'
        out.append(f'<circle class="flowlab-kg-key{" flowlab-kg-key-moved" if moved else ""}" '
                   f'data-key="{esc(k["key"])}" data-key-group="{k["key_group"]}" cx="{num(cx)}" '
                   f'cy="{num(y + BOX_H - 7)}" r="3.2" fill="{pal.INK}"{ring}>'
                   f'<title>{esc(_key_tip(k, lay))}</title></circle>')


def _box_text(i: int, a: int, b: int, w: float) -> list[str]:
    full = [f"subtask {i}", f"key groups {a}–{b}"]
    if w - 8 >= text_width(full[1], 8.5):
        return full
    if w - 8 >= text_width(full[0], 9.5):
        return [full[0], f"{a}–{b}"] if w - 8 >= text_width(f"{a}–{b}", 8.5) else [full[0]]
    return [str(i)] if w - 6 >= text_width(str(i), 9.5) else []


def _key_tip(k: dict[str, Any], lay: dict[str, Any]) -> str:
    return f"key {k['key']} · key group {k['key_group']} of {lay['max_parallelism']} · subtask {k['subtask']}"


def _labels(out: list[str], lay: dict[str, Any], boxes: list[tuple[float, float]], base: float, up: bool,
            moved_keys: set[str]) -> int:
    """Key names next to a row (above it when ``up``), in lanes so they do not overlap; returns lanes used."""
    lanes: list[float] = []
    for k in lay["keys"]:
        text = truncate(k["key"], KEY_CHARS)
        w = text_width(text, 9) + 6
        cx = _x(lay, boxes, k["key_group"] + 0.5)
        left = max(LABEL_W, min(cx - w / 2, WIDTH - RIGHT - w))
        lane = next((n for n, right in enumerate(lanes) if right <= left), None)
        if lane is None:
            if len(lanes) >= MAX_LANES:
                continue                       # no room: the dot keeps its hover text
            lanes.append(0.0)
            lane = len(lanes) - 1
        lanes[lane] = left + w
        y = base - 3 - lane * LANE_H if up else base + 10 + lane * LANE_H
        ink = MOVE_INK if k["key"] in moved_keys else pal.INK_SOFT
        out.append(f'<text class="flowlab-kg-key-label" x="{num(left + w / 2)}" y="{num(y)}" text-anchor="middle" '
                   f'font-size="9" font-family="{esc(MONO_FAMILY)}" fill="{ink}"><title>{esc(_key_tip(k, lay))}'
                   f'</title>{esc(text)}</text>')
    return len(lanes)


def _ribbons(out: list[str], before: dict[str, Any], after: dict[str, Any], bb: list[tuple[float, float]],
             ab: list[tuple[float, float]], y0: float, y1: float, model: dict[str, Any]) -> None:
    keys_by_kg: dict[int, list[str]] = {}
    for k in model["keys"]:
        keys_by_kg.setdefault(k["key_group"], []).append(k["key"])
    mid = (y0 + y1) / 2
    for s in model["segments"]:
        a, b = s["first"], s["last"]
        xa0, xa1 = _x(before, bb, a), _x(before, bb, b + 1)
        xb0, xb1 = _x(after, ab, a), _x(after, ab, b + 1)
        moved = s["from"] != s["to"]
        keys = [k for kg in range(a, b + 1) for k in keys_by_kg.get(kg, ())]
        what = (f"moves from subtask {s['from']} to subtask {s['to']}" if moved
                else f"stays on subtask {s['from']}")
        tip = (f"key groups {a}–{b} ({b - a + 1}) {what}"
               + (f"; keys {', '.join(keys[:12])}{' …' if len(keys) > 12 else ''}" if keys else "; no key yet"))
        d = (f"M{num(xa0)} {num(y0)}H{num(xa1)}C{num(xa1)} {num(mid)} {num(xb1)} {num(mid)} {num(xb1)} {num(y1)}"
             f"H{num(xb0)}C{num(xb0)} {num(mid)} {num(xa0)} {num(mid)} {num(xa0)} {num(y0)}Z")
        colour = MOVE if moved else STAY
        out.append(f'<g class="flowlab-kg-segment{" flowlab-kg-moved" if moved else ""}" data-first="{a}" '
                   f'data-last="{b}" data-from="{s["from"]}" data-to="{s["to"]}"><title>{esc(tip)}</title>'
                   f'<path d="{d}" fill="{colour}" fill-opacity="{0.55 if moved else 0.45}" stroke="{colour}" '
                   f'stroke-width="0.6"/>')
        room = min(xa1 - xa0, xb1 - xb0) - 4
        span = f"{a}–{b}" if a != b else str(a)
        label = f"{span}: {s['from']} → {s['to']}" if moved else span
        if text_width(label, 8.5) > room:
            label = span
        cx = (xa0 + xa1 + xb0 + xb1) / 4
        if text_width(label, 8.5) <= room:
            out.append(f'<text x="{num(cx)}" y="{num(mid + 3)}" text-anchor="middle" font-size="8.5" '
                       f'font-weight="{600 if moved else 400}" fill="{MOVE_INK if moved else pal.INK_SOFT}">'
                       f'{esc(label)}</text>')
        out.append("</g>")


def _legend(out: list[str], y: float, items: list[tuple[str, str]]) -> None:
    x = LABEL_W
    out.append(f'<g class="flowlab-kg-legend" font-size="9.5" fill="{pal.INK_SOFT}">')
    for kind, label in items:
        if kind in ("stay", "move"):
            colour = MOVE if kind == "move" else STAY
            out.append(f'<rect x="{num(x)}" y="{num(y - 8)}" width="14" height="10" fill="{colour}" '
                       f'fill-opacity="{0.55 if kind == "move" else 0.45}" stroke="{colour}" stroke-width="0.6"/>')
        else:
            ring = f' stroke="{MOVE_INK}" stroke-width="1.6"' if kind == "moved-key" else ""
            out.append(f'<circle cx="{num(x + 7)}" cy="{num(y - 3)}" r="3.2" fill="{pal.INK}"{ring}/>')
        out.append(f'<text x="{num(x + 18)}" y="{num(y)}">{esc(label)}</text>')
        x += 18 + text_width(label, 9.5) + 16
    out.append("</g>")


def render_key_groups(before: dict[str, Any], after: dict[str, Any] | None = None,
                      model: dict[str, Any] | None = None, labels: tuple[str, str] = ("", "")) -> str:
    """``<svg class="flowlab-key-groups">``: the row of ``before``, and with ``after`` its row and the ribbons of
    ``model`` (``key_group_moves.moves(before, after)``) between them. ``labels`` name the two rows."""
    moved_keys = {k["key"] for k in (model or {}).get("keys") or ()
                  if k["from"] is not None and k["to"] is not None and k["from"] != k["to"]}
    out: list[str] = []
    bb = _geometry(before)
    used = _labels([], before, bb, 0.0, True, moved_keys)          # lanes the key names above the row take
    y = 6 + used * LANE_H
    _labels(out, before, bb, y, True, moved_keys)
    label_b = labels[0] or f"parallelism {before['parallelism']}"
    _row(out, before, bb, y, label_b, moved_keys)
    y += BOX_H
    legend: list[tuple[str, str]] = []
    if after is not None and model is not None and model["segments"]:
        ab = _geometry(after)
        _ribbons(out, before, after, bb, ab, y, y + RIBBON_H, model)
        y += RIBBON_H
        _row(out, after, ab, y, labels[1] or f"parallelism {after['parallelism']}", moved_keys)
        y += BOX_H
        y += _labels(out, after, ab, y, False, moved_keys) * LANE_H
        kinds = {s["from"] != s["to"] for s in model["segments"]}
        if False in kinds:
            legend.append(("stay", "key groups stay on their subtask"))
        if True in kinds:
            legend.append(("move", "key groups move to another subtask (with their keys' state)"))
    if before["keys"] or (after is not None and after["keys"]):
        legend.append(("key", "a key, at its key group"))
    if moved_keys:
        legend.append(("moved-key", "a key that moves"))
    if legend:
        y += 20
        _legend(out, y, legend)
    height = y + 8
    return (f'<svg class="flowlab-key-groups" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
            f'height="{num(height)}" viewBox="0 0 {WIDTH} {num(height)}" font-family="{esc(FONT_FAMILY)}" '
            f'style="max-width:100%;height:auto">{"".join(out)}</svg>')


def render_key_table(model: dict[str, Any], limit: int = 40) -> str:
    """One row per key: its key group and its subtask before and after; moved keys highlighted."""
    rows = []
    for k in model["keys"][:limit]:
        moved = k["from"] is not None and k["to"] is not None and k["from"] != k["to"]
        where = lambda s: "–" if s is None else str(s)  # noqa: E731
        rows.append(f'<tr class="flowlab-kg-key-row" data-key="{escape(k["key"])}" data-moved="{int(moved)}">'
                    f'<td style="font-family:{escape(MONO_FAMILY)}">{escape(k["key"])}</td>'
                    f'<td style="text-align:right">{k["key_group"]}</td><td style="text-align:right">'
                    f'{where(k["from"])}</td><td style="text-align:right">{where(k["to"])}</td>'
                    f'<td style="color:{MOVE_INK};font-weight:600">{"moves" if moved else ""}</td></tr>')
    if not rows:
        return ""
    more = len(model["keys"]) - limit
    tail = f'<div style="color:#8a94a3">… and {more} more key(s)</div>' if more > 0 else ""
    return (f'<div class="flowlab-kg-keys" style="font-family:{escape(FONT_FAMILY)};font-size:12px;color:{pal.INK}">'
            f'<table style="border-collapse:separate;border-spacing:10px 1px;font-size:11.5px">'
            f'<tr style="color:{pal.INK_FAINT};text-align:left"><th>key</th><th>key group</th><th>subtask before</th>'
            f'<th>subtask after</th><th></th></tr>{"".join(rows)}</table>{tail}</div>')
