"""Stages of a BATCH job: Flink's pipelined-region scheduling over blocking exchanges, with region failover.

Every exchange is blocking, so every subtask is a pipelined region of its own: it is scheduled — CREATED →
SCHEDULED, a slot requested and allocated, DEPLOYING → INITIALIZING → RUNNING — once every subtask it reads
from has FINISHED and materialised its result; a subtask that reads nothing (a source) at once. When it
starts it gets a reader over each of those results (``exchanges.open_reader``). When it finishes, its result
is materialised and its slot goes back to the pool, where the next subtask waiting for one takes it; so the
stages run one after another on few slots. A *stage* here is a job vertex's depth in the job graph (sources
are stage 1): how far apart a vertex's subtasks are from the sources, in blocking exchanges.

A failed subtask is recovered by running its region again (``failover.RegionFailover``).

Simplifications: explicit slot sharing groups are not used in BATCH (each subtask takes one slot of its own;
Flink gives each region its own group unless the program names one); slots are handed out in the order
subtasks became ready.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from flowlab.runtime.batch.exchanges import make_blocking, materialised, open_reader
from flowlab.runtime.batch.failover import RegionFailover, SchedulerHost
from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.trace import EventKind


def stage_numbers(job_graph: Any) -> dict[str, int]:
    """Each job vertex's stage: 1 for sources, else one more than the latest stage it reads from."""
    stage: dict[str, int] = {}
    for v in job_graph.vertices:                 # creation order is topological
        stage[v.id] = 1 + max((stage[e.source.id] for e in v.in_edges), default=0)
    return stage


