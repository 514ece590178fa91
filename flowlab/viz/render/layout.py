"""Left-to-right layered layout of the job graph, computed once per graph shape and cached.

Columns are the topological generations (networkx) of the task graph, with sources pulled right next to
their first consumer; edges spanning several columns get dummy waypoints; a few barycenter sweeps order
each column (ties broken by snapshot order, so the result is deterministic). In the unchained view each
task becomes a frame holding its operators, laid out the same way inside the frame. The layout is plain
JSON-able data: box rectangles, frames, edge paths and label anchors.
"""
from __future__ import annotations

import hashlib
from typing import Any

import networkx as nx

from flowlab.viz.render import legend
from flowlab.viz.render.box import box_height, name_lines
from flowlab.viz.render.svg import num, wrap

BOX_W_TASK = 216
BOX_W_OPERATOR = 188
COL_GAP = 104
ROW_GAP = 26
INNER_GAP = 30       # vertical room between chained operators (arrow + "chained")
INNER_COL_GAP = 16   # between sibling operators of a branching chain
FRAME_PAD = 10
FRAME_LABEL_LH = 12
FRAME_LABEL_CHARS = 30
FRAME_LABEL_LINES = 4
MARGIN = 14
CAPTION_H = 30
DUMMY_W, DUMMY_H = 24, 10
MIN_WIDTH = 660
PORT_SPACING = 12
LEGEND_GAP = 18
EMPTY_H = 60
SWEEPS = 4
_CACHE: dict[str, dict[str, Any]] = {}
_CACHE_SIZE = 64


def display_name(name: str) -> str:
    """Flink joins chained operator names with ``->``; draw a real arrow."""
    return name.replace(" -> ", " → ")


def _count(item: dict[str, Any]) -> int:
    return len(item.get("subtasks") or ()) or int(item.get("parallelism") or 0)


def graph_signature(snapshot: dict[str, Any], chained: bool) -> str:
    """A digest of everything the layout depends on (names, parallelism, edges), not of live counters."""
    vertices = tuple((v["id"], v.get("name", ""), _count(v), tuple(v.get("operators") or ()))
                     for v in snapshot.get("vertices") or ())
    if chained:
        shape: tuple = (True, vertices,
                        tuple((e["source"], e["target"]) for e in snapshot.get("edges") or ()),
                        tuple((o["id"], o.get("kind")) for o in snapshot.get("operators") or ()))
    else:
        shape = (False, vertices,
                 tuple((o["id"], o.get("name", ""), o.get("kind"), o.get("vertex"), _count(o))
                       for o in snapshot.get("operators") or ()),
                 tuple((e["source"], e["target"], bool(e.get("chained")))
                       for e in snapshot.get("operator_edges") or ()),
                 tuple((e["source"], e["target"]) for e in snapshot.get("edges") or ()))
    return hashlib.sha1(repr(shape).encode()).hexdigest()


def clear_layout_cache() -> None:
    """Forget cached layouts (benchmarks and tests measure cold renders with it)."""
    _CACHE.clear()


def compute_layout(snapshot: dict[str, Any], chained: bool = True, col_gap: float = COL_GAP,
                   legend: bool = True) -> dict[str, Any]:
    """Positions of every box, frame and edge for ``snapshot``'s graph shape (cached; treat as read-only).

    ``col_gap`` is the room between columns; ``legend=False`` leaves no room for the legend (views that draw
    their own, such as the barrier view)."""
    sig = graph_signature(snapshot, chained)
    if (col_gap, legend) != (COL_GAP, True):
        sig = f"{sig}:{col_gap:g}:{int(legend)}"
    layout = _CACHE.get(sig)
    if layout is None:
        layout = _build(snapshot, chained, col_gap, legend)
        layout["signature"] = sig
        if len(_CACHE) >= _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
        _CACHE[sig] = layout
    return layout


# ---- units: what the task-level layering places (a task box, or a frame of operator boxes) ----------

