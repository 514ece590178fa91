"""The recovery timeline's text (flowlab extension): the restart and failover strategies, one row per restart —
what failed and why, the failover region, the restart delay, when the tasks ran again, the checkpoint restored,
the gap in each sink's output — and the records replayed per source. A pure function of the model in
``flowlab.viz.recovery_timeline``."""
from __future__ import annotations

from html import escape
from typing import Any

from flowlab.viz.render.recovery_svg import short_ms
from flowlab.viz.render.svg import ms, truncate

FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px;color:#1f2933"
TABLE = "border-collapse:separate;border-spacing:8px 2px;font-size:11.5px"
WRAP = "overflow-wrap:break-word;word-break:normal;max-width:260px"
CAUSE_CHARS = 90


def _strategies(model: dict[str, Any]) -> str:
    if not model["section"]:
        return ""
    tip = f' title="{escape(str(model["restart_description"]))}"' if model.get("restart_description") else ""
    return (f'restart strategy <b class="flowlab-rt-strategy"{tip}>{escape(str(model["restart_strategy"]))}</b> · '
            f'failover strategy <b>{escape(str(model["failover_strategy"]))}</b>')


def _ms(value: Any) -> str:
    return "–" if value is None else f"{ms(value)} ms"


def render_recovery_summary(model: dict[str, Any]) -> str:
    """A line with the strategies and totals, and the restarts table (or "No failures yet")."""
    restarts = model["restarts"]
    if not restarts and not model["failures"]:
        setup = _strategies(model)
        return (f'<div class="flowlab-rt-summary flowlab-rt-empty" style="{FONT};color:#5b6675">No failures yet'
                + (f" · {setup}" if setup else "") + ". Script one with <code>sim.fail(vertex, subtask, at_ms)</code> "
                "or <code>sim.kill_taskmanager(tm, at_ms)</code>.</div>")
    facts = [f for f in (_strategies(model), f"{len(restarts)} restart(s)" if restarts else "no restart") if f]
    replayed = model["replayed"]
    if replayed:
        facts.append("replayed: " + ", ".join(f"{escape(str(k))} {v} record(s)" for k, v in sorted(replayed.items())))
    end = ""
    if model["gave_up"] is not None or (model["job_status"] == "FAILED" and model["job_failure"]):
        text = model["job_failure"] or model["gave_up"].get("detail") or "the job failed"
        end = (f'<div class="flowlab-rt-gave-up" style="color:#b91c1c;{WRAP};max-width:100%">Gave up: '
               f'{escape(truncate(str(text).splitlines()[0], 240))}</div>')
    head = ("<tr style='color:#8a94a3;text-align:left'><th>#</th><th>failed at</th><th>what failed</th><th>cause</th>"
            "<th>region restarted</th><th>restart at</th><th>running again</th><th>restored</th>"
            "<th>gap in sink output</th></tr>")
    rows = []
    for r in restarts:
        what = (escape(str(r["failed_task"])) if r.get("failed_task") else
                f'TaskManager {escape(str(r["taskmanager"]))}' if r.get("taskmanager") else "–")
        cause = str(r.get("cause") or "")
        backoff = f'; delay {ms(r["delay_ms"])} ms' if r.get("delay_ms") is not None else ""
        delay = (f' <span style="color:#8a94a3">(+{ms(r["restart_at_ms"] - r["failed_at_ms"])} ms{backoff})</span>'
                 if r.get("restart_at_ms") is not None and r.get("failed_at_ms") is not None else "")
        running = (_ms(r.get("running_at_ms")) if r.get("running_at_ms") is not None or r.get("restart_at_ms") is None
                   else "not yet")
        ck = r.get("restored_checkpoint")
        restored = ("from scratch" if ck is None else f"checkpoint {ck}"
                    + (f' <span style="color:#8a94a3">(triggered at {ms(r["restore_ms"])} ms)</span>'
                       if r.get("restore_ms") is not None else ""))
        gaps = "; ".join(f'{escape(v)}[{i}] {short_ms((g["end_us"] - g["start_us"]) / 1000)} ms'
                         + (" so far" if g["open"] else "") for (v, i), g in sorted(r["gaps"].items()))
        region = ", ".join(map(str, r.get("region") or ()))
        rows.append(f'<tr class="flowlab-rt-row" data-restart="{r["number"]}" style="vertical-align:top">'
                    f'<td>{r["number"]}</td><td>{_ms(r.get("failed_at_ms"))}</td><td style="{WRAP}">{what}</td>'
                    f'<td style="{WRAP}" title="{escape(cause)}">{escape(truncate(cause, CAUSE_CHARS))}</td>'
                    f'<td style="{WRAP}">{escape(region)}</td><td>{_ms(r.get("restart_at_ms"))}{delay}</td>'
                    f'<td>{running}</td><td>{restored}</td><td>{gaps or "–"}</td></tr>')
    table = f'<table style="{TABLE}">{head}{"".join(rows)}</table>' if rows else ""
    return f'<div class="flowlab-rt-summary" style="{FONT}"><div>{" · ".join(facts)}</div>{end}{table}</div>'
