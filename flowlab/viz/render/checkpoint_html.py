"""The barrier view's text parts (flowlab extension), from ``snapshot["checkpoints"]``: a summary line, the legend,
the checkpoint history as Flink's Web UI lists it, the subtasks' phases and the channels holding barriers.
Pure functions: snapshot in, HTML string out."""
from __future__ import annotations

from html import escape
from typing import Any

from flowlab.viz.render.checkpoint_svg import BARRIER, BLOCKED, CHANNEL_STATE, PHASE_INK, PHASE_TINT, PHASES
from flowlab.viz.render.svg import ms

FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px;color:#1f2933"
TABLE = "border-collapse:separate;border-spacing:8px 1px;font-size:11.5px"
HEAD = "color:#8a94a3;text-align:right"
STATUS_INK = {"COMPLETED": "#166534", "IN_PROGRESS": "#1e40af", "FAILED": "#b91c1c"}
MAX_CHANNEL_ROWS = 32


def _ck(snapshot: dict[str, Any]) -> dict[str, Any]:
    return snapshot.get("checkpoints") or {}


def kind_of(row: dict[str, Any] | None, ck: dict[str, Any]) -> str:
    """"aligned", "unaligned" or "at-least-once": how a checkpoint was taken (or is set up to be)."""
    if ck.get("mode") == "AT_LEAST_ONCE":
        return "at-least-once"
    if (row or {}).get("unaligned") or (ck.get("unaligned") and not ck.get("aligned_timeout_ms")):
        return "unaligned"
    return "aligned"


def size(n: int | None) -> str:
    """Bytes as Flink's Web UI shows them: 114 B, 3.89 KB, 1.20 MB."""
    if n is None:
        return "–"
    n = int(n)
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.2f} KB"
    return f"{n / 1024 / 1024:.2f} MB"


def _pill(phase: str) -> str:
    return (f'<span class="flowlab-phase" data-phase="{escape(phase)}" style="background:{PHASE_TINT[phase]};'
            f'color:{PHASE_INK[phase]};font-weight:600;padding:0 6px;border-radius:8px">{escape(phase)}</span>')


def render_checkpoint_summary(snapshot: dict[str, Any]) -> str:
    """One line: the checkpointing setup, the focus checkpoint and what its barriers are doing now."""
    ck = _ck(snapshot)
    if not ck.get("enabled"):
        return (f'<div class="flowlab-ck-summary" style="{FONT};color:#5b6675">Checkpointing is off: '
                'call <code>env.enable_checkpointing(interval)</code> before building the Simulation.</div>')
    focus = ck.get("focus")
    setup = (f'{escape(str(ck.get("mode")))}, {kind_of(None, ck)}'
             + (f' (aligned first, unaligned after {ck["aligned_timeout_ms"]:g} ms)'
                if ck.get("unaligned") and ck.get("aligned_timeout_ms") else "")
             + f', every {ck.get("interval_ms")} ms, storage {escape(str(ck.get("storage")))}')
    if focus is None:
        return (f'<div class="flowlab-ck-summary" style="{FONT}"><b>Checkpoints</b> — {setup}. '
                f'None triggered yet (the first one {ck.get("interval_ms")} ms after the job started running).</div>')
    rows = {r["id"]: r for r in (ck.get("history") or []) + (ck.get("pending") or [])}
    row = rows.get(focus) or {}
    status = row.get("status", "")
    barriers = sum(1 for c in ck.get("channels") or () for b in c.get("barriers") or () if b["id"] == focus)
    blocked = sum(1 for c in ck.get("channels") or () if c.get("blocked"))
    phases = [s.get("phase") for s in ck.get("subtasks") or ()]
    counts = ", ".join(f"{phases.count(p)} {p}" for p in PHASES if phases.count(p))
    live = (f' · barrier {focus} in {barriers} channel(s)' if barriers else "") + \
        (f' · <span style="color:{BLOCKED}">{blocked} channel(s) blocked for alignment</span>' if blocked else "")
    return (f'<div class="flowlab-ck-summary" data-focus="{focus}" data-status="{escape(status)}" style="{FONT}">'
            f'<b>Checkpoint {focus}</b> <span style="color:{STATUS_INK.get(status, "#333")};font-weight:600">'
            f'{escape(status)}</span> — {setup} · {row.get("acknowledged", 0)} of {row.get("subtasks", 0)} '
            f'subtasks acknowledged · subtasks: {counts}{live}</div>')


