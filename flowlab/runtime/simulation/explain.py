"""Answers to "why hasn't this window fired?" and "why is my watermark stuck?", read off a snapshot.

Pure functions over the plain data of ``Simulation.snapshot()`` (its ``event_time`` section): they never
touch runtime objects, so they work on a snapshot saved earlier or written by hand. An event-time window
``[start, end)`` fires when its operator's watermark reaches ``max_timestamp = end - 1``; an operator's
watermark is the minimum over its input channels (idle channels left out), so the answer walks upstream
along the channel holding the minimum until it reaches the source partition (or the timestamp assigner)
whose watermark is the smallest — and says whether that partition is idle, finished, or just quiet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flowlab.runtime.simulation import unfired
from flowlab.trace.timefmt import event_time_text

_CHANNEL = re.compile(r"^(.*)\[(\d+)\]$")


def fmt_ms(ts: int | float | None) -> str:
    """An event time for people: ``Long.MIN_VALUE``/``Long.MAX_VALUE`` spelled out, else ``<n> ms``."""
    return event_time_text(ts)


@dataclass
class Explanation:
    """An answer: ``status`` (a short code), ``text`` (sentences for people) and ``facts`` (plain data)."""

    status: str
    text: str
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "text": self.text, **self.facts}

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text)


def _event_time(snapshot: dict[str, Any]) -> dict[str, Any]:
    return snapshot.get("event_time", snapshot) if isinstance(snapshot, dict) else {}


def _subtask(et: dict[str, Any], vertex: str, index: int) -> dict[str, Any] | None:
    return next((s for s in et.get("subtasks") or () if s["vertex"] == vertex and s["subtask"] == index), None)


def _generator(et: dict[str, Any], vertex: str, index: int) -> dict[str, Any] | None:
    """The watermark generator at the *end* of a subtask's chain (an assigner wins over the source)."""
    gens = [g for g in et.get("generators") or () if g["vertex"] == vertex and g["subtask"] == index]
    return gens[-1] if gens else None


def watermark_chain(snapshot: dict[str, Any], vertex: str, subtask: int = 0) -> list[dict[str, Any]]:
    """Where the watermark of ``vertex[subtask]`` comes from, hop by hop, following the holding channel.

    Each hop: ``{"vertex", "subtask", "watermark", "holding_back", "channel_watermark", "others",
    "all_idle"}``; the last hop is the generator (``"generator": {...}``: a source subtask with its splits,
    or a timestamp assigner), or a subtask whose inputs are all idle.
    """
    et = _event_time(snapshot)
    hops: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    cur: tuple[str, int] | None = (vertex, subtask)
    while cur is not None and cur not in seen:
        seen.add(cur)
        st = _subtask(et, *cur)
        if st is None:
            break
        gen = _generator(et, *cur)
        hop: dict[str, Any] = {"vertex": cur[0], "subtask": cur[1], "name": st.get("name"),
                               "watermark": st["operators"][0]["watermark"] if st.get("operators") else None}
        if gen is not None and (gen["kind"] == "assigner" or not st.get("inputs")):
            hop["watermark"] = gen["watermark"]
            hop["generator"] = gen
            hops.append(hop)
            break
        active = [i for i in st.get("inputs") or () if not i["idle"]]
        if not st.get("inputs"):
            hops.append(hop)
            break
        if not active:
            hop["all_idle"] = True
            hops.append(hop)
            break
        inp = min(active, key=lambda i: (i["combined"], i["input"]))
        holder = inp.get("holding_back")
        ch = next((c for c in inp["channels"] if c["from"] == holder), None)
        hop.update({"input": inp["input"], "watermark": inp["combined"], "holding_back": holder,
                    "channel_watermark": ch["watermark"] if ch else None,
                    "others": [c for c in inp["channels"] if c["from"] != holder],
                    "idle_channels": [c["from"] for c in inp["channels"] if c["idle"]]})
        hops.append(hop)
        m = _CHANNEL.match(holder or "")
        cur = (m.group(1), int(m.group(2))) if m else None
    return hops


