"""The job graph as SVG: tasks (chained view, what Flink's Web UI shows) or operators (unchained view).

``render_job_graph`` is a pure function of a snapshot: same snapshot, byte-identical SVG. The static part
(positions, paths, wrapped names) comes from the cached ``compute_layout``; this module only paints the
live numbers on it: subtask states and records, partitioner labels, and per-edge in-flight badges.
"""
from __future__ import annotations

from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.box import SubtaskRow, render_box
from flowlab.viz.render.layout import compute_layout, display_name, graph_signature
from flowlab.viz.render.legend import render_legend
from flowlab.viz.render.stages_html import is_batch
from flowlab.viz.render.svg import FONT_FAMILY, esc, ms, num, text_width

MAX_TITLE_CHANNELS = 12
BATCH_COL_GAP = 136     # room between columns for the widest BATCH edge label, "REBALANCE · blocking"


def render_job_graph(snapshot: dict[str, Any], chained: bool = True,
                     layout: dict[str, Any] | None = None, tints: dict[str, list[str | None]] | None = None,
                     highlight: str | None = None, edges: bool = True, caption: str | None = None) -> str:
    """Draw ``snapshot``'s job graph as an ``<svg class="flowlab-jobgraph">`` string.

    ``tints`` colours subtask rows of the chained view (vertex id -> one colour per subtask, e.g. the
    backpressure level); ``highlight`` frames one vertex (e.g. the likely bottleneck). ``edges=False`` leaves
    the job edges out and ``caption`` replaces the view's caption, for views that draw on the boxes (the
    barrier view); a ``layout`` computed without a legend draws none."""
    if not snapshot.get("operators"):
        chained = True  # without operator data only the task view can be drawn
    if layout is None or not str(layout.get("signature", "")).startswith(graph_signature(snapshot, chained)):
        layout = compute_layout(snapshot, chained, **({"col_gap": BATCH_COL_GAP} if is_batch(snapshot) else {}))
    w, h = num(layout["width"]), num(layout["height"])
    job = snapshot.get("job") or {}
    view = "chained" if chained else "unchained"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="flowlab-jobgraph" data-view="{view}" '
           f'width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{esc(FONT_FAMILY)}" role="img" '
           f'aria-label="{esc("Job graph of " + str(job.get("name", "")))}" '
           f'style="max-width:100%;height:auto">'
           f'<rect x="0.5" y="0.5" width="{num(layout["width"] - 1)}" height="{num(layout["height"] - 1)}" '
           f'rx="8" fill="{pal.BACKGROUND}" stroke="{pal.FRAME_STROKE}"/>']
    _caption(out, layout, snapshot, chained, caption)
    for frame in layout["frames"]:
        _frame(out, frame)
    if chained:
        if edges:
            _chained_edges(out, layout, snapshot)
        _vertex_boxes(out, layout, snapshot, tints or {})
        if highlight is not None and highlight in layout["boxes"]:
            b = layout["boxes"][highlight]
            out.append(f'<g class="flowlab-highlight" data-vertex="{esc(highlight)}">'
                       f'<rect x="{num(b["x"] - 4)}" y="{num(b["y"] - 4)}" width="{num(b["w"] + 8)}" '
                       f'height="{num(b["h"] + 8)}" rx="9" fill="none" stroke="{pal.BACKPRESSURE}" '
                       f'stroke-width="2.5" stroke-dasharray="6 3"/></g>')
    else:
        _operator_edges(out, layout, snapshot)
        _operator_boxes(out, layout, snapshot)
    if layout["empty"]:
        cy = layout["legend"]["y"] - 40
        out.append(f'<text x="{num(layout["width"] / 2)}" y="{num(cy)}" text-anchor="middle" font-size="12" '
                   f'fill="{pal.INK_FAINT}">No job graph yet</text>')
    lg = layout["legend"]
    if lg["h"]:
        out.append(render_legend(lg["x"], lg["y"], lg["w"], chained))
    out.append("</svg>")
    return "".join(out)


