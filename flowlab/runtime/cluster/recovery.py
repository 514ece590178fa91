"""How a STREAMING job recovers from a failure (Flink's ``DefaultScheduler`` with its failover strategy).

1. *failure*: a subtask fails (its user function raised, ``sim.fail``, or its TaskManager was lost); the JobMaster
   hears of it after the RPC latency. A failure of a subtask already being restarted changes nothing.
2. The restart strategy decides (``restart_strategies``): give up → *gave_up*, the job FAILS with
   ``JobException: Recovery is suppressed by ...``; else the failover strategy (``failover``) picks the subtasks
   to restart, the job goes RUNNING → RESTARTING (*restarting*; the CheckpointCoordinator suspends, aborting
   pending checkpoints: "Checkpoint Coordinator is suspending.").
3. *canceling*: every subtask of the region still alive goes CANCELING and stops; what it had in flight or
   queued is discarded; CANCELED reaches the JobMaster after a round trip.
4. After the strategy's delay (and the cancellation): *restoring*. The job is RUNNING again (checkpoints resume
   an interval later); every subtask of the region gets a new attempt (attempt + 1), wired afresh, with the
   state of the latest completed checkpoint (without one: from scratch — sources from the beginning, empty
   state); SCHEDULED → (slots) → DEPLOYING → INITIALIZING → RUNNING.
5. *running*: every restarted subtask runs again.

Each phase is a ``recovery`` trace event, ``data = {"phase", "attempt", "checkpoint_id", "region", "delay_ms"}``,
so ``sim.break_on("recovery", phase="restoring")`` stops there. ``restarts`` keeps one record per restart for the
snapshot's recovery timeline.

Simplifications: the subtasks of the region stop at once when the JobMaster cancels them (Flink's cancel RPC
takes a moment to reach them); a lost TaskManager counts as one failure, noticed after the RPC latency (Flink:
a heartbeat timeout or a broken connection); ``flowlab.recovery.max-restarts`` (default 100, a flowlab
extension) stops a job that would restart forever.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowlab.common.config_values import read_int
from flowlab.runtime.cluster.failover import Key, pipelined_regions, subtasks_to_restart
from flowlab.runtime.cluster.restart_strategies import RestartTracker
from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.cluster.job_master import JobMaster
    from flowlab.runtime.tasks.stream_task import StreamTask

ALIVE = ("SCHEDULED", "DEPLOYING", "INITIALIZING", "RUNNING")
MAX_RESTARTS_KEY = "flowlab.recovery.max-restarts"


class StreamingRecovery:
    """The JobMaster's failure handling for a STREAMING job: restarts regions, or fails the job."""

    def __init__(self, jm: JobMaster, tracker: RestartTracker, failover: str,
                 new_attempt: Callable[[Any], Any]) -> None:
        self.jm = jm
        self.tracker = tracker
        self.failover = failover
        self.new_attempt = new_attempt             # the job runtime's: a fresh, wired attempt of a subtask
        self.max_restarts = read_int(jm.conf, MAX_RESTARTS_KEY, 100, minimum=0)
        self.restarts: list[dict[str, Any]] = []
        self.waiting: set[Key] = set()             # subtasks whose restart is scheduled
        self.source_high: dict[Key, int] = {}      # how far each source subtask's attempts have read
        self.replayed: dict[str, int] = {}         # source vertex name -> records emitted again (ended attempts)
        self.restore: Any = None                   # set by the job runtime: restores a new attempt's state
        self._regions: list[list[Key]] | None = None

    # -- failures -------------------------------------------------------------------------------------------
    def task_failed(self, task: StreamTask, exc: BaseException, message: str) -> None:
        """A subtask failed (already FAILED): the JobMaster hears of it after the RPC latency."""
        jm = self.jm
        jm.kernel.schedule(jm.kernel.now + jm.rpc_latency_us, self.on_failure, [task], exc, message,
                           jm.kernel.now, None, phase=PHASE_CONTROL)

    def taskmanager_lost(self, tm_id: str, exc: BaseException, traceback: str) -> None:
        """A TaskManager died: its slots are gone, every subtask in them fails (one failure for the restart
        strategy), and a replacement registers after ``flowlab.cluster.taskmanager-replacement-delay``."""
        jm = self.jm
        tm = next(t for t in jm.rm.taskmanagers if t.id == tm_id)
        names = {n for slot in tm.slots for n in slot}
        jm.rm.taskmanagers.remove(tm)
        jm.slot_pool.lose(tm_id)
        roots = []
        for t in jm.all_tasks():
            if t.name in names and t.slot is not None and t.slot[0] == tm_id and t.state in ALIVE:
                jm.mark_failed(t, exc, traceback)
                roots.append(t)
        jm.schedule_replacement(tm_id, len(tm.slots))
        if roots:
            jm.kernel.schedule(jm.kernel.now + jm.rpc_latency_us, self.on_failure, roots, exc,
                               f"TaskManager {tm_id} lost: {exc}", jm.kernel.now, tm_id, phase=PHASE_CONTROL)

    def slots_timed_out(self, tasks: list[StreamTask], exc: BaseException, message: str) -> None:
        """The slot request of restarted subtasks timed out: they fail (on the JobMaster itself: no RPC)."""
        for t in tasks:
            self.jm.mark_failed(t, exc, message)
        self.on_failure(tasks, exc, message, self.jm.kernel.now, None)

    def global_failure(self, exc: BaseException, message: str) -> None:
        """A failure of the job as a whole (too many failed checkpoints): every subtask restarts, whatever the
        failover strategy (Flink's ``handleGlobalFailure``), if the restart strategy allows."""
        self.on_failure(self.jm.all_tasks(), exc, message, self.jm.kernel.now, None, everything=True)

    def on_failure(self, roots: list[StreamTask], exc: BaseException, message: str, failed_us: int,
                   tm_id: str | None, everything: bool = False) -> None:
        jm = self.jm
        if jm.terminal:
            return
        roots = [t for t in roots if jm.tasks[t.vertex_id][t.index] is t and (t.vertex_id, t.index) not in self.waiting]
        if not roots:
            return              # the subtask is being restarted already (Flink: a failure while cancelling)
        first = roots[0]
        cause = message.splitlines()[0] if everything else f"{type(exc).__name__}: {exc}"
        names = [t.name for t in roots]
        what = ("the job failed" if everything else f"TaskManager {tm_id} lost: {', '.join(names)} failed"
                if tm_id is not None else f"{', '.join(names)} failed")
        self._emit("failure", f"JobMaster: {what} ({cause})", first.attempt, None, names, None,
                   None if everything else first)
        if len(self.restarts) >= self.max_restarts:
            reason = (f"flowlab stopped the job after {len(self.restarts)} restarts ({MAX_RESTARTS_KEY}): it fails "
                      f"again and again, and {self.tracker.strategy.name} would restart it forever. Fix the failure "
                      "below, or bound the restarts (restart-strategy.type: fixed-delay, .attempts)")
            self._give_up(first, exc, reason, message)
            return
        delay = self.tracker.on_failure(jm.kernel.now / 1000)
        if delay is None:
            hint = ("" if self.tracker.strategy.kind != "none" else
                    " (restart-strategy.type is none, Flink's default without checkpointing: set it, e.g. to "
                    "fixed-delay, or enable checkpointing to let the job restart)")
            self._give_up(first, exc, f"Recovery is suppressed by {self.tracker.describe()}{hint}", message)
            return
        self._restart_region([(t.vertex_id, t.index) for t in roots], cause, failed_us, tm_id,
                             first.name if tm_id is None and not everything else None, delay,
                             "full" if everything else self.failover)

    def _give_up(self, task: StreamTask, exc: BaseException, reason: str, message: str) -> None:
        self._emit("gave_up", f"JobMaster gives up: {reason}", task.attempt, None, [task.name], None, task)
        self.jm.give_up(exc, reason, message)

    # -- restarting -----------------------------------------------------------------------------------------
    def regions(self) -> list[list[Key]]:
        if self._regions is None:
            self._regions = pipelined_regions(self.jm.job_graph, self.jm.tasks)
        return self._regions

    def _restart_region(self, failed: list[Key], cause: str, failed_us: int, tm_id: str | None,
                        failed_task: str | None, delay_ms: int, failover: str) -> None:
        jm = self.jm
        order = [v.id for v in jm.job_graph.vertices]
        keys = [k for k in subtasks_to_restart(failover, self.regions(), failed, order) if k not in self.waiting]
        tasks = [jm.tasks[v][i] for v, i in keys]
        attempt = max(t.attempt for t in tasks) + 1
        names = [t.name for t in tasks]
        number = len(self.restarts) + 1
        self.restarts.append({"number": number, "cause": cause, "failed_task": failed_task, "taskmanager": tm_id,
                              "failed_at_ms": failed_us / 1000, "region": names, "restart_at_ms": None,
                              "running_at_ms": None, "restored_checkpoint": None, "attempt": attempt,
                              "delay_ms": delay_ms, "failover_strategy": failover})
        self.waiting.update(keys)
        if jm.status == "RUNNING":
            jm.set_status("RESTARTING")
        what = "every subtask" if failover == "full" else f"region of {len(names)} subtask(s)"
        self._emit("restarting", f"restart {number} ({self.tracker.describe()}): {what} restarts in {delay_ms:g} ms",
                   attempt, None, names, delay_ms)
        discarded = 0
        canceled = []
        for t in tasks:
            self._retire(t)
            discarded += t.discard_network()
            if t.state in ALIVE:
                old, t.state = t.state, "CANCELING"
                t.cancel()
                canceled.append(t)
                jm.rec.emit(EventKind.TASK_STATE, t.vertex_id, t.index, None, f"{old} -> CANCELING",
                            {"from": old, "to": "CANCELING"})
        self._emit("canceling", f"cancels {len(canceled)} subtask(s) of the region; {discarded} buffer(s) in flight "
                   "or queued are discarded", attempt, None, names, delay_ms)
        round_trip = 2 * jm.rpc_latency_us
        jm.kernel.schedule(jm.kernel.now + round_trip, self._canceled, canceled, phase=PHASE_CONTROL)
        versions = [(k, jm.tasks[k[0]][k[1]].attempt) for k in keys]
        jm.kernel.schedule(jm.kernel.now + max(round(delay_ms * 1000), round_trip), self._restart, number, versions,
                           phase=PHASE_CONTROL)

    def _retire(self, task: StreamTask) -> None:
        """Remember how far an ending source attempt read and what it replayed (for the next attempt's flags)."""
        head = task.head if task.operators else None
        reader = getattr(head, "reader", None)
        if head is not None and task.is_source and reader is not None:
            key = (task.vertex_id, task.index)
            self.source_high[key] = max(self.source_high.get(key, 0), getattr(reader, "position", 0))
            if head.replayed:
                self.replayed[task.vertex.name] = self.replayed.get(task.vertex.name, 0) + head.replayed

    def _canceled(self, tasks: list[StreamTask]) -> None:
        jm = self.jm
        by_id = {tm.id: tm for tm in jm.rm.taskmanagers}
        for t in tasks:
            if t.state != "CANCELING":
                continue
            t.state = "CANCELED"
            jm.rec.emit(EventKind.TASK_STATE, t.vertex_id, t.index, None, "CANCELING -> CANCELED",
                        {"from": "CANCELING", "to": "CANCELED"})
            tm = by_id.get(t.slot[0]) if t.slot else None
            if tm is not None and t.name in tm.slots[t.slot[1]]:
                tm.slots[t.slot[1]].remove(t.name)

    def _restart(self, number: int, versions: list[tuple[Key, int]]) -> None:
        jm = self.jm
        if jm.terminal:
            return
        keys = [k for k, attempt in versions if jm.tasks[k[0]][k[1]].attempt == attempt and k in self.waiting]
        self.waiting.difference_update(keys)
        if not keys:
            return
        record = self.restarts[number - 1]
        if not self.waiting and jm.status == "RESTARTING":
            jm.set_status("RUNNING")                 # Flink: before the new attempts are deployed
        point = None if self.restore is None else self.restore.latest()
        checkpoint_id = None if point is None else point.checkpoint_id
        record["restart_at_ms"] = jm.kernel.now / 1000
        record["restored_checkpoint"] = checkpoint_id
        names = [jm.tasks[v][i].name for v, i in keys]
        where = (f"the state of checkpoint {checkpoint_id}" if checkpoint_id is not None
                 else "no checkpoint: from scratch (sources from the beginning, empty state)")
        self._emit("restoring", f"restart {number}: new attempts of {len(keys)} subtask(s) restore {where}",
                   record["attempt"], checkpoint_id, names, None)
        old = {k: jm.tasks[k[0]][k[1]] for k in keys}
        for k in reversed(keys):                   # consumers first: a producer wires to its consumers' new gates
            self.new_attempt(old[k]).replay_until = self.source_high.get(k, 0)
        new = [jm.tasks[v][i] for v, i in keys]
        for k, task in zip(keys, new, strict=True):
            jm.rec.emit(EventKind.TASK_STATE, k[0], k[1], None, f"{old[k].state} -> CREATED (attempt {task.attempt})",
                        {"from": old[k].state, "to": "CREATED", "attempt": task.attempt})
        if self.restore is not None:
            self.restore.prepare(point, new, keys)
        jm.transition_subtasks(new, "CREATED", "SCHEDULED")
        jm.slot_pool.acquire(new, lambda: self._deploy(number, new))

    def _deploy(self, number: int, tasks: list[StreamTask]) -> None:
        jm = self.jm
        for new, old in (("DEPLOYING", "SCHEDULED"), ("INITIALIZING", "DEPLOYING"), ("RUNNING", "INITIALIZING")):
            jm.kernel.schedule(jm.kernel.now, jm.transition_subtasks, tasks, old, new, phase=PHASE_CONTROL)
        jm.kernel.schedule(jm.kernel.now, self._running, number, tasks, phase=PHASE_CONTROL)

    def _running(self, number: int, tasks: list[StreamTask]) -> None:
        jm = self.jm
        if jm.terminal or any(jm.tasks[t.vertex_id][t.index] is not t or t.state not in ("RUNNING", "FINISHED")
                              for t in tasks):
            return                                 # failed again on the way
        record = self.restarts[number - 1]
        record["running_at_ms"] = jm.kernel.now / 1000
        self._emit("running", f"restart {number}: every restarted subtask is RUNNING again (attempt "
                   f"{record['attempt']})", record["attempt"], record["restored_checkpoint"],
                   [t.name for t in tasks], None)

    # -- the trace and the views ----------------------------------------------------------------------------
    def _emit(self, phase: str, detail: str, attempt: int, checkpoint_id: int | None, region: list[str],
              delay_ms: float | None, task: StreamTask | None = None) -> None:
        self.jm.rec.emit(EventKind.RECOVERY, None if task is None else task.vertex_id,
                         None if task is None else task.index, None, detail,
                         {"phase": phase, "attempt": attempt, "checkpoint_id": checkpoint_id, "region": list(region),
                          "delay_ms": delay_ms})

    def replayed_records(self) -> dict[str, int]:
        """Per source vertex name: records emitted again after restores (ended attempts and running ones)."""
        out = dict(self.replayed)
        for v in self.jm.job_graph.vertices:
            for t in self.jm.tasks[v.id]:
                head = t.head if t.operators and t.is_source else None
                n = getattr(head, "replayed", 0)
                if n:
                    out[v.name] = out.get(v.name, 0) + n
        return {k: out[k] for k in sorted(out)}
