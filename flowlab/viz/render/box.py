"""The node box of the job graph: a task (chained view) or an operator (unchained view).

A box has a header (the name, wrapped, and a small tag such as ``v1`` or ``map``), a meta line
(parallelism, and the heads of the in/out columns), one row per subtask (a cell coloured by execution
state, a busy dot, the TaskManager/slot it runs in, records in/out) and a totals row. Above ``MAX_ROWS``
subtasks the rows collapse into a grid of cells (details in the tooltips). Geometry (``box_height``) and
drawing (``render_box``) live together so they cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass

from flowlab.viz.render import palette as pal
from flowlab.viz.render.svg import MONO_FAMILY, count, esc, num, text_width, wrap

PAD = 8
NAME_SIZE = 11.5
NAME_LH = 14.5
HEADER_TOP = 6
HEADER_BOTTOM = 5
TAG_SIZE = 9
META_H = 18
ROW_H = 15
TOTAL_H = 16
CELL_W, CELL_H = 24, 12
MAX_ROWS = 8
GRID_COLS = 10
GRID_W, GRID_H = 16, 15
BOTTOM = 5
IN_COL = 50  # right edge of the "in" column, measured from the box's right edge


IN_TIP = "records received (Flink's numRecordsIn); a source receives none"
OUT_TIP = "records emitted (Flink's numRecordsOut); a sink emits none"


@dataclass(frozen=True)
class SubtaskRow:
    """What one subtask row shows; ``title`` is its tooltip."""

    index: int
    state: str | None
    where: str
    records_in: int
    records_out: int
    busy: bool
    backpressured: bool
    title: str
    tint: str | None = None      # row background, e.g. the backpressure level colour (BackpressureView)


MAX_NAME_LINES = 6


def name_lines(name: str, width: float, tag: str) -> list[str]:
    """The box name wrapped at word boundaries (or after ``→``) to the width left next to the tag; the full
    name is the name's hover text."""
    room = width - 2 * PAD - text_width(tag, TAG_SIZE) - 8
    return wrap(name, int(room / (NAME_SIZE * 0.6 * 1.08)), max_lines=MAX_NAME_LINES)


def header_height(n_lines: int) -> float:
    """Height of the tinted header band holding ``n_lines`` name lines."""
    return HEADER_TOP + n_lines * NAME_LH + HEADER_BOTTOM


