"""The CheckpointCoordinator (run by the JobMaster): triggers checkpoints, collects acks, completes or aborts.

Every ``interval`` of virtual time (the first one ``interval`` after the job starts RUNNING) it asks to trigger
a checkpoint. The request waits while ``max-concurrent-checkpoints`` are pending and runs as soon as one ends;
within ``min-pause`` of the last completion it is dropped and the timer restarts when the pause is over
(Flink's ``CheckpointRequestDecider``). Triggering needs every subtask RUNNING (or FINISHED, FLIP-147); it
takes the next id (from 1; an aborted checkpoint burns its id) and sends the trigger RPC to the sources and to
running subtasks whose inputs all finished. Each subtask acknowledges (an RPC); with every ack the checkpoint
is COMPLETED: its ``_metadata`` is written, older pending ones are subsumed, the oldest retained one beyond
``num-retained`` is deleted, and every running subtask is notified. A checkpoint that does not complete within
``timeout`` expires. Expired checkpoints and failed uploads count as failures; more consecutive ones than
``tolerable-failed-checkpoints`` fail the job. When the job ends, retained checkpoints are kept or deleted per
``externalized-checkpoint-retention``.

Simplifications: the first checkpoint comes exactly one interval after the start (Flink waits a random time
between ``min-pause`` and ``interval``); at most one periodic request waits for a free slot (Flink queues
them); RPCs take ``flowlab.network.latency-ms``. Too many failed checkpoints fail the job as a whole: the
restart strategy decides whether it restarts (``cluster.recovery``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowlab.kernel import Kernel
from flowlab.runtime.checkpointing.config import CheckpointSettings
from flowlab.runtime.checkpointing.metadata import RawJSON
from flowlab.runtime.checkpointing.savepoints import (
    SavepointError,
    SavepointMixin,
    SavepointRequest,
    describe_savepoint,
)
from flowlab.runtime.checkpointing.stats import CheckpointStats, SubtaskStats
from flowlab.runtime.checkpointing.storage import CheckpointStorage, CompletedCheckpoint
from flowlab.runtime.elements import CheckpointBarrier
from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.runtime.recorder import Recorder
from flowlab.runtime.state.snapshot_codec import dumps, to_plain
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.graph.job_graph import JobGraph
    from flowlab.runtime.tasks.checkpoint_ack import CheckpointAck
    from flowlab.runtime.tasks.stream_task import StreamTask

#: Failure reasons that count towards ``tolerable-failed-checkpoints`` (Flink's ``CheckpointFailureManager``).
COUNTED = frozenset({"CHECKPOINT_EXPIRED", "CHECKPOINT_ASYNC_EXCEPTION", "CHECKPOINT_DECLINED", "IO_EXCEPTION",
                     "FINALIZE_CHECKPOINT_FAILURE"})
#: Whether retained checkpoints are deleted when the job ends so (``CheckpointProperties``' discard flags).
DISCARD = {"NO_EXTERNALIZED_CHECKPOINTS": {"FINISHED", "CANCELED", "FAILED"},
           "DELETE_ON_CANCELLATION": {"FINISHED", "CANCELED"},
           "RETAIN_ON_CANCELLATION": {"FINISHED"}}


class CheckpointFailureError(RuntimeError):
    """Too many checkpoints failed in a row (``tolerable-failed-checkpoints`` exceeded)."""


class _Pending:
    def __init__(self, stats: CheckpointStats, canceller: Any, savepoint: SavepointRequest | None = None) -> None:
        self.stats = stats
        self.canceller = canceller
        self.savepoint = savepoint
        self.acks: dict[tuple[str, int], CheckpointAck] = {}
        self.coordinator_state: dict[str, bytes] = {}       # operator id -> its coordinator's snapshot


class CheckpointCoordinator(SavepointMixin):
    """Flink's ``CheckpointCoordinator`` for one job."""

    def __init__(self, kernel: Kernel, recorder: Recorder, settings: CheckpointSettings, job_graph: JobGraph,
                 tasks: dict[str, list[StreamTask]], job_id: str, rpc_latency_us: int,
                 fail_job: Callable[[BaseException, str], None]) -> None:
        self.kernel = kernel
        self.rec = recorder
        self.settings = settings
        self.job_graph = job_graph
        self.tasks = tasks
        self.job_id = job_id
        self.rpc_us = rpc_latency_us
        self.fail_job = fail_job
        self.storage = CheckpointStorage(settings, job_id)
        self.next_id = 1
        self.pending: dict[int, _Pending] = {}
        self.completed: list[CompletedCheckpoint] = []      # retained, oldest first
        self.history: list[CheckpointStats] = []
        self.periodic: Any = None
        self.queued = False
        self.last_completion_us: int | None = None
        self.consecutive_failures = 0
        self.running = False
        # operator id -> the operator's coordinator (a source's split enumerator), set by the job runtime
        self.operator_coordinators: dict[str, Any] = {}
        # savepoints: the run's connector registry (their folders, kept across time travel), set by the job
        # runtime; the outcome of each savepoint by id (its folder, or why it failed); a stop-with-savepoint underway
        self.connector: Callable[[str, Any], Any] | None = None
        self.savepoints: dict[int, tuple[str, str]] = {}       # id -> ("COMPLETED", path) | ("FAILED", reason)
        self.stopping = False

    # -- the periodic trigger -------------------------------------------------------------------------------
    def start(self) -> None:
        """The job is RUNNING: the first checkpoint is due one interval from now (with checkpointing on)."""
        self.running = True
        if self.settings.periodic:
            self._schedule_periodic(self.settings.interval_ms * 1000)

    def _schedule_periodic(self, delay_us: int) -> None:
        if self.periodic is not None:
            self.periodic.cancel()
        self.periodic = self.kernel.schedule(self.kernel.now + delay_us, self._periodic_trigger, phase=PHASE_CONTROL)

    def _periodic_trigger(self) -> None:
        self.periodic = None
        if not self.running or self.stopping:
            return
        self._schedule_periodic(self.settings.interval_ms * 1000)
        self._request()

    def _request(self) -> None:
        if len(self.pending) >= self.settings.max_concurrent:
            self.queued = True                    # runs when a pending checkpoint ends
            return
        self.queued = False
        pause_us = self.settings.min_pause_ms * 1000
        if pause_us and self.last_completion_us is not None and self.kernel.now < self.last_completion_us + pause_us:
            self._schedule_periodic(self.last_completion_us + pause_us - self.kernel.now)
            return
        self._trigger()

    # -- triggering -----------------------------------------------------------------------------------------
    def _all_tasks(self) -> list[StreamTask]:
        return [t for v in self.job_graph.vertices for t in self.tasks[v.id]]

    def _plan(self) -> tuple[list[StreamTask], list[StreamTask], list[StreamTask]] | None:
        """(to trigger, to wait for, finished), or None when no checkpoint can be taken now."""
        tasks = self._all_tasks()
        if any(t.state not in ("RUNNING", "FINISHED") for t in tasks):
            return None                           # NOT_ALL_REQUIRED_TASKS_RUNNING: no id is taken
        finished = [t for t in tasks if t.state == "FINISHED"]
        running = [t for t in tasks if t.state == "RUNNING"]
        if not running or (finished and not self.settings.after_tasks_finish):
            return None
        trigger = [t for t in running if all(p.state == "FINISHED" for p in self._producers(t))]
        return trigger, running, finished

    def _producers(self, task: StreamTask) -> list[StreamTask]:
        out = []
        for gate, edge in zip(task.gates, task.vertex.in_edges, strict=True):
            out.extend(self.tasks[edge.source.id][c.producer] for c in gate.channels)
        return out

    def _trigger(self, savepoint: SavepointRequest | None = None) -> int | None:
        plan = self._plan()
        if plan is None:
            return None
        trigger, waiting, finished = plan
        n = self.next_id
        self.next_id += 1
        now = self.kernel.now
        s = self.settings
        alignment = s.alignment if savepoint is None else ("ALIGNED" if s.exactly_once else "AT_LEAST_ONCE")
        stats = CheckpointStats(n, now, alignment, [(t.vertex_id, t.index) for t in waiting],
                                [(t.vertex_id, t.index) for t in finished])
        stats.kind = "CHECKPOINT" if savepoint is None else savepoint.savepoint_type
        self.history.append(stats)
        canceller = self.kernel.schedule(now + s.timeout_ms * 1000, self._expire, n, phase=PHASE_CONTROL)
        self.pending[n] = _Pending(stats, canceller, savepoint)
        # Flink checkpoints the operator coordinators (split enumerators) first, then triggers the sources: splits
        # assigned after this moment are in neither the enumerator's nor (their RPC arrives after the trigger) the
        # readers' snapshot, so a restore hands them out again
        for op_id in sorted(self.operator_coordinators):
            state = self.operator_coordinators[op_id].snapshot_state(n)
            self.pending[n].coordinator_state[op_id] = dumps(to_plain(state))
        names = ", ".join(t.name for t in trigger)
        done = f"; {len(finished)} subtask(s) already finished" if finished else ""
        what = f"checkpoint {n} ({s.describe()})" if savepoint is None else describe_savepoint(n, savepoint)
        self.rec.emit(EventKind.CHECKPOINT_TRIGGERED, detail=f"CheckpointCoordinator triggers {what} at {names}; "
                      f"{len(waiting)} subtask(s) must acknowledge{done}",
                      data={"checkpoint_id": n, "alignment": alignment, "trigger": [t.name for t in trigger],
                            "waiting_for": len(waiting), "finished": len(finished), "type": stats.kind})
        if savepoint is None:
            barrier = CheckpointBarrier(n, now // 1000, s.alignment, s.barrier_timeout_ms)
        else:
            barrier = CheckpointBarrier(n, now // 1000, alignment, 0, savepoint=True)
        stop = None if savepoint is None else savepoint.stop
        for t in trigger:
            self.kernel.schedule(now + self.rpc_us, t.checkpointer.trigger, barrier, stop, phase=PHASE_CONTROL,
                                 target=t.actor)
        return n

    # -- acknowledgements -----------------------------------------------------------------------------------
    def send_ack(self, task: StreamTask, ack: CheckpointAck) -> None:
        """A subtask acknowledges (an RPC: it reaches the JobMaster after the latency)."""
        self.kernel.schedule(self.kernel.now + self.rpc_us, self._ack, ack, phase=PHASE_CONTROL)

    def send_decline(self, task: StreamTask, checkpoint_id: int, reason: str, message: str) -> None:
        self.kernel.schedule(self.kernel.now + self.rpc_us, self._declined, task.name, checkpoint_id, reason,
                             message, phase=PHASE_CONTROL)

    def _ack(self, ack: CheckpointAck) -> None:
        pending = self.pending.get(ack.checkpoint_id)
        if pending is None:
            return                               # late: the checkpoint was aborted meanwhile; its state is dropped
        key = (ack.vertex, ack.subtask)
        pending.acks[key] = ack
        now = self.kernel.now
        pending.stats.acks[key] = SubtaskStats(
            ack.vertex, ack.subtask, now, ack.state_size, ack.persisted_bytes, ack.start_delay_ms, ack.alignment_ms,
            ack.sync_ms, ack.async_ms, ack.unaligned, ack.crossed_records, ack.finished)
        got, total = len(pending.acks), len(pending.stats.waiting_for)
        self.rec.emit(EventKind.CHECKPOINT_ACK, ack.vertex, ack.subtask, None,
                      f"JobMaster received the acknowledgement of checkpoint {ack.checkpoint_id} ({got} of {total}; "
                      f"{ack.state_size:,} bytes)",
                      {"checkpoint_id": ack.checkpoint_id, "acknowledged": got, "total": total,
                       "state_size": ack.state_size})
        if got == total:
            self._complete(pending)

    def _declined(self, task_name: str, checkpoint_id: int, reason: str, message: str) -> None:
        pending = self.pending.get(checkpoint_id)
        if pending is not None:
            self._abort(pending, reason, f"{task_name} declined: {message}")

    # -- completion -----------------------------------------------------------------------------------------
    def _complete(self, pending: _Pending) -> None:
        if pending.savepoint is not None:
            self._complete_savepoint(pending)
            return
        stats = pending.stats
        n = stats.checkpoint_id
        try:
            done = self.storage.store(n, self._header(stats), self._operators(pending), self._channel_state(pending))
        except OSError as exc:
            self._abort(pending, "FINALIZE_CHECKPOINT_FAILURE", f"writing the checkpoint failed: {exc}")
            return
        del self.pending[n]
        pending.canceller.cancel()
        now = self.kernel.now
        stats.status, stats.end_us, stats.path = "COMPLETED", now, done.path
        self.consecutive_failures = 0
        self.last_completion_us = now
        self.completed.append(done)
        where = f"; _metadata written to {done.path}" if done.path else "; kept in the JobManager's memory"
        self.rec.emit(EventKind.CHECKPOINT_COMPLETED, detail=f"checkpoint {n} COMPLETED: {len(stats.acks)} "
                      f"subtask(s), {stats.state_size:,} bytes, {(now - stats.trigger_us) / 1000:g} ms{where}",
                      data={"checkpoint_id": n, "state_size": stats.state_size,
                            "duration_ms": (now - stats.trigger_us) / 1000, "path": done.path})
        for older in sorted(m for m in self.pending if m < n):
            self._abort(self.pending[older], "CHECKPOINT_SUBSUMED", f"checkpoint {n} completed first", retry=False)
        while len(self.completed) > self.settings.num_retained:
            self.storage.discard(self.completed.pop(0))
        for op_id in sorted(self.operator_coordinators):
            self.operator_coordinators[op_id].notify_checkpoint_complete(n)
        for t in self._all_tasks():
            if t.state == "RUNNING":
                self.kernel.schedule(now + self.rpc_us, t.checkpointer.notify_complete, n, phase=PHASE_CONTROL,
                                     target=t.actor)
        if self.queued:
            self._request()

    def _header(self, stats: CheckpointStats) -> dict[str, Any]:
        return {"format": "flowlab checkpoint", "checkpoint_id": stats.checkpoint_id, "job_id": self.job_id,
                "job_name": self.job_graph.job_name, "type": "CHECKPOINT", "mode": self.settings.mode,
                "alignment": stats.alignment, "trigger_time_ms": stats.trigger_us / 1000,
                "completion_time_ms": self.kernel.now / 1000}

    def _operators(self, pending: _Pending) -> list[dict[str, Any]]:
        out = []
        for v in self.job_graph.vertices:
            for k, node in enumerate(v.operators):
                subs = []
                for t in self.tasks[v.id]:
                    ack = pending.acks.get((v.id, t.index))
                    data = None if ack is None else ack.operators[k][1]
                    subs.append({"subtask": t.index, "finished": ack is None or ack.finished,
                                 "state": None if data is None else RawJSON(data)})
                entry = {"operator_id": node.operator_hash, "name": node.name, "node": node.operator_id,
                         "uid": node.uid, "vertex": v.id, "parallelism": v.parallelism,
                         "max_parallelism": v.max_parallelism, "subtasks": subs}
                coordinator = pending.coordinator_state.get(node.operator_id)
                if coordinator is not None:
                    entry["coordinator"] = RawJSON(coordinator)
                out.append(entry)
        return out

    def _channel_state(self, pending: _Pending) -> list[dict[str, Any]]:
        out = []
        for (vertex, subtask), ack in sorted(pending.acks.items()):
            if ack.input_channel_state or ack.output_channel_state:
                out.append({"vertex": vertex, "subtask": subtask,
                            "input": RawJSON(ack.input_channel_state) if ack.input_channel_state else None,
                            "output": RawJSON(ack.output_channel_state) if ack.output_channel_state else None})
        return out

    # -- failures -------------------------------------------------------------------------------------------
    def _expire(self, n: int) -> None:
        pending = self.pending.get(n)
        if pending is not None:
            self._abort(pending, "CHECKPOINT_EXPIRED", "Checkpoint expired before completing.")

    def _abort(self, pending: _Pending, reason: str, message: str, retry: bool = True) -> None:
        stats = pending.stats
        n = stats.checkpoint_id
        self.pending.pop(n, None)
        pending.canceller.cancel()
        now = self.kernel.now
        stats.status, stats.end_us, stats.failure, stats.reason = "FAILED", now, message, reason
        counted = reason in COUNTED and pending.savepoint is None      # failed savepoints are not counted
        if pending.savepoint is not None:
            self.savepoints[n] = ("FAILED", f"{reason}: {message}")
        if counted:
            self.consecutive_failures += 1
        waiting = [f"{v}[{i}]" for v, i in stats.waiting_for if (v, i) not in stats.acks]
        self.rec.emit(EventKind.CHECKPOINT_ABORTED, detail=f"checkpoint {n} FAILED ({reason}): {message}"
                      + (f" Not acknowledged by {', '.join(waiting)}." if reason == "CHECKPOINT_EXPIRED" else ""),
                      data={"checkpoint_id": n, "reason": reason, "counted": counted,
                            "failures_in_a_row": self.consecutive_failures})
        for t in self._all_tasks():
            if t.state == "RUNNING":
                self.kernel.schedule(now + self.rpc_us, t.checkpointer.notify_aborted, n, phase=PHASE_CONTROL,
                                     target=t.actor)
        if pending.savepoint is not None and pending.savepoint.stop is not None and self.running:
            text = (f"Stop-with-savepoint failed: {describe_savepoint(n, pending.savepoint)} did not complete "
                    f"({reason}: {message}) after the sources had stopped.")
            self.fail_job(SavepointError(text), f"FlinkException: {text}")
            return
        if counted and self.consecutive_failures > self.settings.tolerable_failures:
            text = (f"Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to {message} "
                    f"({self.consecutive_failures} failed in a row; execution.checkpointing."
                    f"tolerable-failed-checkpoints is {self.settings.tolerable_failures}). sim.checkpoints() shows "
                    "why each one failed.")
            self.consecutive_failures = 0             # Flink clears the count when it fails the job
            self.fail_job(CheckpointFailureError(text), f"FlinkRuntimeException: {text}")
            return
        if retry and self.queued and self.running:
            self._request()

    def suspend(self) -> None:
        """The job is RESTARTING: no more triggers, pending checkpoints aborted (Flink's ``stopCheckpointScheduler``,
        reason ``CHECKPOINT_COORDINATOR_SUSPEND``, not counted as a failure); ``start()`` resumes when it runs."""
        self.running = False
        self.queued = False
        if self.periodic is not None:
            self.periodic.cancel()
            self.periodic = None
        for n in sorted(self.pending):
            self._abort(self.pending[n], "CHECKPOINT_COORDINATOR_SUSPEND", "Checkpoint Coordinator is suspending.",
                        retry=False)

    # -- the end of the job ---------------------------------------------------------------------------------
    def shutdown(self, job_status: str) -> None:
        """The job ended: stop triggering, abort what is pending, keep or delete retained checkpoints."""
        if not self.running and self.periodic is None and not self.pending:
            return
        self.running = False
        self.queued = False
        if self.periodic is not None:
            self.periodic.cancel()
            self.periodic = None
        for n in sorted(self.pending):
            pending = self.pending[n]
            self._abort(pending, "CHECKPOINT_COORDINATOR_SHUTDOWN", f"the job is {job_status}.", retry=False)
        if job_status in DISCARD[self.settings.retention]:
            for done in self.completed:
                self.storage.discard(done)
            self.completed = []

    # -- reading -------------------------------------------------------------------------------------------
    def read(self, checkpoint_id: int) -> dict[str, Any]:
        """A retained checkpoint, decoded (from its files when it has any)."""
        for done in self.completed:
            if done.checkpoint_id == checkpoint_id:
                return self.storage.read(done)
        kept = [d.checkpoint_id for d in self.completed]
        raise KeyError(f"checkpoint {checkpoint_id} is not retained (retained: {kept or 'none'}; "
                       f"execution.checkpointing.num-retained is {self.settings.num_retained})")

