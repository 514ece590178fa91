"""A FileSink's part files as HTML (flowlab extension), from ``snapshot["file_sinks"]``: per sink its bucket
directories and in them every part file with its state — in-progress (written to now), pending (rolled, waiting
for the checkpoint that commits it), finished (visible to readers), left behind (a hidden file of a failed
attempt) — its size and lines. A pure function: snapshot in, HTML string out."""
from __future__ import annotations

import os
from html import escape
from typing import Any

FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px;color:#1f2933"
MONO = "font-family:ui-monospace,'SF Mono',Menlo,Consolas,'DejaVu Sans Mono',monospace;font-size:11px"
WRAP = "overflow-wrap:anywhere"
MAX_FILES = 60          # files listed per sink (the last ones in path order)
# state -> (fill, ink, legend label)
STATES = {
    "in-progress": ("#fde68a", "#92400e", "in-progress: being written, hidden"),
    "pending": ("#bfdbfe", "#1e40af", "pending: rolled, committed by the next completed checkpoint"),
    "finished": ("#bbf7d0", "#166534", "finished: visible to readers"),
    "left behind": ("#e5e7eb", "#5b6675", "left behind: hidden file of a failed attempt"),
}


def _pill(state: str) -> str:
    fill, ink, _ = STATES.get(state, ("#eef1f5", "#1f2933", state))
    return (f'<span style="background:{fill};color:{ink};font-weight:600;padding:0 6px;border-radius:8px;'
            f'white-space:nowrap">{escape(state)}</span>')


def _sink(sink: dict[str, Any], states: set[str]) -> str:
    base = sink.get("base_path") or ""
    files = sink.get("files") or []
    buckets: dict[str, list[dict[str, Any]]] = {}
    for f in files[-MAX_FILES:]:
        rel = os.path.relpath(f["path"], base) if base else f["path"]
        buckets.setdefault(os.path.dirname(rel) or ".", []).append({**f, "name": os.path.basename(rel)})
        states.add(f["state"])
    rows = []
    for bucket, entries in buckets.items():
        rows.append(f'<tr><td colspan="4" style="padding-top:3px;color:#5b6675">bucket <span style="{MONO}">'
                    f'{escape(bucket)}</span></td></tr>')
        for f in entries:
            lines = "–" if f.get("lines") is None else f["lines"]
            rows.append(f'<tr class="flowlab-part-file" data-state="{escape(f["state"])}" '
                        f'data-name="{escape(f["name"])}"><td style="{MONO};padding-left:12px;{WRAP}" '
                        f'title="{escape(f["path"])}">{escape(f["name"])}</td><td>{_pill(f["state"])}</td>'
                        f'<td style="text-align:right">{f.get("bytes", 0)} B</td>'
                        f'<td style="text-align:right">{lines} line(s)</td></tr>')
    visible = [f for f in files if f["state"] == "finished"]
    seen = sum(f.get("lines") or 0 for f in visible)
    more = len(files) - MAX_FILES
    tail = f'<div style="color:#8a94a3">… and {more} more file(s)</div>' if more > 0 else ""
    table = (f'<table style="border-collapse:separate;border-spacing:8px 1px;font-size:11.5px">{"".join(rows)}</table>'
             if rows else '<div style="color:#8a94a3">no part file yet</div>')
    return (f'<div class="flowlab-file-sink" data-operator="{escape(sink.get("operator", ""))}" '
            f'style="border:1px solid #d5dce6;border-radius:8px;padding:6px 8px;margin:0 0 8px 0">'
            f'<div style="{WRAP}"><b>{escape(sink.get("name", ""))}</b> <span style="color:#5b6675">→ '
            f'<span style="{MONO}">{escape(base)}</span></span></div>{table}{tail}'
            f'<div class="flowlab-file-readers" style="color:#5b6675">A reader sees {len(visible)} finished '
            f'file(s), {seen} line(s).</div></div>')


def render_file_sinks(snapshot: dict[str, Any]) -> str:
    """Every FileSink of the job with its part files by bucket."""
    sinks = snapshot.get("file_sinks") or []
    if not sinks:
        return (f'<div class="flowlab-file-sinks" style="{FONT};color:#5b6675">The job has no FileSink (or it has '
                'not opened yet).</div>')
    states: set[str] = set()
    body = "".join(_sink(s, states) for s in sinks)
    legend = "".join(f'<span class="flowlab-file-legend-item" data-state="{s}" style="margin-right:12px">'
                     f'{_pill(s)} {escape(STATES[s][2].split(": ", 1)[1])}</span>' for s in STATES if s in states)
    return (f'<div class="flowlab-file-sinks" style="{FONT}"><div style="font-size:11px;color:#5b6675;margin:2px 0 4px">'
            f'{legend}</div>{body}</div>')
