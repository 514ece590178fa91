"""The JobMaster (with the Dispatcher's part of a submission): it schedules one job, tracks the execution
state of every subtask and owns the job status.

The cluster's conversation is a sequence of kernel calls at virtual time 0 (RPCs are instantaneous here),
each one a trace event, so a learner can step through a job submission: submit → JobMaster →
CREATED → RUNNING → subtasks SCHEDULED → slots requested and allocated → DEPLOYING →
INITIALIZING → RUNNING, and at the end FINISHED (or FAILED / CANCELED).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowlab.kernel import Kernel
from flowlab.runtime.batch import BatchExecution, StageScheduler
from flowlab.runtime.checkpointing import CheckpointCoordinator, CheckpointSettings
from flowlab.runtime.checkpointing.restore_source import announce_restore
from flowlab.runtime.cluster.failover import failover_strategy
from flowlab.runtime.cluster.recovery import StreamingRecovery
from flowlab.runtime.cluster.resource_manager import NoResourceAvailableError, ResourceManager
from flowlab.runtime.cluster.restart_strategies import JobException, RestartTracker, restart_strategy
from flowlab.runtime.cluster.slots import SlotPool
from flowlab.runtime.cluster.task_manager import TaskManager, cluster_shape, replacement_delay_us
from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.runtime.recorder import Recorder
from flowlab.runtime.tasks.stream_task import StreamTask
from flowlab.runtime.tasks.user_traceback import format_user_traceback
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.graph.job_graph import JobGraph

TERMINAL = ("FINISHED", "FAILED", "CANCELED")


class JobMaster:
    """Schedules and tracks one job: execution states per subtask and the job status."""

    def __init__(self, kernel: Kernel, recorder: Recorder, job_graph: JobGraph, conf: dict[str, Any],
                 rm: ResourceManager, tasks: dict[str, list[StreamTask]], job_id: str,
                 channel_count: Callable[[], int], rpc_latency_us: int = 0,
                 checkpoint_settings: CheckpointSettings | None = None, batch: BatchExecution | None = None,
                 new_attempt: Callable[[StreamTask], StreamTask] | None = None) -> None:
        self.kernel = kernel
        self.rec = recorder
        self.job_graph = job_graph
        self.job_name = job_graph.job_name
        self.conf = conf
        self.rm = rm
        self.tasks = tasks                        # filled by the job runtime; vertex id -> subtasks
        self.job_id = job_id
        self.channel_count = channel_count
        # A task's failure reaches the JobMaster as an RPC; flowlab gives it the network latency. (It also keeps
        # fast-forward exact: no task can have run further ahead than that when the job is failed.)
        self.rpc_latency_us = rpc_latency_us
        self.status: str | None = None            # not yet submitted
        self.status_history: list[tuple[int, str]] = []
        self.failure: str | None = None
        self.failure_exception: BaseException | None = None
        # the cluster's shape is read (and its settings checked) before anything runs, as a MiniCluster does
        self.shape = cluster_shape(conf, job_graph.slots_needed)
        # the restart strategy is read at submission (a bad value fails it); Flink 2.x's default depends on
        # whether checkpointing is on (exponential-delay) or off (none); BATCH never checkpoints
        self.restart_strategy = restart_strategy(conf, checkpointing=checkpoint_settings is not None)
        self.restart_tracker = RestartTracker(self.restart_strategy)
        self.failover_strategy = failover_strategy(conf)
        self.replacement_delay_us = replacement_delay_us(conf)
        self.slot_pool = SlotPool(self)
        self.tm_count = self.shape[0]             # TaskManagers started so far (replacements get the next ids)
        # the CheckpointCoordinator (None: checkpointing is off); its storage is created now, so a checkpoint
        # directory that cannot be written fails the submission, as in Flink
        self.checkpoints: CheckpointCoordinator | None = None
        if checkpoint_settings is not None:
            self.checkpoints = CheckpointCoordinator(kernel, recorder, checkpoint_settings, job_graph, tasks, job_id,
                                                     rpc_latency_us, self.global_failure)
        # BATCH: subtasks are scheduled stage by stage over blocking exchanges (flowlab.runtime.batch); STREAMING
        # restarts failed regions (cluster.recovery)
        self.stages: StageScheduler | None = None
        self.recovery: StreamingRecovery | None = None
        if batch is not None:
            self.stages = StageScheduler(self, new_attempt, self.restart_tracker)
        else:
            self.recovery = StreamingRecovery(self, self.restart_tracker, self.failover_strategy, new_attempt)
        self.restored_from: Any = None            # (RestoreSource, StateAssignment) when starting from a snapshot

    def _next(self, fn: Any, *args: Any) -> None:
        self.kernel.schedule(self.kernel.now, fn, *args, phase=PHASE_CONTROL)

    # -- submission ----------------------------------------------------------------------------------
    def boot(self) -> None:
        n_tms, slots = self.shape
        for i in range(n_tms):
            self._next(self._register_tm, f"tm-{i + 1}", slots)
        self._next(self._submit)

    def _register_tm(self, tm_id: str, slots: int, replaces: str | None = None) -> None:
        if self.terminal and replaces is not None:
            return
        self.rm.taskmanagers.append(TaskManager(tm_id, slots))
        instead = f" (replacing the lost {replaces})" if replaces else ""
        self.rec.emit(EventKind.TASKMANAGER_REGISTERED, detail=f"TaskManager {tm_id} registered {slots} slot(s) "
                      f"with the ResourceManager{instead}", data={"taskmanager": tm_id, "slots": slots})
        if replaces is not None:
            self.slot_pool.taskmanager_registered()

    def schedule_replacement(self, lost: str, slots: int) -> None:
        """A lost TaskManager is replaced (its process restarted by the deployment) after
        ``flowlab.cluster.taskmanager-replacement-delay``; the new one has a new id."""
        if self.replacement_delay_us is None:
            return
        self.tm_count += 1
        tm_id = f"tm-{self.tm_count}"
        self.kernel.schedule(self.kernel.now + self.replacement_delay_us, self._register_tm, tm_id, slots, lost,
                             phase=PHASE_CONTROL)

    def _submit(self) -> None:
        self.rec.emit(EventKind.JOB_SUBMITTED, detail=f"Dispatcher accepted job '{self.job_name}' ({self.job_id}): "
                      f"JobGraph with {len(self.job_graph.vertices)} vertices")
        self.set_status("INITIALIZING")
        self._next(self._start_jobmaster)

    def _start_jobmaster(self) -> None:
        n = sum(v.parallelism for v in self.job_graph.vertices)
        self.rec.emit(EventKind.JOBMASTER_STARTED, detail=f"Dispatcher started a JobMaster; it built the "
                      f"ExecutionGraph: {n} subtasks, {self.channel_count()} channels")
        if self.restored_from is not None:
            announce_restore(self.rec, *self.restored_from)
        self.set_status("CREATED")
        self._next(self._start_scheduling)

    def _start_scheduling(self) -> None:
        self.set_status("RUNNING")
        if self.stages is not None:
            self._next(self.stages.schedule_ready)
            return
        for v in self.job_graph.vertices:
            self._next(self._transition, v.id, "CREATED", "SCHEDULED")
        self._next(self._request_slots)

    def _transition(self, vertex_id: str, old: str, new: str) -> None:
        self.transition_subtasks(self.tasks[vertex_id], old, new)

    def transition_subtasks(self, tasks: list[StreamTask], old: str, new: str) -> None:
        """Move the subtasks in state ``old`` to ``new`` (one trace event each); build and open a chain when it
        initialises, start it when it runs."""
        for task in tasks:
            if task.state != old:
                continue
            task.state = new
            where = f" in {task.slot[0]} slot {task.slot[1]}" if task.slot and new == "DEPLOYING" else ""
            self.rec.emit(EventKind.TASK_STATE, task.vertex_id, task.index, detail=f"{old} -> {new}{where}",
                          data={"from": old, "to": new})
            if new == "INITIALIZING":
                try:
                    task.build_chain()
                    task.open_operators()
                except Exception as exc:  # noqa: BLE001 - open() of a user function failed
                    self.task_failed(task, exc, format_user_traceback(exc))
                    return
            elif new == "RUNNING":
                task.start()

    def _request_slots(self) -> None:
        groups: dict[str, int] = {}
        for v in self.job_graph.vertices:
            groups[v.slot_sharing_group] = max(groups.get(v.slot_sharing_group, 0), v.parallelism)
        needed = sum(groups.values())
        desc = ", ".join(f"'{g}' x{n}" for g, n in groups.items())
        self.rec.emit(EventKind.SLOT_REQUESTED, detail=f"JobMaster requests {needed} slot(s) from the "
                      f"ResourceManager (slot sharing groups: {desc})", data={"slots": needed})
        free = self.rm.free_slots()
        if len(free) < needed:
            total = self.rm.total_slots()
            tms = len(self.rm.taskmanagers)
            msg = (f"NoResourceAvailableException: Could not acquire the minimum required resources. The job needs "
                   f"{needed} slot(s) — the highest parallelism of each slot sharing group ({desc}) — but the "
                   f"cluster has {len(free)} free of {total} ({tms} TaskManager(s) x "
                   f"{total // max(tms, 1)} slot(s)). Lower the parallelism, put operators into the same slot "
                   "sharing group, or raise taskmanager.numberOfTaskSlots / minicluster.number-of-taskmanagers.")
            self._next(self.fail_job, NoResourceAvailableError(msg), msg)
            return
        self._next(self._allocate, groups)

    def _allocate(self, groups: dict[str, int]) -> None:
        free = self.rm.free_slots()
        slot_of: dict[tuple[str, int], tuple[TaskManager, int]] = {}
        k = 0
        for g, n in groups.items():
            for i in range(n):
                tm, s = free[k]
                k += 1
                tm.allocated[s] = f"{g}#{i}"
                slot_of[(g, i)] = (tm, s)
                self.slot_pool.slot_of[(g, i)] = (tm.id, s)
                self.rec.emit(EventKind.SLOT_ALLOCATED, detail=f"ResourceManager gave {tm.id} slot {s} to the job "
                              f"(slot sharing group '{g}', instance {i})",
                              data={"taskmanager": tm.id, "slot": s, "group": g})
        for v in self.job_graph.vertices:
            for task in self.tasks[v.id]:
                tm, s = slot_of[(v.slot_sharing_group, task.index)]
                task.slot = (tm.id, s)
                tm.slots[s].append(task.name)
        for new, old in (("DEPLOYING", "SCHEDULED"), ("INITIALIZING", "DEPLOYING"), ("RUNNING", "INITIALIZING")):
            for v in self.job_graph.vertices:
                self._next(self._transition, v.id, old, new)

    # -- completion ------------------------------------------------------------------------------------
    def task_finished(self, task: StreamTask) -> None:
        old = task.state
        task.state = "FINISHED"
        self.rec.emit(EventKind.TASK_STATE, task.vertex.id, task.index, detail=f"{old} -> FINISHED",
                      data={"from": old, "to": "FINISHED"})
        if self.stages is not None:
            self._next(self.stages.on_finished, task)
        self._next(self._job_finished)

    def _job_finished(self) -> None:
        """The job is FINISHED once its last task is (a check per finished task, at the time it finished: in
        fast-forward another task may already have run further, so the check looks at finish times)."""
        tasks = self.all_tasks()
        if (self.status == "RUNNING" and all(t.state == "FINISHED" for t in tasks)
                and max(t.ended_us or 0 for t in tasks) <= self.kernel.now):
            self.set_status("FINISHED")

    # -- status --------------------------------------------------------------------------------------------
    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def set_status(self, new: str) -> None:
        old = self.status
        if new == old:
            return
        self.status = new
        self.status_history.append((self.kernel.now, new))
        self.rec.emit(EventKind.JOB_STATUS, detail=f"job '{self.job_name}' {old or 'submitted'} -> {new}",
                      data={"from": old, "to": new})
        if self.checkpoints is not None:
            if new == "RUNNING":
                self.checkpoints.start()
            elif new == "RESTARTING":
                self.checkpoints.suspend()
            elif new in TERMINAL:
                self.checkpoints.shutdown(new)

    def all_tasks(self) -> list[StreamTask]:
        return [t for v in self.job_graph.vertices for t in self.tasks[v.id]]

    def task_failed(self, task: StreamTask, exc: BaseException, user_traceback: str) -> None:
        """A task failed: the restart strategy decides whether its region restarts (STREAMING: ``recovery``;
        BATCH: the stage scheduler re-runs the region) or the job fails."""
        msg = self.mark_failed(task, exc, user_traceback)
        # the failure reaches the JobMaster by RPC, which takes the network latency (see __init__)
        if self.stages is not None:           # BATCH: the failed region may run again
            self.kernel.schedule(self.kernel.now + self.rpc_latency_us, self.stages.on_failed, task, exc, msg,
                                 phase=PHASE_CONTROL)
            return
        self.recovery.task_failed(task, exc, msg)       # STREAMING: its region restarts, or the job fails

    def global_failure(self, exc: BaseException, message: str) -> None:
        """A failure of the whole job, not of one task (too many failed checkpoints): every task restarts, if
        the restart strategy allows (Flink's ``handleGlobalFailure``)."""
        if self.recovery is None:
            self.fail_job(exc, message)
        else:
            self.recovery.global_failure(exc, message)

    def give_up(self, exc: BaseException, reason: str, message: str) -> None:
        """The restart strategy gives up: the job FAILS with Flink's ``JobException`` (the failure that caused it,
        with the user's traceback, follows in the message and as the exception's cause)."""
        error = JobException(reason)
        error.__cause__ = exc
        self.fail_job(error, f"JobException: {reason}\n{message}")

    def mark_failed(self, task: StreamTask, exc: BaseException, user_traceback: str) -> str:
        """The subtask is FAILED (a ``task_failed`` event); returns the failure message for the job."""
        old = task.state
        task.state = "FAILED"
        task.failure = user_traceback
        task.cancel()
        self.rec.emit(EventKind.TASK_FAILED, task.vertex.id, task.index, None,
                      f"{old} -> FAILED: {type(exc).__name__}: {exc}",
                      {"from": old, "to": "FAILED", "traceback": user_traceback})
        return (f"Task {task.vertex.name} ({task.index + 1}/{task.vertex.parallelism}) failed with "
                f"{type(exc).__name__}: {exc}\n\n{user_traceback}")

    def fail_job(self, exc: BaseException, message: str) -> None:
        if self.terminal:
            return
        self.failure = message
        self.failure_exception = exc
        if self.status == "RUNNING":
            self.set_status("FAILING")
        self._cancel_unfinished_tasks()
        self.set_status("FAILED")

    def cancel(self) -> None:
        if self.terminal:
            return
        self.set_status("CANCELLING")
        self._cancel_unfinished_tasks()
        self.set_status("CANCELED")

    def _cancel_unfinished_tasks(self) -> None:
        for t in self.all_tasks():
            if t.state not in TERMINAL:
                old = t.state
                t.state = "CANCELED"
                t.cancel()
                self.rec.emit(EventKind.TASK_STATE, t.vertex.id, t.index, None, f"{old} -> CANCELED",
                              {"from": old, "to": "CANCELED"})