def _units(snapshot: dict[str, Any], chained: bool):
    """(boxes, units, drawn edges) of the chosen view; each drawn edge is (index, source, target, network)."""
    vertices = snapshot.get("vertices") or []
    operators = snapshot.get("operators") or []
    ops = {o["id"]: o for o in operators}
    boxes: dict[str, dict[str, Any]] = {}
    units: dict[str, dict[str, Any]] = {}
    if chained:
        for v in vertices:
            kinds = [ops[o].get("kind") for o in v.get("operators") or () if o in ops]
            kind = "source" if "source" in kinds else "sink" if "sink" in kinds else None
            _add_box(boxes, v["id"], display_name(v.get("name", v["id"])), v["id"], kind, _count(v),
                     BOX_W_TASK, v["id"])
            units[v["id"]] = {"members": [v["id"]], "frame": None}
        drawn = [(i, e["source"], e["target"], True) for i, e in enumerate(snapshot.get("edges") or ())]
    else:
        members: dict[str, list[str]] = {v["id"]: [o for o in v.get("operators") or () if o in ops]
                                         for v in vertices}
        for o in operators:
            vid = o.get("vertex")
            if vid in members:
                if o["id"] not in members[vid]:
                    members[vid].append(o["id"])
            else:
                members[o["id"]] = [o["id"]]
        members = {uid: mem for uid, mem in members.items() if mem}  # a task without operator data: skip
        titles = {v["id"]: f"task {v['id']} · {display_name(v.get('name', v['id']))}" for v in vertices}
        labels = {vid: wrap(t, FRAME_LABEL_CHARS, FRAME_LABEL_LINES) for vid, t in titles.items()}
        for uid, mem in members.items():
            for oid in mem:
                o = ops[oid]
                tag = (o.get("kind") or "").replace("_", " ")
                _add_box(boxes, oid, o.get("name", oid), tag, o.get("kind"), _count(o),
                         BOX_W_OPERATOR, uid)
            units[uid] = {"members": mem, "frame": labels.get(uid), "title": titles.get(uid)}
        drawn = [(i, e["source"], e["target"], not e.get("chained"))
                 for i, e in enumerate(snapshot.get("operator_edges") or ())]
    drawn = [d for d in drawn if d[1] in boxes and d[2] in boxes]
    return boxes, units, drawn


def _add_box(boxes: dict, ident: str, name: str, tag: str, kind: str | None, n: int, w: float,
             unit: str) -> None:
    lines = name_lines(name, w, tag)
    boxes[ident] = {"w": w, "h": box_height(len(lines), n), "lines": lines, "tag": tag, "kind": kind,
                    "unit": unit, "name": name}


def _place_inside(unit: dict[str, Any], boxes: dict, inner_edges: list[tuple[str, str]]) -> None:
    """Stack a task's operators top-down by chain depth (siblings side by side); size the frame."""
    mem = unit["members"]
    if unit["frame"] is None:
        b = boxes[mem[0]]
        unit.update(w=b["w"], h=b["h"], offsets={mem[0]: (0.0, 0.0)})
        return
    levels = _generations(mem, inner_edges)
    level_w = [sum(boxes[m]["w"] for m in lv) + INNER_COL_GAP * (len(lv) - 1) for lv in levels]
    content_w = max(level_w)
    label_h = FRAME_LABEL_LH * len(unit["frame"]) + 8
    offsets = {}
    y = label_h
    for li, lv in enumerate(levels):
        x = FRAME_PAD + (content_w - level_w[li]) / 2
        for m in lv:
            offsets[m] = (x, y)
            x += boxes[m]["w"] + INNER_COL_GAP
        y += max(boxes[m]["h"] for m in lv) + INNER_GAP
    unit.update(w=content_w + 2 * FRAME_PAD, h=y - INNER_GAP + FRAME_PAD, offsets=offsets)


