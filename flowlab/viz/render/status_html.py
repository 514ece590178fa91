"""The status line: step, virtual time, job status, total records, and what the last step did."""
from __future__ import annotations

from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.events_html import last_step_events, operator_names, render_last_events
from flowlab.viz.render.svg import FONT_FAMILY, esc, ms


def records_total(snapshot: dict[str, Any]) -> int:
    """Records received so far: ``records_in`` summed over every subtask of every task."""
    return sum(int(st.get("records_in") or 0)
               for v in snapshot.get("vertices") or () for st in v.get("subtasks") or ())


def records_emitted(snapshot: dict[str, Any]) -> int:
    """Records the sources emitted so far (``records_out`` of every source operator subtask)."""
    return sum(int(st.get("records_out") or 0) for o in snapshot.get("operators") or () if o.get("kind") == "source"
               for st in o.get("subtasks") or ())


def render_progress(text: str, running: bool) -> str:
    """The long-run line next to Stop: progress while running (class ``flowlab-progress``), else how it ended."""
    if not text:
        return ""
    colour = pal.INK if running else pal.INK_SOFT
    spinner = "⏳ " if running else ""
    return (f'<span class="flowlab-progress" data-running="{"1" if running else "0"}" style="font-family:'
            f'{esc(FONT_FAMILY)};font-size:12px;color:{colour}">{spinner}{esc(text)}</span>')


def render_status(snapshot: dict[str, Any]) -> str:
    """A compact HTML status line for ``snapshot`` (step count, time in ms, job status, records, events)."""
    job = snapshot.get("job") or {}
    status = str(job.get("status") or "UNKNOWN")
    fill = pal.job_fill(status)
    ink = "#ffffff" if status in ("RUNNING", "FAILED") else pal.INK
    label = f'style="color:{pal.INK_FAINT}"'
    parts = [
        f'<span><span {label}>step</span> '
        f'<b><span class="flowlab-step-count">{int(snapshot.get("step", 0))}</span></b></span>',
        f'<span><span {label}>virtual time</span> <b>t = <span class="flowlab-time-ms">'
        f'{ms(snapshot.get("now_ms"))}</span> ms</b></span>',
        f'<span title="records the sources emitted (their numRecordsOut)"><span {label}>emitted by sources</span> '
        f'<b><span class="flowlab-records-emitted">{records_emitted(snapshot)}</span></b></span>',
        f'<span title="records every task received from another task (numRecordsIn; a source task receives '
        f'none)"><span {label}>records in (all tasks)</span> '
        f'<b><span class="flowlab-records-total">{records_total(snapshot)}</span></b></span>',
        f'<span><span {label}>job</span> '
        f'<span class="flowlab-job-status" style="background:{fill};color:{ink};'
        f'border-radius:9px;padding:1px 8px;font-size:11px;font-weight:600;letter-spacing:0.3px">'
        f'{esc(status)}</span></span>',
    ]
    if snapshot.get("done"):
        parts.append(f'<span class="flowlab-done" style="color:{pal.INK_SOFT}">'
                     f'✓ done — nothing left to step</span>')
    if job.get("failure"):
        parts.append(f'<span class="flowlab-failure" style="color:{pal.STATE_FILL["FAILED"]}">'
                     f'{esc(job["failure"])}</span>')
    last = render_last_events(last_step_events(snapshot.get("last_events") or []), limit=4,
                              names=operator_names(snapshot))
    return (f'<div class="flowlab-status" style="font-family:{esc(FONT_FAMILY)};font-size:12.5px;'
            f'color:{pal.INK};line-height:1.6">'
            f'<div style="display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 18px">'
            f'{"".join(parts)}</div>'
            f'<div style="display:flex;gap:8px;font-size:11.5px"><span {label}>last step:</span>'
            f'{last}'
            f'</div></div>')
