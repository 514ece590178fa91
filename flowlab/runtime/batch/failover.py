"""Region failover of a BATCH job (Flink's ``RestartPipelinedRegionFailoverStrategy``), without checkpoints.

Every exchange is blocking, so every subtask is a pipelined region of its own. When a subtask fails, the
regions to restart are its own, those of producers whose results are no longer available (lost with their
TaskManager), and every consumer of an involved region, transitively. They run again as new attempts after
the restart strategy's delay, re-reading the materialised results of the stages before them — those
producers do not run again. What still runs of them is cancelled; what they had materialised is forgotten.
When the restart strategy gives up (Flink's default without checkpoints: at once), the job fails.

Simplifications: the restart waits at least two network latencies (the failed task's cancellation), so
nothing still on its way to the failed attempt can reach the new one; a lost TaskManager counts as one
failure, and its slots are free again at once (a replacement TaskManager).
"""
from __future__ import annotations

from collections import deque
from typing import Any, Protocol

from flowlab.runtime.batch.exchanges import make_blocking, stop_reader
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

    def give_up(self, exc: BaseException, reason: str, message: str) -> None: ...


class RegionFailover:
    """Mixin of ``StageScheduler``: the failures of a BATCH job and how its regions run again (it uses the
    scheduler's ``_producers``, ``_release_slot`` and ``schedule_ready``)."""

    host: SchedulerHost
    finished: set[tuple[str, int]]
    results: dict[tuple[str, int], Any]
    lost: set[tuple[str, int]]
    ran_on: dict[tuple[str, int], str]
    waiting: deque[Any]
    tracker: Any
    restarts: int
    new_attempt: Any

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
            host.give_up(exc, f"Recovery is suppressed by {self.tracker.describe()}{hint}", message)
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
                      f"({self.tracker.describe()}){reread}",
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