def render_checkpoint_legend() -> str:
    """What the colours and marks of the barrier picture mean."""
    swatch = "display:inline-block;width:14px;height:10px;border-radius:2px;margin:0 3px -1px 10px"
    phases = "".join(f'<span style="{swatch};background:{PHASE_TINT[p]};border:1px solid #c5cfdb"></span>{p}'
                     for p in PHASES)
    marks = (f'<span style="{swatch};width:4px;background:{BARRIER}"></span>barrier n (records ahead · behind)'
             f'<span style="{swatch};width:18px;border-top:2px dashed {BLOCKED};height:0;border-radius:0"></span>'
             f'blocked for alignment (records waiting behind the barrier)'
             f'<span style="{swatch};background:#ede9fe;border:1px dashed {CHANNEL_STATE}"></span>'
             'channel state (in-flight records an unaligned checkpoint stores)')
    return (f'<div class="flowlab-ck-legend" style="{FONT};font-size:11px;color:#5b6675;margin:2px 0 6px">'
            f'<b>Subtask phase</b>{phases}<br><b>Marks</b>{marks}</div>')


def render_checkpoint_history(snapshot: dict[str, Any]) -> str:
    """Flink's Web UI checkpoint history: newest first, pending ones included."""
    ck = _ck(snapshot)
    if not ck.get("enabled"):
        return ""
    rows = sorted({r["id"]: r for r in (ck.get("history") or []) + (ck.get("pending") or [])}.values(),
                  key=lambda r: -r["id"])
    head = ("<tr style='" + HEAD + "'><th>ID</th><th style='text-align:left'>Status</th><th>Acknowledged</th>"
            "<th>Trigger time</th><th>Latest ack</th><th>End to end</th><th>Checkpointed size</th>"
            "<th title='records stored by unaligned checkpoints (Flink: Processed / Persisted in-flight data)'>"
            "In-flight persisted</th><th title='the longest alignment of any subtask'>Alignment</th>"
            "<th style='text-align:left'>Type</th></tr>")
    body = []
    for r in rows:
        status = r.get("status", "")
        failure = f' title="{escape(str(r["failure"]))}"' if r.get("failure") else ""
        latest = r.get("latest_ack_ms")
        body.append(
            f'<tr class="flowlab-ck-row" data-id="{r["id"]}" data-status="{escape(status)}" style="text-align:right">'
            f'<td>{r["id"]}</td><td style="text-align:left;color:{STATUS_INK.get(status, "#333")};font-weight:600"'
            f'{failure}>{escape(status)}</td><td>{r.get("acknowledged", 0)}/{r.get("subtasks", 0)}</td>'
            f'<td>{ms(r.get("trigger_time_ms"))} ms</td><td>{"–" if latest is None else ms(latest) + " ms"}</td>'
            f'<td>{ms(r.get("duration_ms"))} ms</td><td>{size(r.get("state_size"))}</td>'
            f'<td>{size(r.get("in_flight_persisted"))}</td><td>{ms(r.get("alignment_ms"))} ms</td>'
            f'<td style="text-align:left">{kind_of(r, ck)}</td></tr>')
    if not body:
        body.append('<tr><td colspan="10" style="color:#8a94a3">no checkpoint yet</td></tr>')
    retained = ", ".join(str(n) for n in ck.get("retained") or ()) or "none"
    return (f'<div class="flowlab-ck-history" style="{FONT}"><div style="color:#5b6675">Checkpoint history '
            f'(as in Flink\'s Web UI; times in virtual ms) · retained: {retained}</div>'
            f'<table style="{TABLE}">{head}{"".join(body)}</table></div>')