def _generator_text(gen: dict[str, Any], now_ms: float | None) -> tuple[str, dict[str, Any]]:
    where = f"{gen['vertex']}[{gen['subtask']}]"
    facts: dict[str, Any] = {"generator": where, "idle": gen["idle"], "finished": gen["finished"]}
    if gen["name"].startswith("IterationSource-"):
        return (f"{where} ({gen['name']}) is the head of an iteration: it emits the records fed back to it without "
                "watermarks, so event time inside the loop waits until the head ends (after max_wait_time_ms "
                "without feedback; never with iterate()).", facts)
    if not gen["strategy"]:
        return (f"{where} ({gen['name']}) has no watermark strategy: it emits no watermark until its input ends "
                "(then Long.MAX_VALUE). Give the source a WatermarkStrategy.", facts)
    splits = gen.get("splits") or []
    parts = []
    if gen["kind"] == "source":
        names = ", ".join(str(s["split"]) for s in splits) or "none"
        parts.append(f"{where} is source subtask {gen['subtask']} reading partition{'s' if len(splits) != 1 else ''} "
                     f"{names}")
        facts["partitions"] = [s["split"] for s in splits]
    else:
        parts.append(f"{where} runs the timestamp assigner {gen['name']}")
    if gen.get("max_timestamp") is not None:
        seen = f"the largest event timestamp it has seen is {fmt_ms(gen['max_timestamp'])}"
        delay = gen.get("out_of_orderness_ms")
        if delay is not None and not gen["finished"]:
            nxt = gen["max_timestamp"] - delay - 1
            formula = f"{gen['max_timestamp']} - {delay} - 1 = {nxt} ms (max timestamp - out-of-orderness - 1)"
            seen += (f", so its watermark is {formula}" if nxt == gen["watermark"] else
                     f"; its watermark is {fmt_ms(gen['watermark'])} and its next periodic emit gives {formula}")
        parts.append(seen)
    for s in splits:
        last = "nothing read yet" if s["last_timestamp"] is None and not s["read"] else (
            f"last event timestamp {fmt_ms(s['last_timestamp'])}, read at t = {s['last_arrival_ms']:g} virtual ms")
        nxt = (f"next element arrives at t = {s['next_arrival_ms']:g} virtual ms" if s["next_arrival_ms"] is not None
               else "no more elements")
        parts.append(f"partition {s['split']}: {s['read']} of {s['total']} elements read, {last}; {nxt}")
        facts.setdefault("split_info", []).append(s)
    text = "; ".join(parts) + ". "
    if gen["finished"]:
        text += "It has finished (its last watermark is Long.MAX_VALUE)."
    elif gen["idle"]:
        text += "It is IDLE (with_idleness): downstream operators leave it out of their minimum."
    else:
        quiet = bool(splits) and all(s["next_arrival_ms"] is None for s in splits)
        facts["quiet"] = quiet
        if not quiet:
            text += "Its watermark rises as its events arrive."
        elif gen.get("idle_timeout_ms") is not None:
            text += (f"It has no more data but is not idle yet: with_idleness marks it idle after "
                     f"{gen['idle_timeout_ms']} ms without events (checked at each periodic watermark).")
        else:
            text += ("It has no more data but is never marked idle: without WatermarkStrategy.with_idleness(...) "
                     "a silent partition holds back every watermark downstream.")
    return text, facts


def explain_watermark(snapshot: dict[str, Any], vertex: str, subtask: int = 0) -> Explanation:
    """Why ``vertex[subtask]``'s watermark is what it is: the channel holding it back, up to its source."""
    hops = watermark_chain(snapshot, vertex, subtask)
    if not hops:
        return Explanation("unknown", f"There is no subtask {vertex}[{subtask}].", {"chain": []})
    now = snapshot.get("now_ms") if isinstance(snapshot, dict) else None
    first = hops[0]
    lines = [f"{vertex}[{subtask}] has watermark {fmt_ms(first['watermark'])}."]
    facts: dict[str, Any] = {"vertex": vertex, "subtask": subtask, "watermark": first["watermark"], "chain": hops}
    status = "ok"
    for hop in hops:
        here = f"{hop['vertex']}[{hop['subtask']}]"
        if hop.get("all_idle"):
            lines.append(f"Every input channel of {here} is idle: its watermark does not move until data arrives.")
            status = "all_idle"
        elif "generator" in hop:
            text, gfacts = _generator_text(hop["generator"], now)
            lines.append(text)
            facts.update(gfacts)
            if hop["generator"]["idle"]:
                status = "idle"
            elif status == "ok" and not hop["generator"]["finished"]:
                status = "held_back"
        elif hop.get("holding_back"):
            active = [f"{c['from']} at {fmt_ms(c['watermark'])}" for c in hop["others"] if not c["idle"]]
            idle = [c["from"] for c in hop["others"] if c["idle"]]
            others = f"; the other channels: {', '.join(active)}" if active else ""
            if idle:
                others += f"; idle, left out: {', '.join(idle)}"
            lines.append(f"{here} takes the minimum over its input channels: channel {hop['holding_back']} holds it "
                         f"back at {fmt_ms(hop['channel_watermark'])}{others}.")
            facts.setdefault("holding_back", hop["holding_back"])
            status = "held_back"
    facts["reasons"] = lines[1:]
    return Explanation(status, " ".join(lines), facts)


