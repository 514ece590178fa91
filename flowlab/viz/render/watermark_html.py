"""Watermarks per subtask and input channel, as HTML: the combined minimum, idle channels, and the channel
holding the watermark back ("why is my watermark stuck?"). Reads ``snapshot["event_time"]`` only."""
from __future__ import annotations

from typing import Any

from flowlab.trace.timefmt import LONG_MAX, LONG_MIN, event_time_text
from flowlab.viz.render import palette as pal
from flowlab.viz.render.svg import FONT_FAMILY, MONO_FAMILY, esc

HOLD = "#c2410c"
HOLD_ROW = "#fdebdf"
IDLE = "#8a94a3"
IDLE_ROW = "#f1f3f6"
BAR = "#4a86c5"


def wm_text(ts: int | float | None) -> str:
    """A watermark or event time with its unit: ``Long.MIN_VALUE``, ``Long.MAX_VALUE`` or ``<n> ms``."""
    return event_time_text(ts, none="–")


def _span(value: int, lo: int, hi: int) -> float:
    """Bar length in [0, 1] for a watermark between lo and hi (MIN = empty, MAX = full)."""
    if value == LONG_MIN:
        return 0.0
    if value == LONG_MAX or hi <= lo:
        return 1.0
    return max(0.02, min(1.0, (value - lo) / (hi - lo)))


