"""Trace events as HTML: the event-log table and the short list of the last step's events."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flowlab.trace import EventKind
from flowlab.viz.render import palette as pal
from flowlab.viz.render.svg import FONT_FAMILY, MONO_FAMILY, esc, ms, truncate

_DATA = frozenset({EventKind.SOURCE_EMIT, EventKind.PROCESS, EventKind.BUFFER_SENT,
                   EventKind.BUFFER_DELIVERED, EventKind.CREDIT, EventKind.SINK})
_TIME = frozenset({EventKind.WATERMARK, EventKind.TIMER, EventKind.WINDOW_FIRE, EventKind.LATE_RECORD})
_KIND_COLOUR = (("failure", "#d64545"), ("cluster", "#7a5cc0"), ("time", "#2f7fc1"), ("data", "#2f9e6e"))
DETAIL_CHARS = 90


def event_dict(event: Any) -> dict[str, Any]:
    """A trace event as a plain dict (``TraceEvent.to_dict()``; dicts pass through)."""
    return dict(event) if isinstance(event, Mapping) else event.to_dict()


def kind_colour(kind: str) -> str:
    """Colour of an event kind by family: data, time, cluster lifecycle, failures."""
    family = ("failure" if kind == EventKind.TASK_FAILED or "fail" in kind else
              "cluster" if kind in EventKind.CLUSTER else
              "time" if kind in _TIME else "data" if kind in _DATA else "")
    return dict(_KIND_COLOUR).get(family, pal.INK_FAINT)


def operator_names(snapshot: Mapping[str, Any]) -> dict[str, str]:
    """Operator id -> name, from a snapshot's ``operators``."""
    return {o["id"]: o.get("name", o["id"]) for o in snapshot.get("operators") or ()}


def where(event: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """``vertex[subtask]`` and the operator (by name when ``names`` knows its id), if the event names one."""
    vertex, subtask, op = event.get("vertex"), event.get("subtask"), event.get("operator")
    text = "" if vertex is None else str(vertex) if subtask is None else f"{vertex}[{subtask}]"
    if op:
        op = (names or {}).get(op, op)
        return f"{text} · {op}" if text else str(op)
    return text


def last_step_events(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events of the latest step among ``events`` (a multi-step batch keeps only its last step)."""
    if not events:
        return []
    last = max(int(e.get("step") or 0) for e in events)
    return [e for e in events if int(e.get("step") or 0) == last]


def _kind(kind: str) -> str:
    return (f'<code style="font-family:{esc(MONO_FAMILY)};font-size:11px;color:{kind_colour(kind)};'
            f'font-weight:600">{esc(kind)}</code>')


def render_last_events(events: Sequence[Mapping[str, Any]], limit: int = 5,
                       names: Mapping[str, str] | None = None) -> str:
    """Events as a short inline list (kind, where, detail); ``names`` maps operator ids to names."""
    if not events:
        return f'<span style="color:{pal.INK_FAINT}">no events in this step</span>'
    items = [f'<li style="margin:0">{_kind(str(e.get("kind", "")))} <span style="color:{pal.INK_SOFT}">'
             f'{esc(where(e, names))}</span> {esc(truncate(str(e.get("detail", "")), DETAIL_CHARS))}</li>'
             for e in events[:limit]]
    more = (f'<li style="margin:0;color:{pal.INK_FAINT}">… and {len(events) - limit} more</li>'
            if len(events) > limit else "")
    return (f'<ul class="flowlab-last-events" style="margin:2px 0 0;padding-left:18px">'
            f'{"".join(items)}{more}</ul>')


def render_event_log(events: Iterable[Mapping[str, Any]], limit: int = 12,
                     names: Mapping[str, str] | None = None) -> str:
    """The most recent ``limit`` events as a small table: step, t (ms), kind, where, detail.

    ``names`` maps operator ids to display names (see ``operator_names``)."""
    rows = list(events)[-limit:] if limit else []
    steps = [int(e.get("step") or 0) for e in rows]
    span = ("" if not steps else f" — step {steps[0]}" if steps[0] == steps[-1]
            else f" — steps {steps[0]}–{steps[-1]}")
    th = f'style="text-align:left;padding:2px 8px;color:{pal.INK_FAINT};font-weight:600"'
    head = "".join(f"<th {th}>{h}</th>" for h in ("step", "t (ms)", "kind", "where", "detail"))
    last_step = rows[-1].get("step") if rows else None
    body = []
    for e in rows:
        bg = "#f2f7fc" if e.get("step") == last_step else "transparent"
        td = 'style="padding:1px 8px;white-space:nowrap"'
        body.append(f'<tr style="background:{bg}"><td {td}>{esc(e.get("step", ""))}</td>'
                    f'<td {td}>{esc(ms(_time_ms(e)))}</td><td {td}>{_kind(str(e.get("kind", "")))}</td>'
                    f'<td {td}>{esc(where(e, names))}</td><td style="padding:1px 8px">'
                    f'{esc(truncate(str(e.get("detail", "")), DETAIL_CHARS))}</td></tr>')
    if not body:
        body.append(f'<tr><td colspan="5" style="padding:2px 8px;color:{pal.INK_FAINT}">'
                    f'no events yet</td></tr>')
    return (f'<div class="flowlab-event-log" style="font-family:{esc(FONT_FAMILY)};font-size:11.5px;'
            f'line-height:1.45;color:{pal.INK}"><div style="font-weight:600;margin:2px 0">Recent events{span}</div>'
            f'<table style="border-collapse:collapse;width:100%;font-size:11.5px">'
            f'<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _time_ms(event: Mapping[str, Any]) -> float:
    if event.get("time_ms") is not None:
        return float(event["time_ms"])
    return int(event.get("time_us") or 0) / 1000
