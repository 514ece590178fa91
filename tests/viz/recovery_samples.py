"""A recovery scenario by hand, in the contract of ``snapshot["recovery"]`` and its trace events, for the
recovery-timeline tests (the runtime's recovery is built elsewhere; these pin the view to the contract).

``make_snapshot()``'s job — v1 "Source: Collection -> Map" (p=2) --HASH--> v2 "Sink: Print to Std. Out" (p=1) —
with checkpoints every 50 ms (1 at 50 ms, 2 at 100 ms, both completed). Each source subtask emits a record every
10 ms from 10 ms; the sink receives each 2 ms later. v1[1] fails at 130 ms ("RuntimeException: boom"); the
region (the whole connected job) is canceled, waits 10 ms (fixed-delay), is redeployed at 140 ms and runs again
at 143 ms from checkpoint 2: each source replays its records of 110..130 ms (3 each) at 143, 144, 145 ms, then
goes on at 150 ms. The sink's last record before the failure arrives at 122 ms (the one of 130 ms is lost with
the failure), the next at 145 ms: a 23 ms gap in its output.
"""
from __future__ import annotations

import copy
from typing import Any

from flowlab.trace import TraceEvent
from tests.viz.conftest import make_snapshot

US = 1000


def _ev(t_ms: float, kind: str, vertex: str | None = None, subtask: int | None = None, detail: str = "",
        data: dict[str, Any] | None = None) -> TraceEvent:
    return TraceEvent(0, round(t_ms * US), kind, vertex, subtask, None, detail, data)


def _lifecycle(t0: float, lanes: list[tuple[str, int]], running_after: float = 2) -> list[TraceEvent]:
    steps = [("CREATED", "SCHEDULED", 0), ("SCHEDULED", "DEPLOYING", 0), ("DEPLOYING", "INITIALIZING", 1),
             ("INITIALIZING", "RUNNING", running_after)]
    return [_ev(t0 + dt, "task_state", v, i, f"{a} -> {b}", {"from": a, "to": b})
            for a, b, dt in steps for v, i in lanes]


LANES = [("v1", 0), ("v1", 1), ("v2", 0)]


def recovery_events(failed: bool = True) -> list[TraceEvent]:
    """The trace of the scenario (unordered kinds merged in time order), up to 160 ms."""
    ev = _lifecycle(0, LANES)
    emits = [(t, False) for t in range(10, 131, 10)] if failed else [(t, False) for t in range(10, 161, 10)]
    if failed:
        emits += [(143, True), (144, True), (145, True), (150, False), (160, False)]
    for t, replay in emits:
        for i in (0, 1):
            if failed and t == 130 and i == 1:
                continue                                   # v1[1] fails before it emits at 130
            data = {"position": 0, "timestamp": None, **({"replay": True} if replay else {})}
            ev.append(_ev(t, "source_emit", "v1", i, f"record @{t}", data))
        if not (failed and 129 < t + 2 < 145):
            ev.append(_ev(t + 2, "sink", "v2", 0, f"record @{t}"))
    if failed:
        ev.append(_ev(130, "task_failed", "v1", 1, "RUNNING -> FAILED: RuntimeException: boom",
                      {"from": "RUNNING", "to": "FAILED", "traceback": "RuntimeException: boom"}))
        ev.append(_ev(130, "recovery", "v1", 1, "JobMaster: v1[1] failed (RuntimeException: boom)", {
            "phase": "failure", "attempt": 0, "checkpoint_id": None, "region": ["v1[1]"], "delay_ms": None}))
        for v, i in (("v1", 0), ("v2", 0)):
            ev.append(_ev(131, "task_state", v, i, "RUNNING -> CANCELING", {"from": "RUNNING", "to": "CANCELING"}))
            ev.append(_ev(132, "task_state", v, i, "CANCELING -> CANCELED", {"from": "CANCELING", "to": "CANCELED"}))
        ev.append(_ev(130, "recovery", None, None, "restart 1 (fixed delay 10 ms)", {
            "phase": "restarting", "attempt": 1, "checkpoint_id": None, "region": ["v1[0]", "v1[1]", "v2[0]"],
            "delay_ms": 10}))
        ev.append(_ev(140, "recovery", None, None, "restart 1: restore the state of checkpoint 2", {
            "phase": "restoring", "attempt": 1, "checkpoint_id": 2, "region": ["v1[0]", "v1[1]", "v2[0]"],
            "delay_ms": None}))
        for v, i in LANES:
            old = "FAILED" if (v, i) == ("v1", 1) else "CANCELED"
            ev.append(_ev(140, "task_state", v, i, f"{old} -> CREATED (attempt 1)",
                          {"from": old, "to": "CREATED", "attempt": 1}))
        ev += _lifecycle(140, LANES, running_after=3)
        ev.append(_ev(143, "recovery", None, None, "running", {"phase": "running", "attempt": 1, "checkpoint_id": 2,
                                                                "region": [], "delay_ms": 10}))
    ev.sort(key=lambda e: e.time_us)
    return [TraceEvent(k, e.time_us, e.kind, e.vertex, e.subtask, None, e.detail, e.data) for k, e in enumerate(ev)]


def recovery_snapshot(failed: bool = True, section: bool = True) -> dict[str, Any]:
    """The snapshot at 160 ms (see the module docstring); ``section=False``: no ``recovery`` section at all."""
    snap = copy.deepcopy(make_snapshot())
    snap.update(step=len(recovery_events(failed)), now_us=160 * US, now_ms=160.0)
    snap["checkpoints"] = {"enabled": True, "history": [
        {"id": n, "status": "COMPLETED", "trigger_time_ms": 50.0 * n} for n in (1, 2)], "pending": []}
    for v in snap["vertices"]:
        for st in v["subtasks"]:
            st["attempt"] = 1 if failed else 0
    if section:
        restarts = [{"number": 1, "cause": "java.lang.RuntimeException: boom", "failed_task": "Source: Collection -> "
                     "Map (2/2)", "taskmanager": None, "failed_at_ms": 130.0,
                     "region": ["Source: Collection -> Map (1/2)", "Source: Collection -> Map (2/2)",
                                "Sink: Print to Std. Out (1/1)"],
                     "restart_at_ms": 140.0, "running_at_ms": 143.0, "restored_checkpoint": 2, "attempt": 1}]
        snap["recovery"] = {"restart_strategy": "fixed-delay", "failover_strategy": "region",
                            "restarts": restarts if failed else [],
                            "replayed_records": {"Source: Collection": 6} if failed else {}}
    return snap
