"""The consistent cut of one checkpoint as SVG (flowlab extension): one row per source subtask and per channel,
records in order (oldest left), all rows aligned at barrier n — the cut line. Left of it: inside checkpoint n,
right of it: after. A pure function of ``flowlab.viz.consistent_cut.checkpoint_cut``'s result.

Read it like the space-time figure of Chandy and Lamport's snapshot: each subtask records its state at its cut
(▼, the snapshot), and what crosses a cut on a channel is the channel state. With aligned barriers nothing
crosses (the snapshot is taken when every barrier is in); unaligned barriers leave records before the barrier
unprocessed at the snapshot, and they are stored (channel state); at-least-once lets records after the barrier
into the state (they will be replayed after a restore and counted twice).
"""
from __future__ import annotations

from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.checkpoint_svg import BARRIER, BLOCKED
from flowlab.viz.render.svg import FONT_FAMILY, esc, ms, num, truncate

FATE_FILL = {"state": "#34a853", "channel_state": "#8b5cf6", "crossed": "#f59e0b", "after": "#cbd5e1",
             "inflight": "#34a853", "unknown": "#e5e7eb"}
FATE_TEXT = {"state": "in the snapshot's state", "channel_state": "channel state (stored in-flight record)",
             "crossed": "after the barrier but in the state (at-least-once: counted twice after a restore)",
             "after": "after the checkpoint", "inflight": "in flight, before the barrier (inside the checkpoint)",
             "unknown": "processed after the snapshot; channel state not known"}
LEGEND = (("state", "in the state"), ("channel_state", "channel state"), ("crossed", "crossed the barrier"),
          ("after", "after the checkpoint"), ("inflight", "still in the channel (hollow)"))
CELL, SIZE = 11, 9
LABEL_W, COUNTS_W, ROW_H, GROUP_H, TOP = 150, 300, 15, 17, 70


def render_cut(cut: dict[str, Any], names: dict[str, str] | None = None) -> str:
    """``<svg class="flowlab-cut">`` for a ``checkpoint_cut`` result; ``names`` maps vertex ids to task names."""
    names = names or {}
    n, w = cut["checkpoint"], int(cut.get("window") or 12)
    x_cut = LABEL_W + w * CELL
    width = x_cut + w * CELL + COUNTS_W
    body: list[str] = []
    y = TOP
    groups = _groups(cut)
    for title, tip, rows in groups:
        title = title.replace("(aligned", "(at-least-once") if cut.get("alignment") == "AT_LEAST_ONCE" else title
        body.append(f'<text x="8" y="{num(y + 11)}" font-size="10.5" font-weight="600" fill="{pal.INK}">'
                    f'{esc(title)}<title>{esc(tip)}</title></text>')
        y += GROUP_H
        for row in rows:
            _row(body, row, y, x_cut, n)
            y += ROW_H
    if not groups:
        body.append(f'<text x="8" y="{num(y + 12)}" font-size="11" fill="{pal.INK_FAINT}">'
                    f'{esc("; ".join(cut.get("notes") or ["nothing to show"]))}</text>')
        y += 20
    bottom = y + 4
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="flowlab-cut" data-checkpoint="{n}" '
           f'width="{num(width)}" height="{num(bottom + 40)}" viewBox="0 0 {num(width)} {num(bottom + 40)}" '
           f'font-family="{esc(FONT_FAMILY)}" style="max-width:100%;height:auto">'
           f'<rect x="0.5" y="0.5" width="{num(width - 1)}" height="{num(bottom + 39)}" rx="8" '
           f'fill="{pal.BACKGROUND}" stroke="{pal.FRAME_STROKE}"/>',
           f'<rect x="{LABEL_W - 4}" y="{TOP - 6}" width="{w * CELL + 4}" height="{num(bottom - TOP + 6)}" '
           f'fill="#eefaf2"/>']
    kind = {"UNALIGNED": "unaligned", "AT_LEAST_ONCE": "at-least-once"}.get(cut.get("alignment"), "aligned")
    trig = "" if cut.get("trigger_ms") is None else f" · triggered at {ms(cut['trigger_ms'])} ms"
    out.append(f'<text x="8" y="20" font-size="12.5" fill="{pal.INK}"><tspan font-weight="600">Checkpoint {n}: the '
               f'consistent cut</tspan><tspan fill="{pal.INK_SOFT}" font-size="10.5"> — {kind}{trig}'
               f'{" · " + esc(cut["status"]) if cut.get("status") else ""}</tspan></text>'
               f'<text x="8" y="34" font-size="9.5" fill="{pal.INK_SOFT}">Records in order, oldest left; every row '
               f'meets at barrier {n}: left of it is inside checkpoint {n}, right of it after.</text>'
               f'<text x="8" y="46" font-size="9.5" fill="{pal.INK_SOFT}">▼ where the consumer took its snapshot; '
               f'hollow: still in the channel.</text>'
               f'<text x="{num(x_cut - 4)}" y="{TOP - 10}" text-anchor="end" font-size="9" fill="#1b7f4b">'
               f'inside checkpoint {n}</text>'
               f'<text x="{num(x_cut + 4)}" y="{TOP - 10}" font-size="9" fill="{pal.INK_FAINT}">after</text>')
    out.extend(body)
    out.append(f'<line class="flowlab-cut-line" x1="{num(x_cut)}" y1="{TOP - 6}" x2="{num(x_cut)}" '
               f'y2="{num(bottom)}" stroke="{BARRIER}" stroke-width="1.2" stroke-dasharray="4 2"/>')
    _legend(out, bottom + 14, cut.get("notes") or [])
    out.append("</svg>")
    return "".join(out)