def _match_ops(et: dict[str, Any], vertex: str | None) -> list[dict[str, Any]]:
    ops = list(et.get("windows") or ())
    if vertex is None:
        return ops
    names = {s["vertex"]: s.get("name") for s in et.get("subtasks") or ()}
    return [o for o in ops if vertex in (o["vertex"], o["operator"], o["name"], names.get(o["vertex"]))]


def _key_matches(stored: Any, key: Any) -> bool:
    return stored == key or stored == repr(key)


def _window_matches(w: dict[str, Any], start: int | None, end: int | None) -> bool:
    return w.get("start") == start and (end is None or w.get("end") == end)


def _fires_text(fires: list[dict[str, Any]]) -> str:
    if not fires:
        return "never fired"
    first = fires[0]
    text = f"fired at t = {first['time_ms']:g} virtual ms when the watermark reached {fmt_ms(first['watermark'])}"
    if len(fires) > 1:
        text += "; re-fired for late data at " + ", ".join(
            f"t = {f['time_ms']:g} virtual ms (watermark {fmt_ms(f['watermark'])})" for f in fires[1:])
    return text


def explain_window(snapshot: dict[str, Any], key: Any, window_start: int | None, window_end: int | None = None,
                   vertex: str | None = None) -> Explanation:
    """Why window ``[window_start, window_end)`` of ``key`` has (not) fired, from a snapshot.

    ``vertex`` picks the window operator (vertex id or name, operator id or name) when there are several.
    Statuses: ``waiting`` (names the watermark it waits for and what holds it back), ``fired``,
    ``cleaned_up``, ``late`` (its records arrived after the window was gone), ``not_opened``.
    """
    et = _event_time(snapshot)
    ops = _match_ops(et, vertex)
    if not ops:
        raise ValueError(f"no window operator{' matching ' + repr(vertex) if vertex else ''} in this job")
    span = f"[{window_start}, {window_end if window_end is not None else '?'})"
    base = {"key": key, "window_start": window_start, "window_end": window_end}
    for o in ops:
        for w in o["windows"]:
            if _key_matches(w["key"], key) and _window_matches(w, window_start, window_end):
                return _explain_open(snapshot, o, w, key)
    for o in ops:
        for w in reversed(o["closed"]):
            if _key_matches(w["key"], key) and _window_matches(w, window_start, window_end):
                late = _late_for(o, key, w["start"], w["end"])
                text = (f"Window {w['window']} of key {key!r} {_fires_text(w['fires'])}, and was cleaned up at "
                        f"t = {w['cleaned_ms']:g} virtual ms when the watermark reached {fmt_ms(w['cleaned_watermark'])} "
                        f"(max timestamp {w['max_timestamp']} + allowed lateness {o['allowed_lateness']}). "
                        "Records for it that arrive now are late.")
                if late:
                    text += " " + _late_text(o, late)
                return Explanation("cleaned_up", text, {**base, "vertex": o["vertex"], "subtask": o["subtask"],
                                                        "operator": o["operator"], "fires": w["fires"],
                                                        "window": w, "late": late})
    for o in ops:
        late = _late_for(o, key, window_start, window_end)
        if late:
            text = f"Window {span} of key {key!r} is not open. " + _late_text(o, late)
            return Explanation("late", text, {**base, "vertex": o["vertex"], "subtask": o["subtask"],
                                              "operator": o["operator"], "late": late})
    wms = [o["watermark"] for o in ops]
    text = (f"Window {span} of key {key!r} is not open at {ops[0]['name']}: no record of that key with a "
            f"timestamp in it has reached the window operator (watermarks of its subtasks: "
            f"{', '.join(fmt_ms(w) for w in wms)}). A window opens with its first record.")
    return Explanation("not_opened", text, {**base, "operator": ops[0]["operator"], "watermarks": wms})


