"""The barrier view's picture (flowlab extension): the job graph with one line per network channel, checkpoint
barriers drawn as marks inside the channels, blocked channels, channel state, and every subtask tinted by its
phase in the focus checkpoint. A pure function of ``snapshot["checkpoints"]`` on the cached job-graph layout.

A channel's line has three thirds: the sender's output queue, the network, the receiver's input queue. A
barrier sits in the third where it is, nearer its end the fewer records are ahead of it: it moves with the
records, as in Flink, where a barrier never overtakes a record unless the checkpoint is unaligned.
"""
from __future__ import annotations

from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.box import CELL_H, MAX_ROWS, META_H, ROW_H, header_height
from flowlab.viz.render.jobgraph_svg import render_job_graph
from flowlab.viz.render.layout import compute_layout
from flowlab.viz.render.svg import esc, num

PHASES = ("not reached", "aligning", "snapshotting", "acknowledged")
PHASE_TINT = {"not reached": "#f2f5f9", "aligning": "#fde68a", "snapshotting": "#bfdbfe",
              "acknowledged": "#bbf7d0"}
PHASE_INK = {"not reached": "#5b6675", "aligning": "#92400e", "snapshotting": "#1e40af",
             "acknowledged": "#166534"}
BARRIER = "#1d4ed8"
BLOCKED = "#b91c1c"
CHANNEL_STATE = "#7c3aed"
IDLE_CHANNEL = "#b3bdca"
MAX_IDLE_CHANNELS = 64      # above this many channels on an edge, idle ones are not drawn
COL_GAP = 210               # room between the task columns for the channel lines


def phase_tints(snapshot: dict[str, Any]) -> dict[str, list[str | None]]:
    """Vertex id -> row colour per subtask, by the subtask's phase in the focus checkpoint."""
    out: dict[str, list[str | None]] = {}
    for s in (snapshot.get("checkpoints") or {}).get("subtasks") or ():
        row = out.setdefault(s["vertex"], [])
        while len(row) <= int(s["subtask"]):
            row.append(None)
        row[int(s["subtask"])] = PHASE_TINT.get(s.get("phase", "not reached"))
    return out


def render_barrier_graph(snapshot: dict[str, Any]) -> str:
    """The chained job graph as ``<svg class="flowlab-barrier-graph">``: phase tints, channels, barriers."""
    ck = snapshot.get("checkpoints") or {}
    layout = compute_layout(snapshot, True, col_gap=COL_GAP, legend=False)
    svg = render_job_graph(snapshot, chained=True, layout=layout, tints=phase_tints(snapshot), edges=False,
                           caption="checkpoint barriers · one line per channel")
    svg = svg.replace('class="flowlab-jobgraph"', 'class="flowlab-barrier-graph"', 1)
    if not ck.get("enabled"):
        return svg
    out: list[str] = ['<g class="flowlab-channels">']
    stored = _stored(ck)
    par = {v["id"]: len(v.get("subtasks") or ()) or int(v.get("parallelism") or 1)
           for v in snapshot.get("vertices") or ()}
    by_edge: dict[int, list[dict[str, Any]]] = {}
    for c in ck.get("channels") or ():
        by_edge.setdefault(int(c["edge"]), []).append(c)
    for e in layout["edges"]:
        channels = by_edge.get(e["index"], [])
        if not channels:
            continue
        src, dst = layout["boxes"].get(e["source"]), layout["boxes"].get(e["target"])
        if src is None or dst is None:
            continue
        straight = e["d"].count("C") == 1          # the edge spans one column: channels can be drawn apart
        busy = [c for c in channels if _notable(c, stored)]
        draw = channels if len(channels) <= MAX_IDLE_CHANNELS else busy
        counts = len(channels) <= 3                 # room for "n ahead · m behind" under each barrier
        if straight:
            top = _curve(e, src, dst, channels[0], True, par.get(e["source"], 1), par.get(e["target"], 1))
            y = min(src["y"], dst["y"]) - 4
            out.append('<g class="flowlab-zones" font-size="7.5" fill="#8a94a3" text-anchor="middle">'
                       + "".join(f'<text x="{num(_point(top, t)[0])}" y="{num(y)}">{z}</text>'
                                 for z, t in (("sender", 0.17), ("network", 0.5), ("receiver", 0.83)))
                       + "</g>")
        for k, c in enumerate(draw):
            curve = _curve(e, src, dst, c, straight, par.get(e["source"], 1), par.get(e["target"], 1))
            _channel(out, c, curve, stored, counts, above=k % 2 == 0)
    out.append("</g>")
    return svg[:-len("</svg>")] + "".join(out) + "</svg>"