def _pill(text: str, fill: str, ink: str = "#ffffff", cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return (f'<span{c} style="background:{fill};color:{ink};border-radius:8px;padding:0 7px;font-size:11px;'
            f'font-weight:600;white-space:nowrap">{esc(text)}</span>')


def generator_summary(gen: dict[str, Any]) -> str:
    """One line about a watermark generator: partitions, last event time, idle/finished/quiet."""
    parts = []
    splits = gen.get("splits") or []
    if gen.get("kind") == "source":
        parts.append("partition " + ", ".join(str(s["split"]) for s in splits) if splits else "source")
    else:
        parts.append("timestamp assigner")
    if not gen.get("strategy", True):
        parts.append("no watermark strategy")
    if gen.get("max_timestamp") is not None:
        parts.append(f"max event time {wm_text(gen['max_timestamp'])}")
    for s in splits:
        if s.get("last_timestamp") is not None:
            parts.append(f"p{s['split']} last event {wm_text(s['last_timestamp'])}")
        if s.get("next_arrival_ms") is None:
            parts.append(f"p{s['split']} has no more data")
    if gen.get("finished"):
        parts.append("finished")
    elif gen.get("idle"):
        parts.append("IDLE")
    return ", ".join(parts)


def render_watermarks(snapshot: dict[str, Any]) -> str:
    """HTML: watermark generators (sources/assigners), then per subtask every input channel's watermark."""
    et = snapshot.get("event_time") or {}
    subtasks = et.get("subtasks") or []
    gens = et.get("generators") or []
    style = (f'font-family:{esc(FONT_FAMILY)};font-size:12.5px;color:{pal.INK};line-height:1.45')
    out = [f'<div class="flowlab-watermarks" style="{style}">']
    out.append(f'<div style="color:{pal.INK_SOFT};font-size:11.5px;margin-bottom:4px">All times are event-time '
               'milliseconds (ms). An operator\'s watermark is the minimum over its active input channels; '
               'idle channels are left out.</div>')
    if not subtasks:
        out.append(f'<div style="color:{pal.INK_FAINT}">No subtasks yet.</div></div>')
        return "".join(out)
    finite = [c["watermark"] for s in subtasks for i in s["inputs"] for c in i["channels"]
              if c["watermark"] not in (LONG_MIN, LONG_MAX)]
    finite += [g["watermark"] for g in gens if g["watermark"] not in (LONG_MIN, LONG_MAX)]
    lo, hi = (min(finite), max(finite)) if finite else (0, 0)
    if gens:
        out.append(_generators_table(gens))
    gen_at = {f"{g['vertex']}[{g['subtask']}]": g for g in gens}
    for s in subtasks:
        if s["inputs"]:
            out.append(_subtask_card(s, lo, hi, gen_at))
    out.append("</div>")
    return "".join(out)


def _th(text: str) -> str:
    return (f'<th style="text-align:left;font-weight:600;color:{pal.INK_FAINT};font-size:11px;'
            f'padding:2px 10px 2px 0">{esc(text)}</th>')


def _td(text: str, mono: bool = False, extra: str = "") -> str:
    font = f"font-family:{esc(MONO_FAMILY)};" if mono else ""
    return f'<td style="{font}padding:2px 10px 2px 0;{extra}">{text}</td>'


def _generators_table(gens: list[dict[str, Any]]) -> str:
    rows = []
    for g in gens:
        if g.get("finished"):
            status = _pill("finished", pal.STATE_FILL["FINISHED"])
        elif g.get("idle"):
            status = _pill("IDLE", IDLE, cls="flowlab-wm-idle")
        elif not g.get("strategy", True):
            status = _pill("no watermarks", HOLD)
        else:
            status = _pill("active", pal.STATE_FILL["RUNNING"])
        rows.append("<tr>" + _td(esc(f"{g['vertex']}[{g['subtask']}]"), mono=True) + _td(esc(g["name"]))
                    + _td(esc(wm_text(g["watermark"])), mono=True) + _td(status)
                    + _td(esc(generator_summary(g)), extra=f"color:{pal.INK_SOFT}") + "</tr>")
    return (f'<div style="font-weight:600;margin:4px 0 2px">Watermark generators</div>'
            f'<table class="flowlab-wm-generators" style="border-collapse:collapse;font-size:12.5px;margin-bottom:8px">'
            f'<tr>{_th("subtask")}{_th("operator")}{_th("emits watermark")}{_th("status")}{_th("input")}</tr>'
            f'{"".join(rows)}</table>')


def holding_channels(inp: dict[str, Any]) -> set[str]:
    """The channels that really hold this input's watermark back: active (not idle), at the minimum, and
    below another active channel. None on the only active channel, nor when all are equal (e.g. every channel
    at Long.MAX_VALUE once the job finished): nothing is held back then."""
    if inp.get("idle"):
        return set()
    active = [c for c in inp["channels"] if not c["idle"]]
    if len(active) < 2:
        return set()
    low = min(c["watermark"] for c in active)
    if low == LONG_MAX or all(c["watermark"] == low for c in active):
        return set()
    return {c["from"] for c in active if c["watermark"] == low}


def _subtask_card(s: dict[str, Any], lo: int, hi: int, gen_at: dict[str, dict[str, Any]]) -> str:
    where = f"{s['vertex']}[{s['subtask']}]"
    op_wm = s["operators"][0]["watermark"] if s.get("operators") else None
    name = s.get("name") or (s["operators"][0]["name"] if s.get("operators") else "")
    parts = [f'<div class="flowlab-wm-subtask" data-subtask="{esc(where)}" style="border:1px solid '
             f'{pal.FRAME_STROKE};border-radius:6px;padding:5px 8px;margin:6px 0;background:{pal.BOX_FILL}">',
             f'<div><b style="font-family:{esc(MONO_FAMILY)}">{esc(where)}</b> <span style="color:{pal.INK_SOFT}">'
             f'{esc(name)}</span> — watermark <b class="flowlab-wm-value">{esc(wm_text(op_wm))}</b></div>']
    for inp in s["inputs"]:
        held = holding_channels(inp)
        label = f"input {inp['input']}: " if len(s["inputs"]) > 1 else ""
        verdict = (_pill("all inputs idle", IDLE, cls="flowlab-wm-idle") if inp["idle"] else
                   f'{label}combined = min over active channels = <b class="flowlab-wm-combined">'
                   f'{esc(wm_text(inp["combined"]))}</b>')
        parts.append(f'<div style="margin:2px 0">{verdict}</div>')
        rows = []
        for c in inp["channels"]:
            is_held = c["from"] in held
            bg = HOLD_ROW if is_held else IDLE_ROW if c["idle"] else "transparent"
            if c["idle"]:
                status = _pill("IDLE — left out", IDLE, cls="flowlab-wm-idle")
            elif not c.get("aligned", True):
                status = _pill("catching up", "#e9a25f")
            elif c.get("finished"):
                status = _pill("finished", pal.STATE_FILL["FINISHED"])
            else:
                status = _pill("active", pal.STATE_FILL["RUNNING"])
            note = ""
            if is_held:
                note = f'<span class="flowlab-wm-holding" style="color:{HOLD};font-weight:600">◀ holding the ' \
                       f'watermark back</span>'
                gen = gen_at.get(c["from"])
                if gen is not None:
                    note += f'<br><span style="color:{pal.INK_SOFT}">{esc(generator_summary(gen))}</span>'
            width = round(120 * _span(c["watermark"], lo, hi))
            bar = (f'<span style="display:inline-block;width:120px;height:8px;background:{pal.FRAME_FILL};'
                   f'border:1px solid {pal.FRAME_STROKE};vertical-align:middle"><span style="display:block;'
                   f'width:{width}px;height:8px;background:{HOLD if is_held else IDLE if c["idle"] else BAR}">'
                   f'</span></span>')
            rows.append(f'<tr style="background:{bg}">' + _td(esc(c["from"]), mono=True)
                        + _td(f'<span class="flowlab-wm-channel">{esc(wm_text(c["watermark"]))}</span>', mono=True)
                        + _td(bar) + _td(status) + _td(note) + "</tr>")
        parts.append(f'<table style="border-collapse:collapse;font-size:12.5px"><tr>{_th("channel from")}{_th("watermark")}'
                     f'{_th("")}{_th("status")}{_th("")}</tr>{"".join(rows)}</table>')
    parts.append("</div>")
    return "".join(parts)