def render_subtask_phases(snapshot: dict[str, Any]) -> str:
    """Per subtask: its phase in the focus checkpoint, blocked channels, channel state kept so far."""
    ck = _ck(snapshot)
    if not ck.get("enabled") or ck.get("focus") is None:
        return ""
    head = ("<tr style='" + HEAD + "'><th style='text-align:left'>subtask</th><th style='text-align:left'>phase"
            "</th><th style='text-align:left'>blocked channels</th><th>channel state (records)</th>"
            "<th style='text-align:left'>note</th></tr>")
    body = []
    for s in ck.get("subtasks") or ():
        cs = s.get("channel_state") or {}
        stored = sum(n for _, _, n in (cs.get("input") or [])) + sum(n for _, _, n in (cs.get("output") or []))
        note = "waits for its final checkpoint (FLIP-147)" if s.get("waiting_for_final_checkpoint") else ""
        if s.get("state") not in (None, "RUNNING"):
            note = s["state"]
        body.append(
            f'<tr class="flowlab-ck-subtask" data-vertex="{escape(s["vertex"])}" data-subtask="{s["subtask"]}" '
            f'data-phase="{escape(s.get("phase", ""))}" style="text-align:right">'
            f'<td style="text-align:left">{escape(s["vertex"])}[{s["subtask"]}]</td>'
            f'<td style="text-align:left">{_pill(s.get("phase", "not reached"))}</td>'
            f'<td style="text-align:left;color:{BLOCKED}">{escape(", ".join(s.get("blocked_channels") or ()))}</td>'
            f'<td>{stored or ""}</td><td style="text-align:left;color:#5b6675">{escape(note)}</td></tr>')
    return (f'<div class="flowlab-ck-subtasks" style="{FONT}"><div style="color:#5b6675">Subtasks in checkpoint '
            f'{ck["focus"]}</div><table style="{TABLE}">{head}{"".join(body)}</table></div>')


def render_barrier_channels(snapshot: dict[str, Any]) -> str:
    """The channels that hold a barrier or are blocked: where each barrier is and what is ahead of and behind it."""
    ck = _ck(snapshot)
    if not ck.get("enabled"):
        return ""
    rows = []
    for c in ck.get("channels") or ():
        name = f'{escape(c["source"])}[{c["from"]}] → {escape(c["target"])}[{c["to"]}]'
        flags = ", ".join(w for w, on in (("blocked (aligning)", c.get("blocked")),
                                          ("producer stopped", c.get("sender_blocked"))) if on)
        for b in c.get("barriers") or ([None] if flags else []):
            cells = ("<td></td>" * 5 if b is None else
                     f'<td>{b["id"]}</td><td style="text-align:left">{escape(b.get("where", ""))}</td>'
                     f'<td>{b.get("records_ahead", 0)} rec · {b.get("buffers_ahead", 0)} buf</td>'
                     f'<td>{b.get("records_behind", 0)} rec · {b.get("buffers_behind", 0)} buf</td>'
                     f'<td style="text-align:left">{escape(str(b.get("alignment", "")).lower())}</td>')
            rows.append(f'<tr class="flowlab-ck-channel" data-edge="{c["edge"]}" data-from="{c["from"]}" '
                        f'data-to="{c["to"]}" style="text-align:right"><td style="text-align:left">{name}</td>'
                        f'{cells}<td>{c.get("records", 0)}</td>'
                        f'<td style="text-align:left;color:{BLOCKED}">{escape(flags)}</td></tr>')
    if not rows:
        return (f'<div class="flowlab-ck-channels" style="{FONT};color:#5b6675">No barrier is in a channel and no '
                'channel is blocked.</div>')
    more = len(rows) - MAX_CHANNEL_ROWS
    head = ("<tr style='" + HEAD + "'><th style='text-align:left'>channel</th><th>barrier</th>"
            "<th style='text-align:left'>at the</th><th>ahead of it</th><th>behind it</th>"
            "<th style='text-align:left'>alignment</th><th>records in channel</th><th></th></tr>")
    tail = f'<div style="color:#8a94a3">… and {more} more</div>' if more > 0 else ""
    return (f'<div class="flowlab-ck-channels" style="{FONT}"><div style="color:#5b6675">Channels with a barrier or '
            f'blocked (ahead = nearer the receiver)</div><table style="{TABLE}">{head}'
            f'{"".join(rows[:MAX_CHANNEL_ROWS])}</table>{tail}</div>')