def _stored(ck: dict[str, Any]) -> dict[tuple, int]:
    """(side, edge, from, to) -> records stored as channel state in the focus checkpoint."""
    out: dict[tuple, int] = {}
    for s in ck.get("subtasks") or ():
        cs = s.get("channel_state") or {}
        for edge, producer, n in cs.get("input") or ():
            if n:
                out[("input", int(edge), int(producer), int(s["subtask"]))] = int(n)
        for edge, consumer, n in cs.get("output") or ():
            if n:
                out[("output", int(edge), int(s["subtask"]), int(consumer))] = int(n)
    return out


def _notable(c: dict[str, Any], stored: dict[tuple, int]) -> bool:
    key = (int(c["edge"]), int(c["from"]), int(c["to"]))
    return bool(c.get("barriers") or c.get("blocked") or c.get("sender_blocked")
                or ("input", *key) in stored or ("output", *key) in stored)


def _row_y(box: dict[str, Any], index: int, parallelism: int) -> float:
    """The middle of subtask ``index``'s row in a job-graph box (the box's middle when rows are a grid)."""
    if parallelism > MAX_ROWS:
        return box["y"] + box["h"] / 2
    return box["y"] + header_height(len(box["lines"])) + META_H + index * ROW_H + 1 + CELL_H / 2


def _curve(e: dict[str, Any], src: dict[str, Any], dst: dict[str, Any], c: dict[str, Any],
           straight: bool, p_src: int, p_dst: int) -> tuple[tuple[float, float], ...]:
    """Cubic Bézier control points of one channel: from its producer's row to its consumer's row."""
    if not straight:                               # through other columns: follow the edge's own ends
        x0, y0 = e["label"]
        return (x0 - 20, y0), (x0 - 6, y0), (x0 + 6, y0), (x0 + 20, y0)
    x0, y0 = src["x"] + src["w"], _row_y(src, int(c["from"]), p_src)
    x1, y1 = dst["x"] - 2, _row_y(dst, int(c["to"]), p_dst)
    dx = max(16.0, (x1 - x0) / 2)
    return (x0, y0), (x0 + dx, y0), (x1 - dx, y1), (x1, y1)


def _point(curve: tuple[tuple[float, float], ...], t: float) -> tuple[float, float]:
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = curve
    u = 1 - t
    return (u ** 3 * ax + 3 * u * u * t * bx + 3 * u * t * t * cx + t ** 3 * dx,
            u ** 3 * ay + 3 * u * u * t * by + 3 * u * t * t * cy + t ** 3 * dy)


def _path(curve: tuple[tuple[float, float], ...]) -> str:
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = curve
    return f"M{num(ax)} {num(ay)}C{num(bx)} {num(by)} {num(cx)} {num(cy)} {num(dx)} {num(dy)}"


ZONES = {"sender": 0.04, "network": 0.36, "receiver": 0.68}     # where each third of a channel line starts


def barrier_share(barrier: dict[str, Any]) -> float:
    """Where a barrier is along its channel line, 0 (sender) to 1 (receiver): in the third of the line for where
    it is (the sender's queue, the network, the receiver's queue), nearer that third's end the fewer records
    are ahead of it — so it moves towards the receiver as the records ahead of it are consumed."""
    start = ZONES.get(barrier.get("where", ""), ZONES["network"])
    ahead = int(barrier.get("records_ahead") or 0)
    return start + 0.28 * 8 / (8 + ahead)


