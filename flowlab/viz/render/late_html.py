"""The late-records panel (HTML): every record a window operator dropped or sent to its late side output,
with the watermark that made it late — nothing is dropped silently. Reads ``snapshot["event_time"]``."""
from __future__ import annotations

from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.svg import FONT_FAMILY, MONO_FAMILY, esc
from flowlab.viz.render.watermark_html import wm_text


def late_records(snapshot: dict[str, Any], operator: str | None = None) -> list[dict[str, Any]]:
    """Late records of every window operator subtask (or of one operator), in arrival order."""
    recs = []
    for o in (snapshot.get("event_time") or {}).get("windows") or ():
        if operator is None or operator in (o["operator"], o["name"]):
            recs += [{**r, "operator": o["name"], "where": f"{o['vertex']}[{o['subtask']}]"} for r in o["late"]]
    return sorted(recs, key=lambda r: r["time_ms"])


def render_late_records(snapshot: dict[str, Any], operator: str | None = None) -> str:
    """HTML table: key, value, event time, watermark, allowed lateness, arrival time, where it went."""
    ops = [o for o in (snapshot.get("event_time") or {}).get("windows") or ()
           if operator is None or operator in (o["operator"], o["name"])]
    recs = late_records(snapshot, operator)
    dropped = sum(o["late_records_dropped"] for o in ops)
    side = sum(1 for r in recs if r.get("side_output"))
    style = f"font-family:{esc(FONT_FAMILY)};font-size:12.5px;color:{pal.INK};line-height:1.45"
    head = (f'<div style="font-weight:600;margin:6px 0 2px">Late records '
            f'<span class="flowlab-late-count">{len(recs)}</span> '
            f'<span style="font-weight:400;color:{pal.INK_SOFT}">— dropped (numLateRecordsDropped): {dropped}; '
            f'to a late side output: {side}. A record is late when timestamp + allowed lateness &lt;= watermark '
            f'and every window it belongs to is gone.</span></div>')
    if not recs:
        return (f'<div class="flowlab-late" style="{style}">{head}<div style="color:{pal.INK_FAINT}">'
                f'No late record so far.</div></div>')
    cols = ("#", "arrived at", "subtask", "key", "value", "event time", "watermark then", "allowed lateness",
            "windows", "went to")
    th = "".join(f'<th style="text-align:left;color:{pal.INK_FAINT};font-size:11px;font-weight:600;'
                 f'padding:2px 10px 2px 0">{esc(c)}</th>' for c in cols)
    rows = []
    for i, r in enumerate(recs, 1):
        went = (f'<span style="color:#8a6cc0">side output {esc(repr(r["side_output"]))}</span>'
                if r.get("side_output") else '<span style="color:#d64545;font-weight:600">dropped</span>')
        cells = (str(i), f"t = {r['time_ms']:g} ms", esc(r["where"]), esc(repr(r["key"])), esc(r["value"]),
                 esc(wm_text(r["timestamp"])), esc(wm_text(r["watermark"])), f"{r['allowed_lateness']} ms",
                 esc(", ".join(r["windows"])), went)
        rows.append('<tr class="flowlab-late-row">' + "".join(
            f'<td style="padding:2px 10px 2px 0;{"font-family:" + esc(MONO_FAMILY) if 3 <= k <= 6 else ""}">{c}</td>'
            for k, c in enumerate(cells)) + "</tr>")
    return (f'<div class="flowlab-late" style="{style}">{head}<table style="border-collapse:collapse;font-size:12.5px">'
            f'<tr>{th}</tr>{"".join(rows)}</table></div>')