def _caption(out: list[str], layout: dict[str, Any], snapshot: dict[str, Any], chained: bool,
             what: str | None = None) -> None:
    job = snapshot.get("job") or {}
    cap = layout["caption"]
    if what is None:
        what = "chained view · one box per task" if chained else "unchained view · one box per operator"
    status = job.get("status") or ""
    out.append(f'<text x="{num(cap["x"])}" y="{num(cap["y"])}" font-size="12.5" fill="{pal.INK}">'
               f'<tspan font-weight="600">{esc(job.get("name", "job"))}</tspan>'
               f'<tspan fill="{pal.INK_FAINT}" font-size="10.5"> — {what}</tspan></text>'
               f'<text x="{num(cap["right"])}" y="{num(cap["y"])}" text-anchor="end" font-size="10.5" '
               f'fill="{pal.INK_SOFT}">step {int(snapshot.get("step", 0))} · '
               f't = {ms(snapshot.get("now_ms"))} ms'
               f'{" · " + esc(status) if status else ""}</text>')


def _frame(out: list[str], frame: dict[str, Any]) -> None:
    x, y = frame["x"], frame["y"]
    out.append(f'<g class="flowlab-task-frame" data-vertex="{esc(frame["vertex"])}">'
               f'<title>{esc(frame.get("title") or " ".join(frame["label"]))}</title>'
               f'<rect x="{num(x)}" y="{num(y)}" width="{num(frame["w"])}" height="{num(frame["h"])}" '
               f'rx="11" fill="{pal.FRAME_FILL}" stroke="{pal.FRAME_STROKE}" stroke-dasharray="5 3"/>'
               + "".join(f'<text x="{num(x + 10)}" y="{num(y + 14 + 12 * i)}" font-size="9.5" '
                         f'font-weight="600" fill="{pal.INK_FAINT}">{esc(line)}</text>'
                         for i, line in enumerate(frame["label"]))
               + "</g>")


# ---- boxes -----------------------------------------------------------------------------------------

def _where(st: dict[str, Any]) -> str:
    tm, slot = st.get("taskmanager"), st.get("slot")
    if tm is None:
        return "–"
    return f"{tm}/{slot}" if slot is not None else str(tm)


def _row(name: str, p: int, st: dict[str, Any], counts: dict[str, Any], tint: str | None = None) -> SubtaskRow:
    """One subtask row: state and placement from the task subtask ``st``, records from ``counts``."""
    i = int(st.get("index", 0))
    state = st.get("state")
    rin, rout = int(counts.get("records_in") or 0), int(counts.get("records_out") or 0)
    busy, bp = bool(st.get("busy")), bool(st.get("backpressured"))
    flags = ", ".join(f for f, on in (("busy", busy), ("backpressured", bp)) if on)
    attempt = f" (attempt {st['attempt']})" if st.get("attempt") else ""
    title = (f"{name} ({i + 1}/{p})\nstate: {state}{attempt}\ntaskmanager: {st.get('taskmanager') or '–'}, "
             f"slot: {'–' if st.get('slot') is None else st.get('slot')}\nrecords in: {rin}, out: {rout}\n"
             f"input queued: {int(st.get('input_queued') or 0)}" + (f"\n{flags}" if flags else ""))
    return SubtaskRow(i, state, _where(st), rin, rout, busy, bp, title, tint)


def _totals(subtasks: list[dict[str, Any]]) -> tuple[int, int]:
    return (sum(int(s.get("records_in") or 0) for s in subtasks),
            sum(int(s.get("records_out") or 0) for s in subtasks))


def _vertex_boxes(out: list[str], layout: dict[str, Any], snapshot: dict[str, Any],
                  tints: dict[str, list[str | None]]) -> None:
    ops = {o["id"]: o for o in snapshot.get("operators") or ()}
    stage_of = {vid: info.get("stage") for vid, info in ((snapshot.get("batch") or {}).get("vertices") or {}).items()}
    for v in snapshot.get("vertices") or ():
        box = layout["boxes"].get(v["id"])
        if box is None:
            continue
        subtasks = v.get("subtasks") or []
        p = int(v.get("parallelism") or len(subtasks))
        name = display_name(v.get("name", v["id"]))
        rin, rout = _totals(subtasks)
        chain = "\n".join(f"  {o} · {ops[o].get('name', o)} ({ops[o].get('kind', '?')})"
                          for o in v.get("operators") or () if o in ops)
        title = (f"task {v['id']}: {name}\nparallelism: {p}\nrecords in: {rin}, out: {rout}"
                 + (f"\nchained operators:\n{chain}" if chain else ""))
        tint = tints.get(v["id"]) or []
        rows = [_row(name, p, st, st, tint[k] if k < len(tint) else None) for k, st in enumerate(subtasks)]
        render_box(out, css="flowlab-vertex", ident=v["id"], x=box["x"], y=box["y"], w=box["w"], h=box["h"],
                   lines=box["lines"], tag=box["tag"], kind=box["kind"],
                   meta=(f"stage {stage_of[v['id']]} · " if v["id"] in stage_of else "") + f"parallelism {p}",
                   rows=rows, title=title, name=box.get("name"))