def _groups(cut: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(title, tooltip, rows): the sources, then per consumer subtask its input channels."""
    rows = cut.get("rows") or []
    snaps = {(s["vertex"], s["subtask"]): s for s in cut.get("subtasks") or ()}
    out: list[tuple[str, str, list[dict[str, Any]]]] = []
    sources = [r for r in rows if r["kind"] == "source"]
    if sources:
        out.append(("Sources — read position at the barrier", "A source's snapshot "
                    "is its read position; the records before it are in the checkpoint, and after a restore "
                    "the source re-reads from there.", sources))
    consumers: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in rows:
        if r["kind"] == "channel":
            consumers.setdefault((r["target"], r["to"]), []).append(r)
    for (v, i), chans in consumers.items():
        s = snaps.get((v, i))
        if s is None:
            when = "no snapshot yet"
        else:
            what = "unaligned" if s.get("unaligned") else "aligned"
            when = f"snapshot at {ms(s['ms'])} ms ({what}" + (f", {s['crossed']} records crossed)" if s.get("crossed")
                                                             else ")")
        out.append((f"{v}[{i}] — {when}", f"the input channels of {v}[{i}]", chans))
    return out


def _row(out: list[str], row: dict[str, Any], y: float, x_cut: float, n: int) -> None:
    cut = row["cut"]
    ident = (f'data-source-vertex="{esc(row["vertex"])}" data-subtask="{row["subtask"]}"' if row["kind"] == "source"
             else f'data-edge="{row["edge"]}" data-from="{row["from"]}" data-to="{row["to"]}"')
    out.append(f'<g class="flowlab-cut-row" data-kind="{row["kind"]}" {ident} '
               f'data-barrier="{"" if row.get("barrier") is None else row["barrier"]}" '
               f'data-snapshot="{"" if row.get("snapshot") is None else row["snapshot"]}">'
               f'<text x="16" y="{num(y + 9.5)}" font-size="9.5" fill="{pal.INK_SOFT}">'
               f'{esc(truncate(row["label"], 26))}<title>{esc(row["label"])}</title></text>')
    for cell in row["cells"]:
        x = x_cut + (cell["k"] - cut) * CELL + 1
        fate = cell["fate"]
        hollow = cell.get("in_channel")
        fill = pal.BACKGROUND if hollow else FATE_FILL[fate]
        where = "still in the channel" if hollow else f"at {ms(cell['ms'])} ms" if cell.get("ms") is not None else ""
        tip = f"record {cell['k'] + 1}{' ' + cell['text'] if cell.get('text') else ''} {where}: {FATE_TEXT[fate]}"
        out.append(f'<rect class="flowlab-cut-record" data-k="{cell["k"]}" data-fate="{fate}" x="{num(x)}" '
                   f'y="{num(y + 1)}" width="{SIZE}" height="{SIZE}" rx="1.5" fill="{fill}" '
                   f'stroke="{FATE_FILL[fate] if hollow else "none"}" stroke-width="1.2"><title>{esc(tip)}</title></rect>')
    state = row.get("barrier_state")
    if state == "not yet":
        out.append(f'<text x="{num(x_cut)}" y="{num(y + 9)}" text-anchor="middle" font-size="8" '
                   f'fill="{pal.INK_FAINT}">·<title>barrier {n} not sent on this yet: every record so far is '
                   f'before it</title></text>')
    elif row.get("cut_unknown"):
        out.append(f'<text x="{num(x_cut)}" y="{num(y + 9)}" text-anchor="middle" font-size="9" font-weight="700" '
                   f'fill="{BLOCKED}">?<title>where the barrier is among these records is not known</title></text>')
    else:
        out.append(f'<rect class="flowlab-cut-barrier" x="{num(x_cut - 1.5)}" y="{num(y - 1)}" width="3" '
                   f'height="{ROW_H - 1}" fill="{BARRIER}"><title>barrier {n} ({esc(state or "")})</title></rect>')
    p = row.get("snapshot")
    if row["kind"] == "channel" and p is not None and p != row.get("barrier"):
        w = (x_cut - LABEL_W) / CELL
        offset = p - cut
        if -w <= offset <= w:
            out.append(f'<path class="flowlab-cut-snapshot" d="M{num(x_cut + offset * CELL - 3.5)} {num(y - 3)}'
                       f'h7l-3.5 5z" fill="{pal.INK}"><title>the consumer took its snapshot after {p} of these '
                       f'records</title></path>')
        else:
            side = "before" if offset < 0 else "after"
            x = LABEL_W - 2 if offset < 0 else x_cut + w * CELL + 2
            out.append(f'<text class="flowlab-cut-snapshot" x="{num(x)}" y="{num(y + 9)}" font-size="8" '
                       f'text-anchor="{"end" if offset < 0 else "start"}" fill="{pal.INK}">'
                       f'{"◀" if offset < 0 else "▶"}▼ {abs(offset)}<title>the consumer took its snapshot {abs(offset)} '
                       f'records {side} the barrier</title></text>')
    _counts(out, row, y, x_cut + (x_cut - LABEL_W) + 34)
    out.append("</g>")


def _counts(out: list[str], row: dict[str, Any], y: float, x: float) -> None:
    c = row.get("counts") or {}
    names = (("state", "state"), ("channel_state", "channel state"), ("crossed", "crossed"), ("after", "after"),
             ("inflight", "in flight"), ("unknown", "unknown"))
    parts = [f"{label} {c[k]}" for k, label in names if c.get(k)]
    if row["kind"] == "source" and row.get("barrier") is not None:
        parts = [f"read position {row['barrier']}"] + ([f"after {c['after']}"] if c.get("after") else [])
    text = " · ".join(parts) if parts else "no records since the trigger"
    blocked = row.get("blocked")
    if blocked and blocked[0] != blocked[1]:
        until = "…" if blocked[1] is None else f"{ms(blocked[1])}"
        text += f" · blocked {ms(blocked[0])}–{until} ms"
    if row.get("note"):
        text = row["note"]
    out.append(f'<text class="flowlab-cut-counts" x="{num(x)}" y="{num(y + 9.5)}" font-size="8.5" '
               f'fill="{pal.INK_SOFT}">{esc(text)}</text>')


def _legend(out: list[str], y: float, notes: list[str]) -> None:
    x = 8.0
    out.append(f'<g class="flowlab-cut-legend" font-size="9" fill="{pal.INK_SOFT}">')
    for fate, label in LEGEND:
        hollow = fate == "inflight"
        out.append(f'<rect x="{num(x)}" y="{num(y - 8)}" width="{SIZE}" height="{SIZE}" rx="1.5" '
                   f'fill="{pal.BACKGROUND if hollow else FATE_FILL[fate]}" '
                   f'stroke="{FATE_FILL[fate] if hollow else "none"}" stroke-width="1.2"/>'
                   f'<text x="{num(x + 13)}" y="{num(y)}">{label}</text>')
        x += 13 + len(label) * 5.2 + 14
    out.append(f'<text x="8" y="{num(y + 16)}" fill="{BLOCKED}">{esc(" · ".join(notes))}</text></g>')