class StageScheduler(RegionFailover):
    """Schedules the subtasks of one BATCH job stage by stage and re-runs failed regions."""

    def __init__(self, host: SchedulerHost, new_attempt: Callable[[Any], Any], tracker: Any) -> None:
        self.host = host
        self.new_attempt = new_attempt            # the job runtime's: a fresh attempt of a subtask, wired
        self.stage = stage_numbers(host.job_graph)
        self.tracker = tracker                    # the JobMaster's RestartTracker (cluster.restart_strategies)
        self.finished: set[tuple[str, int]] = set()        # subtasks whose result is materialised
        self.results: dict[tuple[str, int], list[list[Any]]] = {}   # per partition, per subpartition: buffers
        self.ran_on: dict[tuple[str, int], str] = {}        # the TaskManager that keeps a subtask's result
        self.lost: set[tuple[str, int]] = set()             # results lost with their TaskManager, not re-run yet
        self.read: set[tuple[str, int, int, int]] = set()   # (producer, index, partition, subpartition) read once
        self.waiting: deque[Any] = deque()        # SCHEDULED subtasks waiting for a free slot
        self.restarts = 0
        self.slots_in_use = 0
        self.peak_slots = 0

    def _next(self, fn: Any, *args: Any) -> None:
        self.host.kernel.schedule(self.host.kernel.now, fn, *args, phase=PHASE_CONTROL)

    def make_blocking(self) -> None:
        """Every result partition of the job is a blocking one."""
        for tasks in self.host.tasks.values():
            for t in tasks:
                for p in t.partitions:
                    make_blocking(p)

    # -- scheduling --------------------------------------------------------------------------------------
    def _producers(self, task: Any) -> list[tuple[str, int]]:
        edges = self.host.job_graph.edges
        return [(edges[g.edge_index].source.id, ch.producer) for g in task.gates for ch in g.channels]

    def schedule_ready(self) -> None:
        """Schedule every CREATED subtask whose inputs are all materialised (sources: at once)."""
        host = self.host
        if host.terminal:
            return
        ready = [t for v in host.job_graph.vertices for t in host.tasks[v.id]
                 if t.state == "CREATED" and all(p in self.finished for p in self._producers(t))]
        if ready:
            host.transition_subtasks(ready, "CREATED", "SCHEDULED")
            self._next(self._request_slots, ready)

    def _request_slots(self, tasks: list[Any]) -> None:
        tasks = [t for t in tasks if t.state == "SCHEDULED"]
        if not tasks:
            return
        free = len(self.host.rm.free_slots())
        stages = sorted({self.stage[t.vertex_id] for t in tasks})
        waiting = "" if free >= len(tasks) else (f"; {free} slot(s) free now, so {len(tasks) - free} of them wait "
                                                 "for a slot that a finishing subtask gives back")
        self.host.rec.emit(EventKind.SLOT_REQUESTED,
                           detail=f"JobMaster requests {len(tasks)} slot(s) for stage "
                                  f"{', '.join(map(str, stages))}: {', '.join(t.name for t in tasks)}{waiting}",
                           data={"slots": len(tasks), "stage": stages[0], "subtasks": [t.name for t in tasks]})
        self.waiting.extend(tasks)
        self._next(self._allocate)

    def _allocate(self) -> None:
        host = self.host
        free = host.rm.free_slots()
        got = []
        later: deque[Any] = deque()
        while self.waiting and free:
            t = self.waiting.popleft()
            if t.state != "SCHEDULED":
                continue
            if not all(p in self.finished for p in self._producers(t)):
                later.append(t)                   # an input was lost with its TaskManager: it runs again first
                continue
            tm, s = free.pop(0)
            tm.allocated[s] = t.name
            tm.slots[s].append(t.name)
            t.slot = (tm.id, s)
            got.append(t)
            self.slots_in_use += 1
            self.peak_slots = max(self.peak_slots, self.slots_in_use)
            host.rec.emit(EventKind.SLOT_ALLOCATED, detail=f"ResourceManager gave {tm.id} slot {s} to {t.name} "
                          f"(stage {self.stage[t.vertex_id]})",
                          data={"taskmanager": tm.id, "slot": s, "subtask": t.name})
        self.waiting.extendleft(reversed(later))
        if got:
            self._next(self._deploy, got, "SCHEDULED", "DEPLOYING")

    def _deploy(self, tasks: list[Any], old: str, new: str) -> None:
        self.host.transition_subtasks(tasks, old, new)
        if new == "DEPLOYING":
            self._next(self._deploy, tasks, "DEPLOYING", "INITIALIZING")
        elif new == "INITIALIZING":
            self._next(self._deploy, tasks, "INITIALIZING", "RUNNING")
        else:
            for t in tasks:
                if t.state == "RUNNING":
                    self._open_inputs(t)

    def _open_inputs(self, task: Any) -> None:
        """The consumer starts reading: a reader over each producer's materialised result for it."""
        tasks = self.host.tasks
        edges = self.host.job_graph.edges
        for gate in task.gates:
            edge = edges[gate.edge_index]
            k = [je.index for je in edge.source.out_edges].index(edge.index)
            for ch in gate.channels:
                producer = tasks[edge.source.id][ch.producer]
                partition = producer.partitions[k]
                pos = next(i for i, sub in enumerate(partition.subpartitions) if sub.consumer_index == task.index)
                result = (edge.source.id, ch.producer, k, pos)
                open_reader(partition, pos, ch, self.results[result[:2]][k][pos], again=result in self.read)
                self.read.add(result)

    # -- completion --------------------------------------------------------------------------------------
    def on_finished(self, task: Any) -> None:
        """A subtask finished: its result is materialised, its slot is free; schedule what can run now."""
        key = (task.vertex_id, task.index)
        self.finished.add(key)
        self.results[key] = [materialised(p) for p in task.partitions]
        self.read = {r for r in self.read if r[:2] != key}      # a new result: not read yet
        if task.slot is not None:
            self.ran_on[key] = task.slot[0]
        self._release_slot(task, f"{task.name} finished" + (": its result is materialised" if task.partitions else ""))
        peers = self.host.tasks[task.vertex_id]
        if all((task.vertex_id, t.index) in self.finished for t in peers):
            self._stage_done(task.vertex_id)
        self._allocate()
        self.schedule_ready()

    def _release_slot(self, task: Any, why: str) -> None:
        if task.slot is None:
            return
        tm_id, s = task.slot
        tm = next(tm for tm in self.host.rm.taskmanagers if tm.id == tm_id)
        if tm.allocated[s] != task.name or task.name not in tm.slots[s]:
            return                            # already given back
        tm.slots[s].remove(task.name)
        tm.allocated[s] = None
        self.slots_in_use -= 1
        self.host.rec.emit(EventKind.SLOT_RELEASED, task.vertex_id, task.index, None,
                           f"{why}; {tm_id} slot {s} is free again", {"taskmanager": tm_id, "slot": s})

    def _stage_done(self, vertex_id: str) -> None:
        v = next(v for v in self.host.job_graph.vertices if v.id == vertex_id)
        records = sum(b.records for t in self.host.tasks[vertex_id] for parts in self.results[(vertex_id, t.index)]
                      for bufs in parts for b in bufs)
        consumers = sorted({e.target.id for e in v.out_edges})
        what = (f": {records} record(s) materialised in {len(v.out_edges) * v.parallelism} result partition(s) for "
                f"{', '.join(consumers)}" if consumers else "")
        self.host.rec.emit(EventKind.STAGE, vertex_id, None, None,
                           f"{v.name} (stage {self.stage[vertex_id]}) finished{what}",
                           {"stage": self.stage[vertex_id], "records": records, "consumers": consumers})

    # -- views ---------------------------------------------------------------------------------------------
    def stage_of(self, vertex_id: str) -> int:
        return self.stage[vertex_id]