def _operator_boxes(out: list[str], layout: dict[str, Any], snapshot: dict[str, Any]) -> None:
    vertices = {v["id"]: v for v in snapshot.get("vertices") or ()}
    for o in snapshot.get("operators") or ():
        box = layout["boxes"].get(o["id"])
        if box is None:
            continue
        op_subtasks = o.get("subtasks") or []
        p = int(o.get("parallelism") or len(op_subtasks))
        task = vertices.get(o.get("vertex")) or {}
        task_subtasks = {int(s.get("index", 0)): s for s in task.get("subtasks") or ()}
        name = o.get("name", o["id"])
        rin, rout = _totals(op_subtasks)
        title = (f"operator {o['id']}: {name} ({o.get('kind', '?')})\nparallelism: {p}\n"
                 f"records in: {rin}, out: {rout}\nruns in task {o.get('vertex')}: "
                 f"{display_name(task.get('name', '?'))}")
        rows = []
        for s in op_subtasks:
            i = int(s.get("index", 0))
            rows.append(_row(name, p, {**task_subtasks.get(i, {}), "index": i}, s))
        render_box(out, css="flowlab-operator", ident=o["id"], x=box["x"], y=box["y"], w=box["w"],
                   h=box["h"], lines=box["lines"], tag=box["tag"], kind=box["kind"],
                   meta=f"parallelism {p}", rows=rows, title=title, name=box.get("name"))


# ---- edges -----------------------------------------------------------------------------------------

def _chained_edges(out: list[str], layout: dict[str, Any], snapshot: dict[str, Any]) -> None:
    edges = snapshot.get("edges") or []
    blocking = (snapshot.get("batch") or {}).get("edges") or []
    names = {v["id"]: display_name(v.get("name", v["id"])) for v in snapshot.get("vertices") or ()}
    for e in layout["edges"]:
        data = edges[e["index"]]
        if e["index"] < len(blocking):       # BATCH: a blocking exchange, its result materialised
            data = {**data, "materialised_records": blocking[e["index"]].get("materialised_records", 0)}
        _edge(out, e, data.get("partitioner", ""), data, names, network=True)


def _operator_edges(out: list[str], layout: dict[str, Any], snapshot: dict[str, Any]) -> None:
    op_edges = snapshot.get("operator_edges") or []
    vertex_of = {o["id"]: o.get("vertex") for o in snapshot.get("operators") or ()}
    names = {o["id"]: o.get("name", o["id"]) for o in snapshot.get("operators") or ()}
    job_edges = snapshot.get("edges") or []
    badged: set[int] = set()
    for e in layout["edges"]:
        data = op_edges[e["index"]]
        if not e["network"]:
            _edge(out, e, "chained", None, names, network=False)
            continue
        vs, vt = vertex_of.get(data["source"]), vertex_of.get(data["target"])
        candidates = [j for j, je in enumerate(job_edges) if je["source"] == vs and je["target"] == vt]
        exact = [j for j in candidates if job_edges[j].get("partitioner") == data.get("partitioner")]
        j = (exact or candidates or [None])[0]
        flow = None
        if j is not None and j not in badged:
            badged.add(j)
            flow = job_edges[j]
        _edge(out, e, data.get("partitioner", ""), flow, names, network=True)


