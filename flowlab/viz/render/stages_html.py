"""The stages of a BATCH job as an HTML table: what runs now, what is materialised, how many slots it takes.

A pure function of ``snapshot["batch"]`` (see ``flowlab.runtime.snapshots.batch``); empty for a STREAMING job.
"""
from __future__ import annotations

from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.layout import display_name
from flowlab.viz.render.svg import FONT_FAMILY, esc

_STATUS_FILL = {"finished": pal.STATE_FILL["FINISHED"], "running": pal.STATE_FILL["RUNNING"],
                "waiting": pal.UNKNOWN_FILL}


def is_batch(snapshot: dict[str, Any]) -> bool:
    """True for a snapshot of a job running in BATCH mode."""
    return (snapshot.get("batch") or {}).get("mode") == "BATCH"


def _subtask_states(vertex: dict[str, Any]) -> str:
    counts: dict[str, int] = {}
    for st in vertex.get("subtasks") or ():
        counts[st.get("state")] = counts.get(st.get("state"), 0) + 1
    return ", ".join(f"{n} {s.lower()}" for s in pal.STATE_ORDER for n in [counts.get(s, 0)] if n)


def _sorted_progress(info: dict[str, Any]) -> str:
    subs = [s for s in info.get("subtasks") or () if "phase" in s]
    if not subs:
        return ""
    reading = sum(int(s.get("buffered") or 0) for s in subs if s.get("phase") == "reading")
    out = sum(int(s.get("handed_out") or 0) for s in subs)
    total = sum(int(s.get("sorted") or 0) for s in subs)
    if total:
        return f"sorted input: {out} of {total} records processed"
    return f"sorted input: {reading} records read, waiting for the end of the input"


def render_stages(snapshot: dict[str, Any]) -> str:
    """One row per stage: its vertices, their subtasks' states, the records each materialised."""
    batch = snapshot.get("batch") or {}
    if batch.get("mode") != "BATCH":
        return ""
    vertices = {v["id"]: v for v in snapshot.get("vertices") or ()}
    out_records: dict[str, int] = {}
    for e in batch.get("edges") or ():
        out_records[e["source"]] = out_records.get(e["source"], 0) + int(e.get("materialised_records") or 0)
    head = f'style="text-align:left;color:{pal.INK_FAINT};font-weight:600;padding:2px 10px 2px 0"'
    cell = 'style="padding:2px 10px 2px 0;vertical-align:top"'
    rows = []
    for stage in batch.get("stages") or ():
        status = stage.get("status", "waiting")
        ink = "#ffffff" if status == "running" else pal.INK
        badge = (f'<span style="background:{_STATUS_FILL.get(status, pal.UNKNOWN_FILL)};color:{ink};'
                 f'border-radius:9px;padding:0 7px;font-size:10.5px;font-weight:600">{esc(status)}</span>')
        lines = []
        for vid in stage.get("vertices") or ():
            v = vertices.get(vid, {})
            info = (batch.get("vertices") or {}).get(vid, {})
            attempts = max((int(s.get("attempt") or 0) for s in info.get("subtasks") or ()), default=0)
            extra = [x for x in (_subtask_states(v), _sorted_progress(info),
                                 f"{out_records[vid]} records materialised" if vid in out_records else "",
                                 f"attempt {attempts}" if attempts else "") if x]
            lines.append(f'<b>{esc(vid)}</b> {esc(display_name(v.get("name", vid)))} '
                         f'<span style="color:{pal.INK_SOFT}">· {esc(" · ".join(extra))}</span>')
        rows.append(f'<tr class="flowlab-stage" data-stage="{int(stage["stage"])}" data-status="{esc(status)}">'
                    f'<td {cell}>stage {int(stage["stage"])}</td><td {cell}>{badge}</td>'
                    f'<td {cell}>{"<br>".join(lines)}</td></tr>')
    slots = batch.get("slots") or {}
    summary = (f'slots in use {int(slots.get("in_use") or 0)} of {int(slots.get("total") or 0)} · most at once '
               f'{int(slots.get("peak") or 0)} · slots needed {int(slots.get("needed") or 0)} (the highest '
               f'parallelism: the stages take turns)'
               + (f' · region restarts {int(batch["restarts"])}' if batch.get("restarts") else ""))
    notes = "".join(f'<div class="flowlab-batch-note" style="color:{pal.INK_SOFT}">{esc(n)}</div>'
                    for n in batch.get("notes") or ())
    return (f'<div class="flowlab-stages" style="font-family:{esc(FONT_FAMILY)};font-size:12px;color:{pal.INK}">'
            f'<div style="font-weight:600;margin-bottom:2px">BATCH execution: stages over blocking exchanges</div>'
            f'<table style="border-collapse:collapse"><tr><th {head}>stage</th><th {head}>status</th>'
            f'<th {head}>tasks</th></tr>{"".join(rows)}</table>'
            f'<div class="flowlab-slots" style="color:{pal.INK_SOFT};margin-top:3px">{esc(summary)}</div>'
            f'{notes}</div>')
