"""Stages of a BATCH job: Flink's pipelined-region scheduling over blocking exchanges, with region failover.

Every exchange is blocking, so every subtask is a pipelined region of its own: it is scheduled — CREATED →
SCHEDULED, a slot requested and allocated, DEPLOYING → INITIALIZING → RUNNING — once every subtask it reads
from has FINISHED and materialised its result; a subtask that reads nothing (a source) at once. When it
starts it gets a reader over each of those results (``exchanges.open_reader``). When it finishes, its result
is materialised and its slot goes back to the pool, where the next subtask waiting for one takes it; so the
stages run one after another on few slots. A *stage* here is a job vertex's depth in the job graph (sources
are stage 1): how far apart a vertex's subtasks are from the sources, in blocking exchanges.

A failed subtask is recovered by running its region again — a new attempt of just that subtask — after the
restart strategy's delay, re-reading the materialised results of the stages before it; no producer runs
again. Without a restart strategy (Flink's default here) the job fails.

Simplifications: explicit slot sharing groups are not used in BATCH (each subtask takes one slot of its own;
Flink gives each region its own group unless the program names one); slots are handed out in the order
subtasks became ready; the restart waits at least two network latencies (the failed task's cancellation),
so nothing still on its way to the failed attempt can reach the new one.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from flowlab.runtime.batch.exchanges import make_blocking, materialised, open_reader, stop_reader
from flowlab.runtime.batch.restart_strategy import RestartTracker
from flowlab.runtime.batch.settings import BatchSettings
from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.trace import EventKind

ALIVE = ("SCHEDULED", "DEPLOYING", "INITIALIZING", "RUNNING")


class PartitionNotFoundError(RuntimeError):
    """A consumer cannot read a result any more: it was lost with its TaskManager (Flink's
    ``PartitionNotFoundException``)."""


class SchedulerHost(Protocol):
    """What the stage scheduler uses of the JobMaster."""

    kernel: Any
    rec: Any
    rm: Any
    tasks: dict[str, list[Any]]
    job_graph: Any
    rpc_latency_us: int

    @property
    def terminal(self) -> bool: ...

    def all_tasks(self) -> list[Any]: ...

    def transition_subtasks(self, tasks: list[Any], old: str, new: str) -> None: ...

    def mark_failed(self, task: Any, exc: BaseException, user_traceback: str) -> str: ...

    def fail_job(self, exc: BaseException, message: str) -> None: ...


def stage_numbers(job_graph: Any) -> dict[str, int]:
    """Each job vertex's stage: 1 for sources, else one more than the latest stage it reads from."""
    stage: dict[str, int] = {}
    for v in job_graph.vertices:                 # creation order is topological
        stage[v.id] = 1 + max((stage[e.source.id] for e in v.in_edges), default=0)
    return stage