def _edge(out: list[str], e: dict[str, Any], label: str, flow: dict[str, Any] | None, names: dict[str, str],
          network: bool) -> None:
    """One edge: hit area, line, arrow, label pill, and the in-flight badge when data is on the wire."""
    bufs = int((flow or {}).get("buffers_in_flight") or 0)
    recs = int((flow or {}).get("records_in_flight") or 0)
    active = bool(bufs or recs)
    colour = pal.EDGE_ACTIVE if active else pal.EDGE
    dash = "" if network else ' stroke-dasharray="4 3"'
    title = _edge_title(e, label, flow, names, network)
    out.append(f'<g class="flowlab-edge{" flowlab-edge-active" if active else ""}" '
               f'data-source="{esc(e["source"])}" data-target="{esc(e["target"])}" '
               f'data-partitioner="{esc(label)}"><title>{esc(title)}</title>'
               f'<path d="{e["d"]}" fill="none" stroke="transparent" stroke-width="10"/>'
               f'<path d="{e["d"]}" fill="none" stroke="{colour}" '
               f'stroke-width="{2.4 if active else 1.6}"{dash}/>'
               f'<polygon points="{e["arrow"]}" fill="{colour}"/>')
    lx, ly = e["label"]
    materialised = (flow or {}).get("materialised_records")
    if network and materialised is not None:
        label = f"{label} · blocking"
    if network:
        lw = text_width(label, 8.5, bold=True) + 10
        out.append(f'<rect x="{num(lx - lw / 2)}" y="{num(ly - 7)}" width="{num(lw)}" height="13" rx="6.5" '
                   f'fill="{pal.LABEL_FILL}" stroke="{colour}" stroke-width="0.8"/>'
                   f'<text class="flowlab-edge-label" x="{num(lx)}" y="{num(ly + 2.5)}" text-anchor="middle" '
                   f'font-size="8.5" font-weight="600" letter-spacing="0.3" fill="{pal.INK_SOFT}">'
                   f'{esc(label)}</text>')
    else:
        out.append(f'<text class="flowlab-edge-label" x="{num(lx)}" y="{num(ly)}" font-size="8.5" '
                   f'font-style="italic" fill="{pal.INK_FAINT}">{esc(label)}</text>')
    waiting = sum(int(c.get("queued_buffers") or 0) for c in (flow or {}).get("channels") or ())
    if network and (waiting or materialised):
        text = f"{waiting} buf queued" if materialised is None else f"{int(materialised)} rec materialised"
        bw = text_width(text, 8, bold=True) + 10
        yq = ly + (24 if active else 9)
        out.append(f'<g class="flowlab-queued" data-buffers="{waiting}">'
                   f'<rect x="{num(lx - bw / 2)}" y="{num(yq)}" width="{num(bw)}" height="12" rx="6" '
                   f'fill="{pal.BACKPRESSURE_ROW}" stroke="{pal.BACKPRESSURE}"/>'
                   f'<text x="{num(lx)}" y="{num(yq + 9)}" text-anchor="middle" font-size="8" '
                   f'font-weight="600" fill="{pal.BACKPRESSURE}">{esc(text)}</text></g>')
    if active:
        text = f"{bufs} buf · {recs} rec"
        bw = text_width(text, 8.5, bold=True) + 10
        out.append(f'<g class="flowlab-inflight" data-buffers="{bufs}" data-records="{recs}">'
                   f'<rect x="{num(lx - bw / 2)}" y="{num(ly + 9)}" width="{num(bw)}" height="13" rx="6.5" '
                   f'fill="{pal.BADGE_FILL}" stroke="{pal.EDGE_ACTIVE}"/>'
                   f'<text x="{num(lx)}" y="{num(ly + 18.5)}" text-anchor="middle" font-size="8.5" '
                   f'font-weight="600" fill="{pal.BADGE_TEXT}">{esc(text)}</text></g>')
    out.append("</g>")


def _edge_title(e: dict[str, Any], label: str, flow: dict[str, Any] | None, names: dict[str, str],
                network: bool) -> str:
    head = f"{names.get(e['source'], e['source'])} → {names.get(e['target'], e['target'])}"
    if not network:
        return f"{head}\nchained: records are handed over by a method call inside one task (no network)"
    lines = [head, f"partitioner: {label}"]
    if flow is not None:
        lines.append(f"in flight: {int(flow.get('buffers_in_flight') or 0)} buffers, "
                     f"{int(flow.get('records_in_flight') or 0)} records")
        channels = flow.get("channels") or []
        for ch in channels[:MAX_TITLE_CHANNELS]:
            lines.append(f"  {ch.get('from')}→{ch.get('to')}: queued {ch.get('queued_buffers', 0)} buf, "
                         f"filling {ch.get('filling_records', 0)} rec, in flight "
                         f"{ch.get('in_flight_buffers', 0)} buf/{ch.get('in_flight_records', 0)} rec, "
                         f"received {ch.get('received_buffers', 0)} buf, credit {ch.get('credit', 0)}")
        if len(channels) > MAX_TITLE_CHANNELS:
            lines.append(f"  … and {len(channels) - MAX_TITLE_CHANNELS} more channels")
    return "\n".join(lines)
