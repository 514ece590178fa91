"""A fake Simulation and hand-written snapshots for the viz tests (no runtime needed)."""
from __future__ import annotations

import copy
from typing import Any

import pytest


def make_snapshot(step: int = 3, in_flight: tuple[int, int] = (0, 0), op_name: str = "Map",
                  done: bool = False, states: tuple[str, ...] = ("RUNNING", "RUNNING", "RUNNING"),
                  **extra: Any) -> dict[str, Any]:
    """Source -> Map (one task, p=2) --HASH--> Sink (p=1); records grow by 3 per step."""
    r = 3 * step
    subtask = {"records_in": 0, "records_out": 0}
    return {
        "step": step, "now_us": 1500 * step, "now_ms": 1.5 * step, "done": done,
        "job": {"id": "j1", "name": "tiny job", "status": "FINISHED" if done else "RUNNING", "failure": None},
        "operators": [
            {"id": "n1", "name": "Source: Collection", "kind": "source", "vertex": "v1", "parallelism": 2,
             "subtasks": [{"index": 0, "records_in": r, "records_out": r}, {"index": 1, **subtask}]},
            {"id": "n2", "name": op_name, "kind": "map", "vertex": "v1", "parallelism": 2,
             "subtasks": [{"index": 0, "records_in": r, "records_out": r}, {"index": 1, **subtask}]},
            {"id": "n3", "name": "Sink: Print to Std. Out", "kind": "sink", "vertex": "v2", "parallelism": 1,
             "subtasks": [{"index": 0, "records_in": r, "records_out": 0}]},
        ],
        "operator_edges": [
            {"source": "n1", "target": "n2", "partitioner": "FORWARD", "chained": True},
            {"source": "n2", "target": "n3", "partitioner": "HASH", "chained": False},
        ],
        "vertices": [
            {"id": "v1", "name": f"Source: Collection -> {op_name}", "parallelism": 2,
             "operators": ["n1", "n2"],
             "subtasks": [
                 {"index": 0, "state": states[0], "taskmanager": "tm-1", "slot": 0, "records_in": r,
                  "records_out": r, "busy": True, "backpressured": False, "input_queued": 0},
                 {"index": 1, "state": states[1], "taskmanager": "tm-1", "slot": 1, "records_in": 0,
                  "records_out": 0, "busy": False, "backpressured": True, "input_queued": 2}]},
            {"id": "v2", "name": "Sink: Print to Std. Out", "parallelism": 1, "operators": ["n3"],
             "subtasks": [
                 {"index": 0, "state": states[2], "taskmanager": "tm-1", "slot": 0, "records_in": r,
                  "records_out": 0, "busy": False, "backpressured": False, "input_queued": 0}]},
        ],
        "edges": [
            {"source": "v1", "target": "v2", "partitioner": "HASH", "buffers_in_flight": in_flight[0],
             "records_in_flight": in_flight[1],
             "channels": [{"from": i, "to": 0, "queued_buffers": 0, "filling_records": 0,
                           "in_flight_buffers": in_flight[0] if i == 0 else 0,
                           "in_flight_records": in_flight[1] if i == 0 else 0, "received_buffers": step,
                           "credit": 2} for i in range(2)]},
        ],
        "taskmanagers": [{"id": "tm-1", "slots": [{"index": 0, "subtasks": ["v1[0]", "v2[0]"]},
                                                  {"index": 1, "subtasks": ["v1[1]"]}]}],
        "last_events": [] if step == 0 else [
            {"step": step, "time_us": 1500 * step, "kind": "process", "vertex": "v2", "subtask": 0,
             "operator": "n3", "detail": f"record #{step}"}],
        **extra,
    }


class FakeEvent:
    """Quacks like flowlab.trace.TraceEvent (only ``to_dict`` is used by the views)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "time_us": 1500 * self.step, "time_ms": 1.5 * self.step, "kind": "process",
                "vertex": "v2", "subtask": 0, "operator": "n3", "detail": f"record #{self.step}"}


class FakeSim:
    """A Steppable with ``total`` steps; each step is one event and 3 more records; it logs every call.

    Like the Simulation it has ``run(until_ms, max_steps)``, ``recent_events(steps)`` and listeners told after
    every move."""

    def __init__(self, total: int = 6) -> None:
        from flowlab.runtime.simulation.listeners import Listeners
        self.total = total
        self.step_count = 0
        self.calls: list[tuple[str, int]] = []
        self.snapshots_taken = 0
        self.listeners = Listeners()
        self.stopped_by = None
        self.unbounded = None
        self.horizon_ms = None
        self.waiting_note = None
        self.job_status = "RUNNING"

    def add_listener(self, callback) -> None:
        self.listeners.add(callback)

    def remove_listener(self, callback) -> None:
        self.listeners.remove(callback)

    def run(self, until_ms: float | None = None, max_steps: int | None = None) -> list[FakeEvent]:
        self.calls.append(("run", max_steps or 0))
        events = []
        with self.listeners.moving(self):
            while not self.done and (max_steps is None or len(events) < max_steps) \
                    and (until_ms is None or self.now_ms + 1.5 <= until_ms):
                self.step_count += 1
                events.append(FakeEvent(self.step_count))
        return events[-1:]

    def recent_events(self, steps: int = 10) -> list[FakeEvent]:
        return [FakeEvent(i) for i in range(max(1, self.step_count - steps + 1), self.step_count + 1)]

    @property
    def done(self) -> bool:
        return self.step_count >= self.total

    @property
    def now_ms(self) -> float:
        return 1.5 * self.step_count

    def step(self, n: int = 1) -> list[FakeEvent]:
        self.calls.append(("step", n))
        events = []
        with self.listeners.moving(self):
            for _ in range(n):
                if self.done:
                    break
                self.step_count += 1
                events.append(FakeEvent(self.step_count))
        return events

    def back(self, n: int = 1) -> None:
        self.calls.append(("back", n))
        with self.listeners.moving(self):
            self.step_count = max(0, self.step_count - n)

    def goto(self, step: int) -> None:
        self.calls.append(("goto", step))
        with self.listeners.moving(self):
            self.step_count = max(0, min(step, self.total))

    def reset(self) -> None:
        self.calls.append(("reset", 0))
        with self.listeners.moving(self):
            self.step_count = 0

    def snapshot(self) -> dict[str, Any]:
        self.snapshots_taken += 1
        return make_snapshot(self.step_count, done=self.done)


@pytest.fixture
def snapshot_factory():
    """``make_snapshot(step, in_flight=(buffers, records), op_name=..., done=..., states=..., **extra)``."""
    return make_snapshot


@pytest.fixture
def snapshot() -> dict[str, Any]:
    return copy.deepcopy(make_snapshot())


@pytest.fixture
def fake_sim() -> FakeSim:
    return FakeSim()
