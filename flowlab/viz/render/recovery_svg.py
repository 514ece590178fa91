"""The recovery timeline's picture (flowlab extension): virtual time left to right, one lane per subtask with its
states (running per attempt, deploying, waiting to be restarted), its failures, the records it emitted (replays
in purple) and delivered to a sink (the gap in that output around a restart), the checkpoints on top with the
one each restart restored from, and each restart's phases. A pure function of the model in
``flowlab.viz.recovery_timeline``."""
from __future__ import annotations

import bisect
import math
from typing import Any

from flowlab.viz.render import palette as pal
from flowlab.viz.render.layout import display_name
from flowlab.viz.render.svg import FONT_FAMILY, esc, ms, num, text_width, wrap

WIDTH = 940
LABEL_W = 200
RIGHT = 18
LANE_H = 26
BAR_Y, BAR_H = 3, 11            # the state bar inside a lane
TICK_Y, TICK_H = 16, 6          # the record ticks under it
BIN = 2.0                       # px per tick bin
NAME_SIZE = 10.5
FAIL = "#d64545"
WAIT_FAILED = ("#fde2e2", FAIL)
WAIT_CANCELED = ("#fdebd3", "#d97706")
EMIT = "#64748b"
REPLAY = "#7c3aed"
SINK = "#2563eb"
CHECKPOINT = "#1d4ed8"
GAP = "#b91c1c"
RESTORING = "#3b82f6"
DRAWN_STATES = ("SCHEDULED", "DEPLOYING", "INITIALIZING", "RUNNING", "CANCELING", "FINISHED")


def short_ms(value: float) -> str:
    """A duration for a label: whole ms from 10 ms on, one decimal below (the exact value is on hover)."""
    return f"{value:.0f}" if value >= 10 else ms(round(value, 1))


def _scale(model: dict[str, Any]) -> tuple[float, Any]:
    end_ms = max([model["now_us"] / 1000, 1.0] + [float(r.get("running_at_ms") or 0) for r in model["restarts"]])
    plot = WIDTH - LABEL_W - RIGHT
    return end_ms, lambda t_ms: LABEL_W + max(0.0, min(float(t_ms), end_ms)) / end_ms * plot


def _nice_step(span: float, target: int = 8) -> float:
    raw = span / target
    base = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * base for m in (1, 2, 5, 10) if m * base >= raw)


def _span_tip(lane: dict[str, Any], s: dict[str, Any]) -> str:
    where = f"{lane['name']} [{lane['subtask']}]"
    end = "now" if s.get("open") else f"{ms(s['end_us'] / 1000)} ms"
    return f"{where}, attempt {s['attempt']}: {s['state']} from {ms(s['start_us'] / 1000)} ms to {end}"


def _bar(out: list[str], lane: dict[str, Any], s: dict[str, Any], x: Any, y: float, legend: set[str]) -> None:
    x0, x1 = x(s["start_us"] / 1000), x(s["end_us"] / 1000)
    w = max(x1 - x0, 1.0)
    state = s["state"]
    tip = esc(_span_tip(lane, s))
    if state in ("FAILED", "CANCELED"):
        if s.get("open"):
            return                              # ended for good: nothing drawn after it
        fill, stroke = WAIT_FAILED if state == "FAILED" else WAIT_CANCELED
        legend.add("waiting")
        out.append(f'<rect class="flowlab-rt-waiting" data-state="{state}" x="{num(x0)}" y="{num(y + BAR_Y)}" '
                   f'width="{num(w)}" height="{BAR_H}" fill="{fill}" stroke="{stroke}" stroke-width="0.8" '
                   f'stroke-dasharray="3 2"><title>{tip} (waiting to be restarted)</title></rect>')
        return
    if state not in DRAWN_STATES:
        return
    legend.add("running" if state == "RUNNING" else "finished" if state == "FINISHED" else "deploying")
    thin = state != "RUNNING"
    h = BAR_H - 4 if thin else BAR_H
    out.append(f'<rect class="flowlab-rt-span" data-state="{state}" data-attempt="{s["attempt"]}" x="{num(x0)}" '
               f'y="{num(y + BAR_Y + (BAR_H - h) / 2)}" width="{num(w)}" height="{num(h)}" rx="2" '
               f'fill="{pal.state_fill(state)}"><title>{tip}</title></rect>')
    if state == "RUNNING":
        label = f"attempt {s['attempt']}"
        if text_width(label, 8) + 6 > w:
            label = str(s["attempt"])
        if text_width(label, 8) + 4 <= w:
            out.append(f'<text x="{num(x0 + 3)}" y="{num(y + BAR_Y + 8.5)}" font-size="8" font-weight="600" '
                       f'fill="#ffffff" pointer-events="none">{esc(label)}</text>')