class StageScheduler:
    """Schedules the subtasks of one BATCH job stage by stage and re-runs failed regions."""

    def __init__(self, host: SchedulerHost, settings: BatchSettings, new_attempt: Callable[[Any], Any]) -> None:
        self.host = host
        self.new_attempt = new_attempt            # the job runtime's: a fresh attempt of a subtask, wired
        self.stage = stage_numbers(host.job_graph)
        self.tracker = RestartTracker(settings.restart)
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

    # -- failures ------------------------------------------------------------------------------------------
    def on_failed(self, task: Any, exc: BaseException, message: str) -> None:
        """A subtask failed (reported to the JobMaster): re-run its region after the restart delay, or fail."""
        self._failover([task], exc, message)

    def taskmanager_lost(self, tm_id: str, exc: BaseException, traceback: str) -> None:
        """A TaskManager is lost with the results it kept: the subtasks running on it fail, and so do those still
        reading one of those results (Flink's ``PartitionNotFoundException``); together one failure, reported to
        the JobMaster after the RPC latency."""
        host = self.host
        lost = {k for k in self.finished if self.ran_on.get(k) == tm_id}
        self.lost |= lost
        self.finished -= lost
        for key in lost:
            self.results.pop(key, None)
        roots = []
        for t in host.all_tasks():
            if t.state in ALIVE and t.slot is not None and t.slot[0] == tm_id:
                host.mark_failed(t, exc, traceback)
            elif t.state == "RUNNING" and any(self._reads_unfinished(t, key) for key in lost):
                name = ", ".join(f"{v}[{i}]" for v, i in sorted(lost) if self._reads_unfinished(t, (v, i)))
                host.mark_failed(t, PartitionNotFoundError(f"the result of {name} was lost with TaskManager "
                                                           f"{tm_id}"), traceback)
            elif not (t.state in ("CREATED", "SCHEDULED") and any(p in self.lost for p in self._producers(t))):
                continue
            roots.append(t)
        if roots:
            host.kernel.schedule(host.kernel.now + host.rpc_latency_us, self._failover, roots, exc,
                                 f"TaskManager {tm_id} lost: {exc}", phase=PHASE_CONTROL)

    def _consumer_keys(self, key: tuple[str, int]) -> list[tuple[str, int]]:
        """The subtasks that read the result of subtask ``key``."""
        edges = self.host.job_graph.edges
        return [(t.vertex_id, t.index) for e in edges if e.source.id == key[0] for t in self.host.tasks[e.target.id]
                if any(edges[g.edge_index].source.id == key[0] and any(ch.producer == key[1] for ch in g.channels)
                       for g in t.gates)]

    def _reads_unfinished(self, task: Any, key: tuple[str, int]) -> bool:
        edges = self.host.job_graph.edges
        return any(edges[g.edge_index].source.id == key[0] and ch.producer == key[1] and not ch.finished
                   for g in task.gates for ch in g.channels)

    def region_of(self, roots: list[Any]) -> list[tuple[str, int]]:
        """Flink's ``RestartPipelinedRegionFailoverStrategy``: the regions of the failed subtasks, the producers of
        inputs that are no longer available, and every consumer of an involved region, transitively."""
        seen: set[tuple[str, int]] = set()
        queue = deque((t.vertex_id, t.index) for t in roots)
        while queue:
            key = queue.popleft()
            if key in seen:
                continue
            seen.add(key)
            queue.extend(p for p in self._producers(self.host.tasks[key[0]][key[1]]) if p in self.lost)
            queue.extend(self._consumer_keys(key))
        order = {v.id: n for n, v in enumerate(self.host.job_graph.vertices)}
        return sorted(seen, key=lambda k: (order[k[0]], k[1]))

    def _failover(self, roots: list[Any], exc: BaseException, message: str) -> None:
        """Re-run the involved regions as new attempts after the restart strategy's delay (cancelling what of them
        still runs, forgetting what they had materialised), or fail the job when the strategy gives up."""
        host = self.host
        if host.terminal:
            return
        delay = self.tracker.on_failure(host.kernel.now / 1000)
        strategy = self.tracker.strategy
        if delay is None:
            hint = ("" if strategy.kind != "none" else
                    " (restart-strategy.type is none, Flink's default without checkpoints: set it to fixed-delay "
                    "to let a BATCH job re-run the failed region)")
            host.fail_job(exc, f"JobException: Recovery is suppressed by {strategy.describe()}{hint}\n{message}")
            return
        region = self.region_of(roots)
        for key in region:
            t = host.tasks[key[0]][key[1]]
            if t in self.waiting:
                self.waiting.remove(t)
            if t.state in ALIVE:
                old, t.state = t.state, "CANCELED"
                t.cancel()
                host.rec.emit(EventKind.TASK_STATE, t.vertex_id, t.index, None,
                              f"{old} -> CANCELED: its region runs again", {"from": old, "to": "CANCELED"})
            self._release_slot(t, f"{t.name} {t.state.lower()}")
            for gate in t.gates:
                for ch in gate.channels:
                    stop_reader(ch)
            self.finished.discard(key)
            self.results.pop(key, None)
            self.lost.discard(key)
        wait_us = max(round(delay * 1000), 2 * host.rpc_latency_us)
        inside = set(region)
        producers = sorted({f"{v}[{i}]" for k in region for v, i in self._producers(host.tasks[k[0]][k[1]])
                            if (v, i) not in inside})
        reread = (f"; it re-reads the materialised results of {', '.join(producers)}, which do not run again"
                  if producers else "; it reads its sources from the start")
        names = [f"{v}[{i}]" for v, i in region]
        self.restarts += 1
        first = roots[0]
        host.rec.emit(EventKind.REGION_RESTART, first.vertex_id, first.index, None,
                      f"restart {self.restarts}: region {', '.join(names)} runs again in {wait_us / 1000:g} ms "
                      f"({strategy.describe()}){reread}",
                      {"region": names, "delay_ms": wait_us / 1000, "reads": producers, "restart": self.restarts})
        attempts = [(key, host.tasks[key[0]][key[1]].attempt) for key in region]
        host.kernel.schedule(host.kernel.now + wait_us, self._restart, attempts, phase=PHASE_CONTROL)

    def _restart(self, attempts: list[tuple[tuple[str, int], int]]) -> None:
        host = self.host
        if host.terminal:
            return
        for (vid, i), attempt in attempts:
            old = host.tasks[vid][i]
            if old.attempt != attempt:
                continue                      # already restarted by a later failover
            new = self.new_attempt(old)
            for p in new.partitions:
                make_blocking(p)
            host.rec.emit(EventKind.TASK_STATE, vid, i, None, f"{old.state} -> CREATED (attempt {new.attempt})",
                          {"from": old.state, "to": "CREATED", "attempt": new.attempt})
        self.schedule_ready()

    # -- views ---------------------------------------------------------------------------------------------
    def stage_of(self, vertex_id: str) -> int:
        return self.stage[vertex_id]
