"""What each window holds or held, as an HTML table: per key and window its state (open, fired, cleaned
up), its elements, and at each firing the contents (or aggregate) it emitted from. The window view's
spans show the same on hover; this table keeps it readable after the windows are gone."""
from __future__ import annotations

from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.svg import FONT_FAMILY, MONO_FAMILY, esc
from flowlab.viz.render.watermark_html import wm_text
from flowlab.viz.render.window_svg import held

ROWS_SHOWN = 40          # the most recent windows listed


def _state(w: dict[str, Any]) -> str:
    fires = len(w.get("fires") or [])
    fired = "" if not fires else "fired" if fires == 1 else f"fired {fires}×"
    if w["closed"]:
        return f"{fired}, cleaned up" if fired else "cleaned up, never fired"
    return f"{fired}, open for late data" if fired else "open"


def _firings(w: dict[str, Any]) -> str:
    parts = []
    for f in w.get("fires") or []:
        what = f.get("aggregate") if f.get("aggregate") is not None else ", ".join(f.get("contents") or [])
        parts.append(f"t = {f['time_ms']:g} ms, wm {wm_text(f['watermark'])}" + (f": {what}" if what else ""))
    return "<br>".join(esc(x) for x in parts) or f'<span style="color:{pal.INK_FAINT}">–</span>'


def render_window_contents(snapshot: dict[str, Any], operator: str | None = None) -> str:
    """HTML table of the windows of one window operator (default: the first): key, window, state, elements,
    what it holds now or held at its last firing, and every firing with what it fired with."""
    ops = (snapshot.get("event_time") or {}).get("windows") or []
    if ops:
        op = operator or ops[0]["operator"]
        ops = [o for o in ops if op in (o["operator"], o["name"])]
    rows = []
    for o in ops:
        for w in o["closed"]:
            rows.append((o, {**w, "closed": True}))
        for w in o["windows"]:
            rows.append((o, {**w, "closed": False}))
    style = f"font-family:{esc(FONT_FAMILY)};font-size:12.5px;color:{pal.INK};line-height:1.45"
    head = (f'<div style="font-weight:600;margin:6px 0 2px">Window contents '
            f'<span style="font-weight:400;color:{pal.INK_SOFT}">— what each window holds, or held when it fired '
            f'(a reduce or aggregate keeps only its running result)</span></div>')
    if not rows:
        return (f'<div class="flowlab-window-contents" style="{style}">{head}<div style="color:{pal.INK_FAINT}">'
                f'No window yet.</div></div>')
    more = len(rows) - ROWS_SHOWN
    rows = rows[-ROWS_SHOWN:]
    cols = ("subtask", "key", "window", "state", "elements", "holds / held", "firings (with)")
    th = "".join(f'<th style="text-align:left;color:{pal.INK_FAINT};font-size:11px;font-weight:600;'
                 f'padding:2px 10px 2px 0">{esc(c)}</th>' for c in cols)
    body = []
    mono = f"font-family:{esc(MONO_FAMILY)};"
    for o, w in rows:
        late = f" ({w['late_accepted']} late)" if w.get("late_accepted") else ""
        cells = (f"{esc(o['vertex'])}[{o['subtask']}]", esc(repr(w["key"])), esc(w["window"]), esc(_state(w)),
                 f"{w.get('elements', 0)}{late}", esc(held(w)) or "–", _firings(w))
        body.append(f'<tr class="flowlab-window-row" data-key="{esc(w["key"])}" data-window="{esc(w["window"])}">'
                    + "".join(f'<td style="padding:2px 10px 2px 0;vertical-align:top;{mono if k in (1, 5) else ""}'
                              f'{"white-space:nowrap" if k in (0, 1, 2, 3, 4) else ""}">{c}</td>'
                              for k, c in enumerate(cells)) + "</tr>")
    note = (f'<div style="color:{pal.INK_FAINT}">… and {more} earlier window(s)</div>' if more > 0 else "")
    return (f'<div class="flowlab-window-contents" style="{style}">{head}{note}<table style="border-collapse:'
            f'collapse;font-size:12.5px"><tr>{th}</tr>{"".join(body)}</table></div>')