def _ticks(out: list[str], times: Any, end_ms: float, y: float, h: float, colour: str, css: str, what: str) -> None:
    """Records as ticks: one per ``BIN`` px column that has any, adjacent columns merged into one bar (the count
    and times on hover). ``times`` are in time order (the trace's), so each column is counted by bisection: the
    cost grows with the width, not with the records."""
    plot = WIDTH - LABEL_W - RIGHT
    columns = int(plot // BIN) + 1
    lo, run = 0, None                      # run: [first column, records, first time, last time]

    def flush(end: int) -> None:
        first, n, t0, t1 = run
        x0 = LABEL_W + first * BIN
        span = f"at {ms(t0 / 1000)} ms" if t0 == t1 else f"from {ms(t0 / 1000)} to {ms(t1 / 1000)} ms"
        out.append(f'<rect class="{css}" x="{num(x0)}" y="{num(y)}" width="{num((end - first) * BIN - BIN / 4)}" '
                   f'height="{num(h)}" fill="{colour}"><title>{n} {what} {span}</title></rect>')

    per_column = BIN / plot * end_ms * 1000          # µs of virtual time per column
    n, last = len(times), -2
    while lo < n:
        b = min(int(times[lo] / per_column), columns - 1)     # the column of the next record: empty ones skipped
        hi = bisect.bisect_left(times, math.ceil((b + 1) * per_column), lo) if b < columns - 1 else n
        hi = max(hi, lo + 1)
        if run is not None and b != last + 1:
            flush(last + 1)
            run = None
        run = [b, hi - lo, times[lo], times[hi - 1]] if run is None else [run[0], run[1] + hi - lo, run[2],
                                                                           times[hi - 1]]
        last, lo = b, hi
    if run is not None:
        flush(last + 1)


def _lane(out: list[str], lane: dict[str, Any], x: Any, end_ms: float, y: float, legend: set[str]) -> None:
    out.append(f'<g class="flowlab-rt-lane" data-vertex="{esc(lane["vertex"])}" data-subtask="{lane["subtask"]}">')
    for s in lane["spans"]:
        _bar(out, lane, s, x, y, legend)
    kinds = [(lane["emits"], EMIT, "flowlab-rt-emit", "record(s) emitted", "emit"),
             (lane["replays"], REPLAY, "flowlab-rt-replay", "record(s) emitted again after the restore (replay)",
              "replay"),
             (lane["sinks"], SINK, "flowlab-rt-sink", "record(s) delivered to the sink", "sink")]
    present = [k for k in kinds if len(k[0])]
    emitting = [k for k in present if k[4] != "sink"]
    h = TICK_H / (2 if emitting and len(present) > len(emitting) else 1)
    for times, colour, css, what, key in present:
        ty = y + TICK_Y + (h if key == "sink" and emitting else 0)
        _ticks(out, times, end_ms, ty, h, colour, css, what)
        legend.add(key)
    for f in lane["failures"]:
        fx, fy = x(f["at_us"] / 1000), y + BAR_Y + BAR_H / 2
        legend.add("failure")
        out.append(f'<g class="flowlab-rt-failure" data-at="{ms(f["at_us"] / 1000)}"><title>'
                   f'{esc(lane["name"])} [{lane["subtask"]}] failed at {ms(f["at_us"] / 1000)} ms: {esc(f["cause"])}'
                   f'</title><path d="M{num(fx - 4)} {num(fy - 4)}L{num(fx + 4)} {num(fy + 4)}M{num(fx + 4)} '
                   f'{num(fy - 4)}L{num(fx - 4)} {num(fy + 4)}" stroke="{FAIL}" stroke-width="2.2" '
                   f'stroke-linecap="round"/></g>')
    out.append("</g>")


def _gaps(out: list[str], model: dict[str, Any], rows: dict[tuple[str, int], float], x: Any,
          legend: set[str]) -> None:
    for r in model["restarts"]:
        for key, g in r["gaps"].items():
            y = rows.get(key)
            if y is None:
                continue
            x0, x1 = x(g["start_us"] / 1000), x(g["end_us"] / 1000)
            if x1 - x0 < 2:
                continue
            legend.add("gap")
            length = short_ms((g["end_us"] - g["start_us"]) / 1000)
            text = (f"no output since {short_ms(g['start_us'] / 1000)} ms" if g["open"]
                    else f"no output for {length} ms")
            tip = (f"{key[0]}[{key[1]}] delivered nothing from {ms(g['start_us'] / 1000)} ms to "
                   + ("now" if g["open"] else f"{ms(g['end_us'] / 1000)} ms ({ms((g['end_us'] - g['start_us']) / 1000)} ms)")
                   + f": restart {r['number']} (failure at {ms(r.get('failed_at_ms'))} ms)")
            out.append(f'<g class="flowlab-rt-gap" data-restart="{r["number"]}" data-vertex="{esc(key[0])}" '
                       f'data-subtask="{key[1]}" data-ms="{ms((g["end_us"] - g["start_us"]) / 1000)}"><title>{esc(tip)}</title>'
                       f'<rect x="{num(x0)}" y="{num(y + TICK_Y - 1)}" width="{num(x1 - x0)}" height="{TICK_H + 2}" '
                       f'fill="none" stroke="{GAP}" stroke-width="1" stroke-dasharray="2 2"/>')
            if text_width(text, 8) + 4 <= x1 - x0:
                out.append(f'<text x="{num((x0 + x1) / 2)}" y="{num(y + TICK_Y + 5)}" text-anchor="middle" '
                           f'font-size="8" font-weight="600" fill="{GAP}">{esc(text)}</text>')
            out.append("</g>")


def header_height(model: dict[str, Any]) -> float:
    """Where the lanes start: below the restart labels, the restore arrows, the checkpoints and the phases."""
    return 4 + (34 if model["restarts"] else 0) + 14 + 28


def _header(out: list[str], model: dict[str, Any], x: Any, top: float, bottom: float, legend: set[str]) -> None:
    """Checkpoints, restore arrows and restart phases above the lanes (failure lines down to ``bottom``)."""
    restored = {int(r["restored_checkpoint"]) for r in model["restarts"] if r.get("restored_checkpoint") is not None}
    cks = [c for c in model["checkpoints"] if c["trigger_ms"] is not None]
    ck_y = header_height(model) - 28
    if cks:
        legend.add("checkpoint")
        out.append(f'<text x="0" y="{num(ck_y + 3)}" font-size="{NAME_SIZE}" fill="{pal.INK_SOFT}">checkpoints</text>')
        last_label = -1e9
        for c in cks:
            cx = x(c["trigger_ms"])
            big = c["id"] in restored
            r = 5 if big else 3.2
            fill = CHECKPOINT if c.get("status") == "COMPLETED" else "#ffffff"
            out.append(f'<g class="flowlab-rt-checkpoint{" flowlab-rt-restored" if big else ""}" data-id="{c["id"]}">'
                       f'<title>checkpoint {c["id"]} ({c.get("status")}), triggered at {ms(c["trigger_ms"])} ms'
                       f'{" — restored by a restart" if big else ""}</title>'
                       f'<path d="M{num(cx)} {num(ck_y - r)}L{num(cx + r)} {num(ck_y)}L{num(cx)} {num(ck_y + r)}'
                       f'L{num(cx - r)} {num(ck_y)}Z" fill="{fill}" stroke="{CHECKPOINT}" '
                       f'stroke-width="{1.6 if big else 0.8}"/>')
            if big or cx - last_label > 22:
                out.append(f'<text x="{num(cx)}" y="{num(ck_y + 15)}" text-anchor="middle" font-size="8" '
                           f'fill="{CHECKPOINT}" font-weight="{700 if big else 400}">{c["id"]}</text>')
                last_label = cx
            out.append("</g>")
    for r in model["restarts"]:
        failed, restart, running = r.get("failed_at_ms"), r.get("restart_at_ms"), r.get("running_at_ms")
        if failed is None:
            continue
        fx = x(failed)
        out.append(f'<g class="flowlab-rt-restart" data-restart="{r["number"]}">')
        out.append(f'<line x1="{num(fx)}" y1="{num(top + 10)}" x2="{num(fx)}" y2="{num(bottom)}" stroke="{FAIL}" '
                   f'stroke-width="0.9" stroke-dasharray="4 3" opacity="0.7"/>')
        label = f"restart {r['number']}"
        out.append(f'<text x="{num(fx + 3)}" y="{num(top + 8)}" font-size="9" font-weight="600" fill="{FAIL}">'
                   f'<title>{esc(_restart_tip(r))}</title>{esc(label)}</text>')
        if restart is not None:
            rx = x(restart)
            back_to = r.get("restore_ms")
            target = x(back_to) if back_to is not None else x(0)
            what = (f"restore checkpoint {r['restored_checkpoint']} (triggered at {ms(back_to)} ms)"
                    if back_to is not None else
                    f"restore checkpoint {r['restored_checkpoint']}" if r.get("restored_checkpoint") is not None
                    else "no checkpoint: start from scratch")
            legend.add("restore")
            y0, y1 = ck_y - 7, top + 14
            tip = f"restart {r['number']} at {ms(restart)} ms: {what}"
            out.append(f'<g class="flowlab-rt-restore" data-checkpoint="{esc(r.get("restored_checkpoint"))}">'
                       f'<title>{esc(tip)}</title>'
                       f'<path d="M{num(rx)} {num(y0)}C{num(rx)} {num(y1)} {num(target)} {num(y1)} {num(target)} '
                       f'{num(y0 - 1)}" fill="none" stroke="{CHECKPOINT}" stroke-width="1.2"/>'
                       f'<path d="M{num(target - 3)} {num(y0 - 6)}L{num(target)} {num(y0)}L{num(target + 3)} '
                       f'{num(y0 - 6)}" fill="none" stroke="{CHECKPOINT}" stroke-width="1.2"/></g>')
            phases = [(failed, restart, WAIT_FAILED[1], "waiting (restart delay)", "phase-wait"),
                      (restart, running, RESTORING, "deploying and restoring", "phase-restore")]
            for a, b, colour, name, key in phases:
                if a is None or b is None or b <= a:
                    continue
                legend.add(key)
                out.append(f'<rect class="flowlab-rt-phase" x="{num(x(a))}" y="{num(ck_y + 19)}" '
                           f'width="{num(max(x(b) - x(a), 1))}" height="3" fill="{colour}"><title>{esc(name)}: '
                           f'{ms(a)} → {ms(b)} ms ({ms(b - a)} ms)</title></rect>')
        out.append("</g>")


def _restart_tip(r: dict[str, Any]) -> str:
    where = r.get("failed_task") or (f"TaskManager {r['taskmanager']}" if r.get("taskmanager") else "a task")
    return (f"restart {r['number']}: {where} failed at {ms(r.get('failed_at_ms'))} ms — {r.get('cause') or ''}; "
            f"region: {', '.join(map(str, r.get('region') or ())) or '?'}")


def _axis(out: list[str], x: Any, end_ms: float, y: float) -> None:
    step = _nice_step(end_ms)
    out.append(f'<g class="flowlab-rt-axis" font-size="8.5" fill="{pal.INK_FAINT}">'
               f'<line x1="{LABEL_W}" y1="{num(y)}" x2="{num(WIDTH - RIGHT)}" y2="{num(y)}" stroke="{pal.FRAME_STROKE}"/>')
    t = 0.0
    while t <= end_ms + 1e-9:
        tx = x(t)
        out.append(f'<line x1="{num(tx)}" y1="{num(y)}" x2="{num(tx)}" y2="{num(y + 3)}" stroke="{pal.INK_FAINT}"/>'
                   f'<text x="{num(tx)}" y="{num(y + 12)}" text-anchor="middle">{ms(round(t, 6))}</text>')
        t += step
    out.append(f'<text x="{num(WIDTH - RIGHT)}" y="{num(y + 23)}" text-anchor="end">virtual time (ms)</text></g>')


LEGEND = (("running", "running (attempt n)"), ("deploying", "scheduled / deploying / initializing"),
          ("waiting", "failed or canceled, waiting to be restarted"), ("finished", "finished"),
          ("failure", "failure (cause on hover)"), ("checkpoint", "checkpoint (at its trigger time)"),
          ("restore", "restart → the checkpoint it restores"), ("phase-wait", "restart delay"),
          ("phase-restore", "redeploying and restoring"), ("emit", "records emitted"),
          ("replay", "records replayed after the restore"), ("sink", "records delivered to a sink"),
          ("gap", "gap in a sink's output"))


def _legend(out: list[str], y: float, present: set[str]) -> float:
    x, row = LABEL_W, 0
    out.append(f'<g class="flowlab-rt-legend" font-size="9.5" fill="{pal.INK_SOFT}">')
    for key, label in LEGEND:
        if key not in present:
            continue
        w = 18 + text_width(label, 9.5) + 14
        if x + w > WIDTH - RIGHT and x > LABEL_W:
            x, row = LABEL_W, row + 1
        ly = y + row * 15
        out.append(f'<g class="flowlab-rt-legend-item" data-kind="{key}">{_swatch(key, x, ly)}'
                   f'<text x="{num(x + 18)}" y="{num(ly)}">{esc(label)}</text></g>')
        x += w
    out.append("</g>")
    return y + row * 15


def _swatch(key: str, x: float, y: float) -> str:
    if key in ("running", "deploying", "finished"):
        state = {"running": "RUNNING", "deploying": "DEPLOYING", "finished": "FINISHED"}[key]
        return f'<rect x="{num(x)}" y="{num(y - 8)}" width="14" height="9" rx="2" fill="{pal.state_fill(state)}"/>'
    if key == "waiting":
        return (f'<rect x="{num(x)}" y="{num(y - 8)}" width="14" height="9" fill="{WAIT_FAILED[0]}" '
                f'stroke="{FAIL}" stroke-width="0.8" stroke-dasharray="3 2"/>')
    if key == "failure":
        return (f'<path d="M{num(x + 3)} {num(y - 7)}L{num(x + 10)} {num(y)}M{num(x + 10)} {num(y - 7)}L{num(x + 3)} '
                f'{num(y)}" stroke="{FAIL}" stroke-width="2"/>')
    if key == "checkpoint":
        return (f'<path d="M{num(x + 7)} {num(y - 8)}L{num(x + 11)} {num(y - 4)}L{num(x + 7)} {num(y)}L{num(x + 3)} '
                f'{num(y - 4)}Z" fill="{CHECKPOINT}"/>')
    if key == "restore":
        return (f'<path d="M{num(x + 14)} {num(y)}C{num(x + 14)} {num(y - 9)} {num(x + 2)} {num(y - 9)} {num(x + 2)} '
                f'{num(y)}" fill="none" stroke="{CHECKPOINT}" stroke-width="1.2"/>')
    if key in ("phase-wait", "phase-restore"):
        return (f'<rect x="{num(x)}" y="{num(y - 5)}" width="14" height="3" '
                f'fill="{WAIT_FAILED[1] if key == "phase-wait" else RESTORING}"/>')
    if key == "gap":
        return (f'<rect x="{num(x)}" y="{num(y - 7)}" width="14" height="7" fill="none" stroke="{GAP}" '
                f'stroke-dasharray="2 2"/>')
    colour = {"emit": EMIT, "replay": REPLAY, "sink": SINK}[key]
    return "".join(f'<rect x="{num(x + k * 3)}" y="{num(y - 6)}" width="1.5" height="6" fill="{colour}"/>'
                   for k in range(5))


def render_recovery_timeline(model: dict[str, Any]) -> str:
    """``<svg class="flowlab-recovery-timeline">`` of ``model`` (``recovery_timeline.timeline``)."""
    end_ms, x = _scale(model)
    legend: set[str] = set()
    groups: list[tuple[dict[str, Any], list[dict[str, Any]], list[str]]] = []
    for lane in model["lanes"]:
        if groups and groups[-1][0]["vertex"] == lane["vertex"]:
            groups[-1][1].append(lane)
        else:
            name = display_name(lane["name"])
            groups.append((lane, [lane], wrap(name, int((LABEL_W - 34) / (NAME_SIZE * 0.6)), max_lines=4)))
    lanes_h = sum(max(len(ls) * LANE_H, len(lines) * 12 + 6) + 4 for _, ls, lines in groups)
    top = header_height(model)
    bottom = top + lanes_h
    out: list[str] = []
    _header(out, model, x, 4, bottom, legend)
    rows: dict[tuple[str, int], float] = {}
    y = top
    for first, lanes, lines in groups:
        h = max(len(lanes) * LANE_H, len(lines) * 12 + 6)
        name = display_name(first["name"])
        out.append(f'<g class="flowlab-rt-name"><title>{esc(name)} ({esc(first["vertex"])})</title>'
                   + "".join(f'<text x="0" y="{num(y + 11 + 12 * k)}" font-size="{NAME_SIZE}" '
                             f'font-weight="{600 if k == 0 else 400}" fill="{pal.INK}">{esc(line)}</text>'
                             for k, line in enumerate(lines)) + "</g>")
        for k, lane in enumerate(lanes):
            ly = y + k * LANE_H
            rows[(lane["vertex"], lane["subtask"])] = ly
            out.append(f'<text x="{LABEL_W - 6}" y="{num(ly + 12)}" text-anchor="end" font-size="9" '
                       f'fill="{pal.INK_FAINT}">[{lane["subtask"]}]</text>')
            _lane(out, lane, x, end_ms, ly, legend)
        y += h + 4
        out.append(f'<line x1="0" y1="{num(y - 2)}" x2="{num(WIDTH - RIGHT)}" y2="{num(y - 2)}" '
                   f'stroke="{pal.FRAME_STROKE}" stroke-width="0.5"/>')
    _gaps(out, model, rows, x, legend)
    now_x = x(model["now_us"] / 1000)
    out.append(f'<line class="flowlab-rt-now" x1="{num(now_x)}" y1="{num(top - 4)}" x2="{num(now_x)}" '
               f'y2="{num(bottom)}" stroke="{pal.INK}" stroke-width="0.8"><title>now: '
               f'{ms(model["now_us"] / 1000)} ms</title></line>')
    _axis(out, x, end_ms, bottom + 2)
    last = _legend(out, bottom + 44, legend)
    height = last + 10
    return (f'<svg class="flowlab-recovery-timeline" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
            f'height="{num(height)}" viewBox="0 0 {WIDTH} {num(height)}" font-family="{esc(FONT_FAMILY)}" '
            f'style="max-width:100%;height:auto">{"".join(out)}</svg>')