def _channel(out: list[str], c: dict[str, Any], curve: tuple[tuple[float, float], ...],
             stored: dict[tuple, int], counts: bool = True, above: bool = False) -> None:
    """One channel line with its barriers, blocking and channel state; ``above``: the barrier counts go above
    the mark (neighbouring channels alternate, so their labels do not overlap)."""
    edge, src, dst = int(c["edge"]), int(c["from"]), int(c["to"])
    name = f'{c["source"]}[{src}] → {c["target"]}[{dst}]'
    blocked = bool(c.get("blocked"))
    records = int(c.get("records") or 0)
    colour, width = (BLOCKED, 2.2) if blocked else (IDLE_CHANNEL, 1.1)
    dash = ' stroke-dasharray="5 3"' if blocked else ""
    tip = [f"channel {name}: {records} record(s) in {int(c.get('buffers') or 0)} buffer(s)"]
    if blocked:
        tip.append(f"blocked for alignment: {c['target']}[{dst}] has the barrier from this channel and waits for "
                   f"it on its other channels; {records} record(s) wait behind it")
    if c.get("sender_blocked"):
        tip.append(f"the producer {c['source']}[{src}] sends nothing more on it until it is resumed")
    out.append(f'<g class="flowlab-channel{" flowlab-channel-blocked" if blocked else ""}" data-edge="{edge}" '
               f'data-from="{src}" data-to="{dst}" data-records="{records}"><title>{esc(chr(10).join(tip))}</title>'
               f'<path d="{_path(curve)}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>')
    (x1, y1) = curve[3]
    if blocked:
        out.append(f'<rect class="flowlab-blocked-gate" x="{num(x1 - 4)}" y="{num(y1 - 7)}" width="3.5" '
                   f'height="14" rx="1" fill="{BLOCKED}"/>')
        if records:
            wx, wy = _point(curve, 0.72)
            text = f"{records} waiting"
            out.append(f'<g class="flowlab-waiting" data-records="{records}"><rect x="{num(wx - 25)}" '
                       f'y="{num(wy - 15)}" width="50" height="11" rx="5.5" fill="#fee2e2" stroke="{BLOCKED}" '
                       f'stroke-width="0.6"/><text x="{num(wx)}" y="{num(wy - 7)}" text-anchor="middle" '
                       f'font-size="7.5" font-weight="600" fill="{BLOCKED}">{text}</text></g>')
    for side, t, key in (("input", 0.86, ("input", edge, src, dst)), ("output", 0.14, ("output", edge, src, dst))):
        n = stored.get(key)
        if n:
            sx, sy = _point(curve, t)
            out.append(f'<g class="flowlab-channel-state" data-side="{side}" data-records="{n}">'
                       f'<title>{esc(f"{n} in-flight record(s) of {name} stored as channel state ({side} side): the unaligned barrier overtook them")}'
                       f'</title><rect x="{num(sx - 13)}" y="{num(sy + 3)}" width="26" height="10" rx="2" '
                       f'fill="#ede9fe" stroke="{CHANNEL_STATE}" stroke-width="0.8" stroke-dasharray="2 1"/>'
                       f'<text x="{num(sx)}" y="{num(sy + 10.5)}" text-anchor="middle" font-size="7" '
                       f'font-weight="600" fill="{CHANNEL_STATE}">{n}</text></g>')
    for b in c.get("barriers") or ():
        bx, by = _point(curve, barrier_share(b))
        lx = min(max(bx, curve[0][0] + 44), curve[3][0] - 44)      # the counts stay clear of the boxes
        kind = {"UNALIGNED": "unaligned", "AT_LEAST_ONCE": "at-least-once"}.get(b.get("alignment"), "aligned")
        text = (f"barrier {b['id']} ({kind}) in {name}, at the {b.get('where')}: {b.get('records_ahead', 0)} "
                f"record(s) in {b.get('buffers_ahead', 0)} buffer(s) ahead of it, {b.get('records_behind', 0)} "
                f"record(s) in {b.get('buffers_behind', 0)} buffer(s) behind it")
        out.append(f'<g class="flowlab-barrier" data-checkpoint="{int(b["id"])}" data-where="{esc(b.get("where"))}" '
                   f'data-ahead="{int(b.get("records_ahead") or 0)}" data-behind="{int(b.get("records_behind") or 0)}">'
                   f'<title>{esc(text)}</title>'
                   f'<rect x="{num(bx - 2.5)}" y="{num(by - 8)}" width="5" height="16" rx="1.5" fill="{BARRIER}" '
                   f'stroke="{pal.BACKGROUND}" stroke-width="0.8"/>'
                   + (f'<text x="{num(bx)}" y="{num(by - 10.5)}" text-anchor="middle" font-size="9" '
                      f'font-weight="700" fill="{BARRIER}">{int(b["id"])}</text>' if counts else ""))
        if counts:
            out.append(f'<text class="flowlab-barrier-counts" x="{num(lx)}" y="{num(by - 21 if above else by + 16)}" '
                       f'text-anchor="middle" '
                       f'font-size="7.5" fill="{pal.INK_SOFT}">{int(b.get("records_ahead") or 0)} ahead · '
                       f'{int(b.get("records_behind") or 0)} behind</text>')
        out.append("</g>")
    out.append("</g>")
