"""The job graph's legend: subtask states, busy/backpressure markers, edge styles and what in/out count.

It is static for a given width and view, so it is laid out and rendered once and cached.
"""
from __future__ import annotations

from functools import lru_cache

from flowlab.viz.render import palette as pal
from flowlab.viz.render.svg import esc, num, text_width, wrap

ROW_H = 17
SIZE = 9.5
ITEM_GAP = 14


def _groups(chained: bool) -> list[tuple[str, list[tuple[str, str]]]]:
    """(heading, [(swatch kind, label)]) per legend line."""
    states = [(f"state:{s}", s.lower()) for s in pal.STATE_ORDER]
    marks = [("busy", "busy"), ("backpressured", "backpressured"), ("network", "network edge · partitioner"),
             ("badge", "in flight on the network")]
    if not chained:
        marks.insert(3, ("chained", "chained (same task)"))
    counts = [("text", COUNTS_CHAINED if chained else COUNTS_UNCHAINED)]
    return [("Subtask state", states), ("Marks", marks), ("in / out", counts)]


COUNTS_CHAINED = ("records a task received from / sent to other tasks (Flink's numRecordsIn / numRecordsOut): "
                  "a source task receives none (in 0); a task ending in a sink sends none (out 0), as a print sink "
                  "only prints")
COUNTS_UNCHAINED = ("records an operator received / emitted (Flink's numRecordsIn / numRecordsOut), also to a "
                    "chained operator: a source receives none (in 0), a sink emits none (out 0)")


def _swatch_width(kind: str) -> float:
    return {"network": 26, "chained": 26, "badge": 66, "text": -4}.get(kind, 13)


def _layout(width: float, chained: bool) -> list[tuple[float, float, str, str, bool]]:
    """Positions of (x, y, kind, label, is_heading) for a flow layout that wraps at ``width``."""
    items = []
    y = 0.0
    for heading, entries in _groups(chained):
        x = 0.0
        items.append((x, y, "", heading, True))
        x += text_width(heading, SIZE, bold=True) + ITEM_GAP
        for kind, label in entries:
            if kind == "text":                 # a sentence: wrapped at words, lines aligned after the heading
                for k, line in enumerate(wrap(label, int((width - x) / (SIZE * 0.56)), max_lines=4)):
                    items.append((x, y + k * ROW_H, kind, line, False))
                y += (k if label else 0) * ROW_H
                continue
            w = _swatch_width(kind) + 4 + text_width(label, SIZE)
            if x + w > width and x > 0:
                x, y = 0.0, y + ROW_H
            items.append((x, y, kind, label, False))
            x += w + ITEM_GAP
        y += ROW_H
    return items


def legend_height(width: float, chained: bool) -> float:
    """Height of the legend when wrapped at ``width``."""
    items = _layout(width, chained)
    return items[-1][1] + ROW_H if items else 0.0


@lru_cache(maxsize=32)
def render_legend(x: float, y: float, width: float, chained: bool) -> str:
    """The legend's SVG group at (x, y)."""
    out = [f'<g class="flowlab-legend" font-size="{SIZE}" fill="{pal.INK_SOFT}">'
           f'<line x1="{num(x)}" y1="{num(y - 8)}" x2="{num(x + width)}" y2="{num(y - 8)}" '
           f'stroke="{pal.FRAME_STROKE}" stroke-width="0.8"/>']
    for ix, iy, kind, label, heading in _layout(width, chained):
        px, py = x + ix, y + iy
        if heading:
            out.append(f'<text x="{num(px)}" y="{num(py + 9)}" font-weight="600" fill="{pal.INK}">'
                       f'{esc(label)}</text>')
            continue
        out.append(_swatch(kind, px, py))
        out.append(f'<text x="{num(px + _swatch_width(kind) + 4)}" y="{num(py + 9)}">{esc(label)}</text>')
    out.append("</g>")
    return "".join(out)


def _swatch(kind: str, x: float, y: float) -> str:
    mid = y + 5.5
    if kind == "text":
        return ""
    if kind.startswith("state:"):
        state = kind[6:]
        return (f'<rect x="{num(x)}" y="{num(y)}" width="13" height="11" rx="2.5" '
                f'fill="{pal.state_fill(state)}" '
                f'stroke="{pal.BOX_STROKE}" stroke-width="0.6"/>')
    if kind == "busy":
        return f'<circle cx="{num(x + 6)}" cy="{num(mid)}" r="2.8" fill="{pal.BUSY}"/>'
    if kind == "backpressured":
        return (f'<rect x="{num(x)}" y="{num(y)}" width="13" height="11" rx="2.5" '
                f'fill="{pal.BACKPRESSURE_ROW}" '
                f'stroke="{pal.BACKPRESSURE}" stroke-width="1.6"/>')
    if kind in ("network", "chained"):
        dash = ' stroke-dasharray="4 3"' if kind == "chained" else ""
        return (f'<line x1="{num(x)}" y1="{num(mid)}" x2="{num(x + 26)}" y2="{num(mid)}" stroke="{pal.EDGE}" '
                f'stroke-width="1.6"{dash}/>')
    return (f'<rect x="{num(x)}" y="{num(y)}" width="66" height="11" rx="5.5" fill="{pal.BADGE_FILL}" '
            f'stroke="{pal.EDGE_ACTIVE}" stroke-width="1"/><text x="{num(x + 33)}" y="{num(y + 8.5)}" '
            f'text-anchor="middle" font-size="7.5" font-weight="600" fill="{pal.BADGE_TEXT}">'
            f'2 buf · 40 rec</text>')