def explain_unfired(snapshot: dict[str, Any]) -> Explanation:
    """The windows that never fired before the bounded input ended, and why (``sim.explain_window()``)."""
    windows = unfired.unfired_windows(snapshot)
    status = (snapshot.get("job") or {}).get("status")
    if windows:
        return Explanation("never_fired", unfired.note(snapshot) or "", {"windows": windows})
    if status != "FINISHED":
        return Explanation("running", f"The job is {status}: ask about one window with explain_window(key, start, "
                                      "end); once it has FINISHED, explain_window() lists the windows that never "
                                      "fired.", {"windows": []})
    return Explanation("all_fired", "Every window that held elements fired before the job finished.", {"windows": []})


def _late_for(o: dict[str, Any], key: Any, start: int | None, end: int | None) -> list[dict[str, Any]]:
    return [r for r in o["late"] if _key_matches(r["key"], key)
            and any(x.startswith(f"[{start}, ") and (end is None or x == f"[{start}, {end})") for x in r["windows"])]


def _late_text(o: dict[str, Any], late: list[dict[str, Any]]) -> str:
    where = f"sent to the side output '{o['late_side_output']}'" if o["late_side_output"] else "dropped"
    recs = "; ".join(f"{r['value']} @ {fmt_ms(r['timestamp'])} arrived at t = {r['time_ms']:g} virtual ms when the "
                     f"watermark was {fmt_ms(r['watermark'])}" for r in late)
    return (f"Late records for it ({recs}) were {where}: timestamp + allowed lateness "
            f"({o['allowed_lateness']} ms) <= watermark.")


def _explain_open(snapshot: dict[str, Any], o: dict[str, Any], w: dict[str, Any], key: Any) -> Explanation:
    where = f"{o['vertex']}[{o['subtask']}]"
    wm, need = o["watermark"], w["max_timestamp"]
    facts = {"key": key, "window_start": w["start"], "window_end": w["end"], "vertex": o["vertex"],
             "subtask": o["subtask"], "operator": o["operator"], "watermark": wm, "waits_for": need,
             "cleanup_time": w["cleanup_time"], "fires": w["fires"], "window": w}
    head = f"Window {w['window']} of key {key!r} (at {where}, {o['name']})"
    if w["fires"]:
        cleanup = (f"its state stays until the watermark reaches its cleanup time {fmt_ms(w['cleanup_time'])} "
                   f"(max timestamp {need} + allowed lateness {o['allowed_lateness']}); a late record accepted "
                   "until then re-fires it" if w["cleanup_time"] is not None else "it is never cleaned up")
        return Explanation("fired", f"{head} {_fires_text(w['fires'])}; {cleanup}.", facts)
    if (snapshot.get("job") or {}).get("status") == "FINISHED" and w.get("elements") and not w.get("purged"):
        return Explanation("never_fired", f"{head} never fired: {unfired.reason(o, w, snapshot)}.", facts)
    if not o["event_time"]:
        return Explanation("waiting", f"{head} is a processing-time window: it fires when the virtual clock "
                                      f"reaches {need} ms (now t = {snapshot.get('now_ms', 0):g} virtual ms).", facts)
    if o["trigger"] != "EventTimeTrigger":
        return Explanation("waiting", f"{head} uses the trigger {o['trigger']}, which decides when it fires "
                                      f"(watermark now {fmt_ms(wm)}).", facts)
    text = (f"{head} has not fired: it fires when the watermark reaches its max timestamp {fmt_ms(need)} "
            f"(end {w['end']} - 1); the current watermark is {fmt_ms(wm)}. ")
    why = explain_watermark(snapshot, o["vertex"], o["subtask"])
    facts.update({k: v for k, v in why.facts.items() if k not in facts})
    status = "waiting" if why.status != "idle" else "waiting_idle"
    return Explanation(status, text + " ".join(why.facts.get("reasons", [])), facts)