def _generations(nodes: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Topological generations (sources pulled right), each ordered like ``nodes``; cycles fall back."""
    order = {n: i for i, n in enumerate(nodes)}
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from((u, v) for u, v in edges if u != v)
    if not nx.is_directed_acyclic_graph(g):
        g.remove_edges_from([(u, v) for u, v in list(g.edges) if order[u] >= order[v]])
    layer = {n: gi for gi, gen in enumerate(nx.topological_generations(g)) for n in gen}
    for n in nodes:
        if g.in_degree(n) == 0 and g.out_degree(n) > 0:
            layer[n] = min(layer[s] for s in g.successors(n)) - 1
    cols: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for n in nodes:
        cols[layer[n]].append(n)
    return [c for c in cols if c]


# ---- the task-level layered layout ---------------------------------------------------------------

def _build(snapshot: dict[str, Any], chained: bool, col_gap: float = COL_GAP, with_legend: bool = True
           ) -> dict[str, Any]:
    boxes, units, drawn = _units(snapshot, chained)
    unit_ids = list(units)
    order = {u: i for i, u in enumerate(unit_ids)}
    for unit in units.values():
        mem = set(unit["members"])
        _place_inside(unit, boxes, [(s, t) for _, s, t, _ in drawn if s in mem and t in mem])

    unit_edges: list[tuple[str, str]] = []
    pairs = [(boxes[s]["unit"], boxes[t]["unit"]) for _, s, t, _ in drawn]
    if not chained:
        pairs += [(e["source"], e["target"]) for e in snapshot.get("edges") or ()]
    for u, v in pairs:
        if u != v and u in units and v in units and (u, v) not in unit_edges:
            unit_edges.append((u, v))
    cols = _generations(unit_ids, unit_edges)
    layer = {n: ci for ci, col in enumerate(cols) for n in col}

    # Dummy waypoints for edges spanning several columns, then barycenter ordering.
    g = nx.DiGraph()
    g.add_nodes_from(unit_ids)
    chains: dict[tuple[str, str], list[str]] = {}
    rank = {u: float(order[u]) for u in unit_ids}
    for u, v in unit_edges:
        span = layer[v] - layer[u]
        if span < 1:
            continue
        path = [u] + [f"~{u}~{v}~{k}" for k in range(1, span)] + [v]
        chains[(u, v)] = path[1:-1]
        for k, d in enumerate(path[1:-1], start=1):
            cols[layer[u] + k].append(d)
            rank[d] = order[u] + 0.5
        g.add_edges_from(zip(path, path[1:], strict=False))
    for col in cols:
        col.sort(key=lambda n: rank[n])
    _order_columns(cols, g)

    # Geometry.
    size = {n: ((units[n]["w"], units[n]["h"]) if n in units else (DUMMY_W, DUMMY_H))
            for c in cols for n in c}
    col_w = [max(size[n][0] for n in c) for c in cols]
    col_h = [sum(size[n][1] for n in c) + ROW_GAP * (len(c) - 1) for c in cols]
    graph_w = sum(col_w) + col_gap * max(0, len(cols) - 1)
    graph_h = max(col_h, default=EMPTY_H)
    width = max(graph_w + 2 * MARGIN, MIN_WIDTH)
    ox, oy = (width - graph_w) / 2, MARGIN + CAPTION_H
    pos: dict[str, tuple[float, float]] = {}
    x = ox
    for ci, col in enumerate(cols):
        y = oy + (graph_h - col_h[ci]) / 2
        for n in col:
            w, h = size[n]
            pos[n] = (x + (col_w[ci] - w) / 2, y)
            y += h + ROW_GAP
        x += col_w[ci] + col_gap

    out_boxes: dict[str, dict[str, Any]] = {}
    frames: list[dict[str, Any]] = []
    for uid in unit_ids:
        ux, uy = pos[uid]
        unit = units[uid]
        for m, (dx, dy) in unit["offsets"].items():
            b = boxes[m]
            out_boxes[m] = {"x": ux + dx, "y": uy + dy, "w": b["w"], "h": b["h"], "lines": b["lines"],
                            "tag": b["tag"], "kind": b["kind"], "unit": uid, "name": b["name"]}
        if unit["frame"] is not None:
            frames.append({"vertex": uid, "x": ux, "y": uy, "w": unit["w"], "h": unit["h"],
                           "label": unit["frame"], "title": unit.get("title") or " ".join(unit["frame"])})
    edges = _route_edges(drawn, out_boxes, chains, pos)
    legend_y = oy + graph_h + LEGEND_GAP
    legend_h = legend.legend_height(width - 2 * MARGIN, chained) if with_legend else 0.0
    return {"chained": chained, "width": width,
            "height": legend_y + legend_h + MARGIN if with_legend else oy + graph_h + MARGIN,
            "boxes": out_boxes, "frames": frames, "edges": edges,
            "caption": {"x": MARGIN, "y": MARGIN + 14, "right": width - MARGIN},
            "legend": {"x": MARGIN, "y": legend_y, "w": width - 2 * MARGIN, "h": legend_h},
            "empty": not out_boxes}


def _order_columns(cols: list[list[str]], g: nx.DiGraph) -> None:
    """Barycenter sweeps, alternating direction; stable sorts keep ties in their current order."""
    pos = {n: i for col in cols for i, n in enumerate(col)}
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        indices = range(1, len(cols)) if forward else range(len(cols) - 2, -1, -1)
        for k in indices:
            neigh = g.predecessors if forward else g.successors

            def bary(n: str, neigh=neigh) -> float:
                ps = [pos[m] for m in neigh(n)] if n in g else []
                return sum(ps) / len(ps) if ps else float(pos[n])

            cols[k].sort(key=bary)
            for i, n in enumerate(cols[k]):
                pos[n] = i


def _route_edges(drawn, boxes, chains, pos) -> list[dict[str, Any]]:
    """Edge paths with horizontal tangents between tasks (through dummy waypoints), vertical inside one."""
    inner = {i for i, s, t, _ in drawn if boxes[s]["unit"] == boxes[t]["unit"]}
    waypoints: dict[int, list[tuple[float, float]]] = {}
    for i, s, t, _ in drawn:
        us, ut = boxes[s]["unit"], boxes[t]["unit"]
        waypoints[i] = [(pos[d][0] + DUMMY_W / 2, pos[d][1] + DUMMY_H / 2) for d in chains.get((us, ut), ())]
    # Ports: spread the edges leaving/entering one side of a box, ordered by where their far end is.
    sides: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for i, s, t, _ in drawn:
        wp = waypoints[i]
        if i in inner:
            sides.setdefault((s, "bottom"), []).append((_cx(boxes[t]), i))
            sides.setdefault((t, "top"), []).append((_cx(boxes[s]), i))
        else:
            sides.setdefault((s, "right"), []).append((wp[0][1] if wp else _cy(boxes[t]), i))
            sides.setdefault((t, "left"), []).append((wp[-1][1] if wp else _cy(boxes[s]), i))
    port: dict[tuple[int, str], float] = {}
    for (b, side), lst in sides.items():
        box = boxes[b]
        lst.sort()
        k = len(lst)
        extent = box["w"] if side in ("top", "bottom") else box["h"]
        centre = _cx(box) if side in ("top", "bottom") else _cy(box)
        spacing = min(PORT_SPACING if side in ("left", "right") else 3 * PORT_SPACING, (extent - 16) / k)
        for j, (_, i) in enumerate(lst):
            port[(i, side)] = centre + (j - (k - 1) / 2) * spacing if k > 1 else centre
    edges = []
    for i, s, t, network in drawn:
        bs, bt = boxes[s], boxes[t]
        if i in inner:
            (ax, ay), (bx, by) = (port[(i, "bottom")], bs["y"] + bs["h"]), (port[(i, "top")], bt["y"] - 6)
            dy = max(8.0, (by - ay) / 2)
            d = f"M{num(ax)} {num(ay)}C{num(ax)} {num(ay + dy)} {num(bx)} {num(by - dy)} {num(bx)} {num(by)}"
            tip = (bx, bt["y"])
            arrow = f"{num(bx)},{num(tip[1])} {num(bx - 4)},{num(tip[1] - 8)} {num(bx + 4)},{num(tip[1] - 8)}"
            label = [round((ax + bx) / 2 + 8, 1), round((ay + by) / 2 + 3, 1)]
        else:
            pts = [(bs["x"] + bs["w"], port[(i, "right")]), *waypoints[i], (bt["x"] - 6, port[(i, "left")])]
            parts = [f"M{num(pts[0][0])} {num(pts[0][1])}"]
            for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
                dx = max(16.0, (bx - ax) / 2)
                parts.append(f"C{num(ax + dx)} {num(ay)} {num(bx - dx)} {num(by)} {num(bx)} {num(by)}")
            d = "".join(parts)
            tx, ty = bt["x"], port[(i, "left")]
            arrow = f"{num(tx)},{num(ty)} {num(tx - 8)},{num(ty - 4)} {num(tx - 8)},{num(ty + 4)}"
            (ax, ay), (bx, by) = pts[0], pts[1]
            label = [round((ax + bx) / 2, 1), round((ay + by) / 2, 1)]
        edges.append({"index": i, "source": s, "target": t, "network": network, "inner": i in inner, "d": d,
                      "arrow": arrow, "label": label})
    return edges


def _cx(box: dict[str, Any]) -> float:
    return box["x"] + box["w"] / 2


def _cy(box: dict[str, Any]) -> float:
    return box["y"] + box["h"] / 2
