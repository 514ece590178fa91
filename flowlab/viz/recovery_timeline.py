"""What a recovery timeline draws (flowlab extension), built from the trace and ``snapshot["recovery"]``.

Per subtask (a *lane*): the states it went through (``task_state`` events), so the spans it ran per attempt, the
time it waited to be restarted and redeployed; its failures (``task_failed``, the cause); the records it emitted
as a source — replays marked (``source_emit`` with ``data["replay"]``) — and the records it delivered as a sink
(``sink`` events, the arrival times). Per restart (``snapshot["recovery"]["restarts"]``, else read from the
``recovery`` trace events): failure, restart and running-again times, the failover region, and the checkpoint restored, drawn at its trigger time
(``snapshot["checkpoints"]``); the gap in each sink's output around it.

``TimelineTrace`` reads the trace incrementally: a view keeps one and feeds it the events added since the last
redraw (a step back or a reset, which shortens or rewrites the trace, makes it start over).
"""
from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Sequence
from typing import Any

TERMINAL = frozenset({"FAILED", "CANCELED", "FINISHED"})
Lane = tuple[str, int]


def _row(e: Any) -> tuple:
    return (e.step, e.time_us, e.kind, e.vertex, e.subtask, e.detail)


class TimelineTrace:
    """The trace events a recovery timeline needs, collected incrementally (see the module docstring)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.last: tuple | None = None
        self.states: dict[Lane, list[tuple[int, str, str, int | None]]] = {}   # lane -> (µs, from, to, attempt)
        self.failures: list[dict[str, Any]] = []                        # task_failed
        self.recovery: list[dict[str, Any]] = []                        # "recovery" events
        self.emits: dict[Lane, array] = {}
        self.replays: dict[Lane, array] = {}
        self.sinks: dict[Lane, array] = {}

    def update(self, log: Sequence[Any]) -> None:
        """Take in the events of ``log`` (the run's trace) not seen yet; start over if the trace was cut back."""
        n = len(log)
        if n < self.count or (self.count and _row(log[self.count - 1]) != self.last):
            self.reset()
        for i in range(self.count, n):
            self.feed(log[i])
        self.count = n
        self.last = _row(log[n - 1]) if n else None

    def feed(self, e: Any) -> None:
        kind = e.kind
        if kind == "source_emit":
            lane = (e.vertex, e.subtask)
            target = self.replays if (e.data or {}).get("replay") else self.emits
            target.setdefault(lane, array("q")).append(e.time_us)
        elif kind == "sink":
            self.sinks.setdefault((e.vertex, e.subtask), array("q")).append(e.time_us)
        elif kind == "task_state" and e.data:
            self.states.setdefault((e.vertex, e.subtask), []).append(
                (e.time_us, e.data.get("from"), e.data.get("to"), e.data.get("attempt")))
        elif kind == "task_failed":
            self.failures.append({"at_us": e.time_us, "vertex": e.vertex, "subtask": e.subtask, "cause": e.detail})
            self.states.setdefault((e.vertex, e.subtask), []).append(
                (e.time_us, (e.data or {}).get("from"), "FAILED", None))
        elif kind == "recovery":
            self.recovery.append({"at_us": e.time_us, "vertex": e.vertex, "subtask": e.subtask, "detail": e.detail,
                                  **(e.data or {})})


def lane_names(vertex: dict[str, Any], index: int) -> set[str]:
    """Every way a region list or a failed task may name this subtask (or its whole task)."""
    vid, name, p = vertex["id"], vertex.get("name", vertex["id"]), int(vertex.get("parallelism") or 1)
    return {vid, name, f"{vid}[{index}]", f"{name}[{index}]", f"{name} [{index}]", f"{name} ({index + 1}/{p})",
            f"{vid} ({index + 1}/{p})"}


def _spans(transitions: list[tuple[int, str, str, int | None]], now_us: int) -> list[dict[str, Any]]:
    """Consecutive (start, end, state, attempt) from a lane's transitions; the attempt is the one a transition
    names (``data["attempt"]``), else it goes up each time the subtask leaves FAILED or CANCELED for a new
    execution."""
    out: list[dict[str, Any]] = []
    state, since, attempt = "CREATED", 0, 0
    for t, _, to, named in sorted(transitions, key=lambda x: x[0]):
        if to == state:
            continue
        if t > since:
            out.append({"start_us": since, "end_us": t, "state": state, "attempt": attempt})
        if named is not None:
            attempt = int(named)
        elif state in ("FAILED", "CANCELED") and to not in TERMINAL:
            attempt += 1
        state, since = to, t
    out.append({"start_us": since, "end_us": max(now_us, since), "state": state, "attempt": attempt, "open": True})
    return out


def _gap(times: array | None, failed_us: int, running_us: int | None, now_us: int) -> dict[str, Any] | None:
    """The time without sink output around a failure: last arrival before it to first arrival after the restart."""
    if not times:
        return None
    k = bisect.bisect_right(times, failed_us)           # the trace is in time order
    start = times[k - 1] if k else 0
    end = times[k] if k < len(times) else None
    return {"start_us": start, "end_us": end if end is not None else now_us, "open": end is None,
            "after_running_us": running_us}


def restarts_from_trace(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The restarts as the ``recovery`` trace events tell them (for a run whose snapshot has no restarts list):
    a ``failure`` starts one, ``restarting`` numbers it and names its region, ``restoring`` is its restart (and
    the checkpoint restored), ``running`` the time its tasks run again."""
    out: list[dict[str, Any]] = []
    failure: dict[str, Any] | None = None
    for e in events:
        phase = e.get("phase")
        if phase == "failure":
            failure = e
        elif phase == "restarting":
            f = failure or e
            lost = re.search(r"TaskManager (\S+) lost", f.get("detail") or "")
            out.append({"number": len(out) + 1, "cause": f.get("detail"), "taskmanager": lost and lost.group(1),
                        "failed_task": None if lost or f.get("vertex") is None else f"{f['vertex']}[{f['subtask']}]",
                        "failed_at_ms": f["at_us"] / 1000, "region": list(e.get("region") or f.get("region") or ()),
                        "restart_at_ms": None, "running_at_ms": None, "restored_checkpoint": None,
                        "attempt": e.get("attempt")})
            failure = None
        elif phase == "restoring" and out:
            out[-1].update(restart_at_ms=e["at_us"] / 1000, restored_checkpoint=e.get("checkpoint_id"))
        elif phase == "running" and out:
            out[-1]["running_at_ms"] = e["at_us"] / 1000
    return out


def timeline(snapshot: dict[str, Any], trace: TimelineTrace) -> dict[str, Any]:
    """The timeline's plain model (lanes, restarts, checkpoints, output gaps); see the module docstring."""
    now_us = int(snapshot.get("now_us") or round(float(snapshot.get("now_ms") or 0) * 1000))
    rec = snapshot.get("recovery") or {}
    restarts = [dict(r) for r in rec.get("restarts") or ()] or restarts_from_trace(trace.recovery)
    lanes = []
    for v in snapshot.get("vertices") or ():
        for st in v.get("subtasks") or ():
            key = (v["id"], int(st["index"]))
            transitions = trace.states.get(key)
            spans = (_spans(transitions, now_us) if transitions else
                     [{"start_us": 0, "end_us": now_us, "state": st.get("state") or "RUNNING",
                       "attempt": int(st.get("attempt") or 0), "open": True}])
            names = lane_names(v, key[1])
            lanes.append({"vertex": v["id"], "subtask": key[1], "name": v.get("name", v["id"]),
                          "parallelism": int(v.get("parallelism") or 1), "spans": spans,
                          "emits": trace.emits.get(key, array("q")), "replays": trace.replays.get(key, array("q")),
                          "sinks": trace.sinks.get(key, array("q")),
                          "failures": [f for f in trace.failures if (f["vertex"], f["subtask"]) == key],
                          "regions": [n for n, r in enumerate(restarts, 1)
                                      if names & set(map(str, r.get("region") or ()))]})
    triggers = {int(c["id"]): c for c in ((snapshot.get("checkpoints") or {}).get("history") or [])
                + ((snapshot.get("checkpoints") or {}).get("pending") or [])}
    for n, r in enumerate(restarts, 1):
        r["number"] = r.get("number", n)
        ck = r.get("restored_checkpoint")
        r["restore_ms"] = None if ck is None or int(ck) not in triggers else triggers[int(ck)].get("trigger_time_ms")
        failed_us = round(float(r.get("failed_at_ms") or 0) * 1000)
        running = r.get("running_at_ms")
        r["gaps"] = {}
        for lane in lanes:
            if len(lane["sinks"]):
                g = _gap(lane["sinks"], failed_us, None if running is None else round(float(running) * 1000), now_us)
                if g is not None:
                    r["gaps"][(lane["vertex"], lane["subtask"])] = g
    gave_up = next((e for e in reversed(trace.recovery) if e.get("phase") == "gave_up"), None)
    return {"now_us": now_us, "section": bool(rec), "restart_strategy": rec.get("restart_strategy"),
            "restart_description": rec.get("restart_strategy_description"),
            "failover_strategy": rec.get("failover_strategy"), "restarts": restarts, "lanes": lanes,
            "checkpoints": [{"id": i, "trigger_ms": c.get("trigger_time_ms"), "status": c.get("status")}
                            for i, c in sorted(triggers.items())],
            "replayed": dict(rec.get("replayed_records") or {}), "failures": list(trace.failures),
            "gave_up": gave_up, "job_failure": (snapshot.get("job") or {}).get("failure"),
            "job_status": (snapshot.get("job") or {}).get("status")}


def has_failures(snapshot: dict[str, Any]) -> bool:
    """True once something failed (a restart, a failed subtask, an attempt above 0, a failing job): then the
    Dashboard shows the Recovery panel. Cheap: reads only the snapshot."""
    if (snapshot.get("recovery") or {}).get("restarts"):
        return True
    if (snapshot.get("job") or {}).get("status") in ("FAILING", "FAILED", "RESTARTING"):
        return True
    return any(st.get("state") == "FAILED" or int(st.get("attempt") or 0) > 0
               for v in snapshot.get("vertices") or () for st in v.get("subtasks") or ())