def box_height(n_lines: int, n_subtasks: int) -> float:
    """Total height of a box with ``n_lines`` name lines and ``n_subtasks`` subtasks."""
    if n_subtasks <= MAX_ROWS:
        body = n_subtasks * ROW_H
    else:
        body = -(-n_subtasks // GRID_COLS) * GRID_H + 2
    return header_height(n_lines) + META_H + body + (TOTAL_H if n_subtasks > 1 else 0) + BOTTOM


def render_box(out: list[str], *, css: str, ident: str, x: float, y: float, w: float, h: float,
               lines: list[str], tag: str, kind: str | None, meta: str, rows: list[SubtaskRow],
               title: str, name: str | None = None) -> None:
    """Append the SVG of one box to ``out``; hovering the name shows ``name`` in full."""
    hh = header_height(len(lines))
    x_in, x_out = x + w - IN_COL, x + w - PAD
    out.append(f'<g class="{css}" data-id="{esc(ident)}"><title>{esc(title)}</title>'
               f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" rx="6" '
               f'fill="{pal.BOX_FILL}" stroke="{pal.BOX_STROKE}"/>'
               f'<path d="M{num(x + 0.5)} {num(y + hh)}V{num(y + 6)}q0 -5.5 5.5 -5.5H{num(x + w - 6)}'
               f'q5.5 0 5.5 5.5V{num(y + hh)}Z" fill="{pal.BOX_HEADER}"/>'
               f'<rect x="{num(x)}" y="{num(y + 5)}" width="3" height="{num(hh - 8)}" rx="1.5" '
               f'fill="{pal.kind_accent(kind)}"/>')
    out.append(f'<g class="flowlab-name"><title>{esc(name if name is not None else " ".join(lines))}</title>')
    for i, line in enumerate(lines):
        out.append(f'<text x="{num(x + PAD)}" y="{num(y + HEADER_TOP + (i + 1) * NAME_LH - 3.5)}" '
                   f'font-size="{NAME_SIZE}" font-weight="600" fill="{pal.INK}">{esc(line)}</text>')
    out.append("</g>")
    my = y + hh + 13
    out.append(f'<text x="{num(x + w - PAD)}" y="{num(y + HEADER_TOP + NAME_LH - 4)}" text-anchor="end" '
               f'font-size="{TAG_SIZE}" fill="{pal.INK_FAINT}">{esc(tag)}</text>'
               f'<text x="{num(x + PAD)}" y="{num(my)}" font-size="10" fill="{pal.INK_SOFT}">'
               f'{esc(meta)}</text>'
               f'<g font-size="8.5" fill="{pal.INK_FAINT}" text-anchor="end">'
               f'<text x="{num(x_in)}" y="{num(my)}">in<title>{esc(IN_TIP)}</title></text>'
               f'<text x="{num(x_out)}" y="{num(my)}">out<title>{esc(OUT_TIP)}</title></text></g>')
    top = y + hh + META_H
    if len(rows) <= MAX_ROWS:
        _render_rows(out, x, top, w, rows)
        top += len(rows) * ROW_H
    else:
        _render_grid(out, x, top, rows)
        top += -(-len(rows) // GRID_COLS) * GRID_H + 2
    if len(rows) > 1:
        rin = sum(r.records_in for r in rows)
        rout = sum(r.records_out for r in rows)
        ty = top + 11.5
        out.append(f'<line x1="{num(x + PAD)}" y1="{num(top + 1.5)}" x2="{num(x + w - PAD)}" '
                   f'y2="{num(top + 1.5)}" '
                   f'stroke="{pal.FRAME_STROKE}" stroke-width="0.8"/>'
                   f'<text x="{num(x + PAD)}" y="{num(ty)}" font-size="8.5" fill="{pal.INK_FAINT}">'
                   f'all subtasks</text>'
                   f'<g font-size="9.5" font-weight="600" fill="{pal.INK}" text-anchor="end">'
                   f'<text x="{num(x_in)}" y="{num(ty)}">{count(rin)}</text>'
                   f'<text x="{num(x_out)}" y="{num(ty)}">{count(rout)}</text></g>')
    out.append("</g>")


def _render_rows(out: list[str], x: float, top: float, w: float, rows: list[SubtaskRow]) -> None:
    x_in, x_out = x + w - IN_COL, x + w - PAD
    x_where = x + PAD + CELL_W + 12
    y = top
    for row in rows:
        cy = y + 1
        flags = ((' data-busy="1"' if row.busy else "")
                 + (' data-backpressured="1"' if row.backpressured else ""))
        parts = [f'<g class="flowlab-subtask" data-state="{esc(row.state or "")}"{flags}>'
                 f'<title>{esc(row.title)}</title>']
        if row.backpressured or row.tint:
            parts.append(f'<rect x="{num(x + 3)}" y="{num(y - 0.5)}" width="{num(w - 6)}" '
                         f'height="{ROW_H - 1}" '
                         f'rx="3" fill="{row.tint or pal.BACKPRESSURE_ROW}"/>')
        stroke = (f' stroke="{pal.BACKPRESSURE}" stroke-width="1.6"' if row.backpressured
                  else f' stroke="{pal.BOX_STROKE}" stroke-width="0.6"')
        parts.append(f'<rect x="{num(x + PAD)}" y="{num(cy)}" width="{CELL_W}" height="{CELL_H}" rx="3" '
                     f'fill="{pal.state_fill(row.state)}"{stroke}/>'
                     f'<text x="{num(x + PAD + CELL_W / 2)}" y="{num(cy + 9)}" text-anchor="middle" '
                     f'font-size="8.5" font-weight="600" fill="{pal.state_text(row.state)}">'
                     f'{row.index}</text>')
        if row.busy:
            parts.append(f'<circle cx="{num(x + PAD + CELL_W + 5)}" cy="{num(cy + CELL_H / 2)}" r="2.6" '
                         f'fill="{pal.BUSY}"/>')
        parts.append(f'<text x="{num(x_where)}" y="{num(cy + 9)}" font-size="9" font-family="{MONO_FAMILY}" '
                     f'fill="{pal.INK_SOFT}">{esc(row.where)}</text>')
        if row.backpressured:
            parts.append(f'<text x="{num(x_in - 40)}" y="{num(cy + 9)}" text-anchor="end" font-size="8" '
                         f'font-weight="700" fill="{pal.BACKPRESSURE}">BP</text>')
        parts.append(f'<g font-size="9.5" fill="{pal.INK}" text-anchor="end">'
                     f'<text x="{num(x_in)}" y="{num(cy + 9)}">{count(row.records_in)}</text>'
                     f'<text x="{num(x_out)}" y="{num(cy + 9)}">{count(row.records_out)}</text></g></g>')
        out.append("".join(parts))
        y += ROW_H


def _render_grid(out: list[str], x: float, top: float, rows: list[SubtaskRow]) -> None:
    for i, row in enumerate(rows):
        cx = x + PAD + (i % GRID_COLS) * GRID_W
        cy = top + (i // GRID_COLS) * GRID_H
        stroke = (f' stroke="{pal.BACKPRESSURE}" stroke-width="1.6"' if row.backpressured
                  else f' stroke="{pal.BOX_STROKE}" stroke-width="0.6"')
        if row.tint:
            stroke = f' stroke="{row.tint}" stroke-width="2.4"'
        busy = (f'<circle cx="{num(cx + (GRID_W - 3) / 2)}" cy="{num(cy + (GRID_H - 3) / 2)}" r="2" '
                f'fill="{pal.BUSY}"/>' if row.busy else "")
        out.append(f'<g class="flowlab-subtask" data-state="{esc(row.state or "")}"><title>{esc(row.title)}'
                   f'</title><rect x="{num(cx)}" y="{num(cy)}" width="{GRID_W - 3}" height="{GRID_H - 3}" '
                   f'rx="2" fill="{pal.state_fill(row.state)}"{stroke}/>{busy}</g>')
