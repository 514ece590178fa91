"""One subtask's part of a checkpoint (Flink's ``SubtaskCheckpointCoordinatorImpl``).

A checkpoint starts here when the CheckpointCoordinator triggers a source (an RPC that becomes a mail) or when
the barrier handler has seen the barriers it needs. Then, as one step between two records, as in Flink's
``checkpointState``: the barrier is sent downstream (first, so downstream alignment is not delayed), then the
operators' state is snapshotted — the synchronous part, which stops the task for a time in proportion to
the state's size. The asynchronous part (the upload to the checkpoint storage, size / bandwidth) runs while
the task goes on; when it and, for an unaligned checkpoint, the in-flight data are done, the subtask
acknowledges to the coordinator (an RPC). ``notify_checkpoint_complete`` reaches every operator when the
checkpoint completes (the hook two-phase-commit sinks use). With ``checkpoints-after-tasks-finish`` (FLIP-147)
a subtask whose input has ended waits for one more checkpoint, its final one, and for its consumers to have
processed all it sent, before it finishes.

Simplifications: the state of all chained operators is snapshotted and uploaded as one unit per operator;
the sync/async durations are a cost model (``flowlab.checkpointing.sync-us-per-kb``, ``upload-bandwidth``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowlab.runtime.elements import CheckpointBarrier, EndOfData
from flowlab.runtime.phases import PHASE_TASK
from flowlab.runtime.state.snapshot_codec import dumps
from flowlab.runtime.tasks.barrier_handler import BarrierHandler
from flowlab.runtime.tasks.barrier_tracker import BarrierTracker
from flowlab.runtime.tasks.checkpoint_ack import CheckpointAck, channel_plain, meta_bytes, to_plain_snapshot
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.network.result_partition import ResultPartition, Subpartition
    from flowlab.runtime.tasks.stream_task import StreamTask


@dataclass
class _Pending:
    ack: CheckpointAck
    savepoint: bool = False
    async_done: bool = False
    channels_done: bool = True
    outputs_left: set[tuple[int, int]] = field(default_factory=set)   # (partition, subpartition) still to send
    output_state: list[Any] = field(default_factory=list)
    input_state: list[Any] = field(default_factory=list)


class SubtaskCheckpointCoordinator:
    """Takes this subtask's snapshots, acknowledges them, and hears when they complete or are aborted."""

    def __init__(self, task: StreamTask, settings: Any) -> None:
        self.task = task
        self.settings = settings
        self.record_size = task.network.settings.record_size
        self.handler: BarrierHandler | BarrierTracker | None = None
        if task.gates:
            self.handler = (BarrierHandler(task, self) if settings.exactly_once else BarrierTracker(task, self))
        self.last_checkpoint_id = 0
        self.triggered: set[int] = set()                # trigger RPCs whose mail has not run yet
        self.converting = False
        self.aborted: set[int] = set()
        self.pending: dict[int, _Pending] = {}
        self.input_ended = False
        self.final_checkpoint_id: int | None = None
        self.final_done = False
        self.stopping = False            # stop-with-savepoint: finish only once that savepoint completed

    @property
    def waits_for_final_checkpoint(self) -> bool:
        """FLIP-147: a subtask whose input ended finishes only after a checkpoint taken after that completed (with
        periodic checkpoints; and always in a stop-with-savepoint, whose savepoint is that checkpoint)."""
        return (self.settings.after_tasks_finish and self.settings.periodic) or self.stopping

    # -- RPCs from the coordinator (each becomes a mail, as in Flink's mailbox) ----------------------------
    def trigger(self, barrier: CheckpointBarrier, stop: EndOfData | None = None) -> None:
        """The coordinator's trigger RPC; ``stop``: a stop-with-savepoint, the source ends its input first."""
        task = self.task
        if task.state != "RUNNING":
            task.job.decline_checkpoint(task, barrier.checkpoint_id, "CHECKPOINT_DECLINED_TASK_CLOSING",
                                        f"{task.name} is {task.state}")
            return
        self.triggered.add(barrier.checkpoint_id)
        task.post_mail(self._triggered, (barrier, task.kernel.now, stop))

    def _triggered(self, barrier: CheckpointBarrier, received_us: int, stop: EndOfData | None = None) -> None:
        self.triggered.discard(barrier.checkpoint_id)
        if stop is not None:
            self.stopping = True
            if not self.input_ended:
                self.task.stop_input(stop)      # (MAX watermark,) EndOfData, then the savepoint's barrier
        if self.handler is None:
            self.perform(barrier, first_barrier_us=received_us)
        else:                       # FLIP-147: its inputs all finished; a barrier follows the rest of each input
            self.handler.inject(barrier, received_us)

    def notify_complete(self, checkpoint_id: int) -> None:
        if self.task.state == "RUNNING":
            self.task.post_mail(self._notified, (checkpoint_id,))

    def _notified(self, checkpoint_id: int) -> None:
        task = self.task
        for op in task.operators:
            op.notify_checkpoint_complete(checkpoint_id)
        final = self.final_checkpoint_id is not None and checkpoint_id >= self.final_checkpoint_id
        task.recorder.emit(EventKind.CHECKPOINT_NOTIFIED, task.vertex_id, task.index, None,
                           f"checkpoint {checkpoint_id} is complete: notify_checkpoint_complete({checkpoint_id}) on "
                           f"{len(task.operators)} operator(s)" + ("; its final checkpoint: it may finish" if final
                                                                   and not self.final_done else ""),
                           {"checkpoint_id": checkpoint_id, "final": final})
        if final and not self.final_done:
            self.final_done = True
            task.maybe_finish()

    def notify_aborted(self, checkpoint_id: int) -> None:
        if self.task.state == "RUNNING":
            self.task.post_mail(self._aborted, (checkpoint_id,))

    def _aborted(self, checkpoint_id: int) -> None:
        if checkpoint_id > self.last_checkpoint_id:
            self.aborted.add(checkpoint_id)             # its barrier may still come: it will be ignored
        self.pending.pop(checkpoint_id, None)
        if self.handler is not None:
            self.handler.abort(checkpoint_id)
        for op in self.task.operators:
            op.notify_checkpoint_aborted(checkpoint_id)

    def on_input_ended(self) -> None:
        self.input_ended = True

    def on_finished(self) -> None:
        """The subtask finishes: checkpoints it was triggered for or still uploads are declined (Flink:
        ``CHECKPOINT_DECLINED_TASK_CLOSING``, not counted as a failure); the next one sees it FINISHED."""
        task = self.task
        for n in sorted(self.triggered | set(self.pending)):
            task.job.decline_checkpoint(task, n, "CHECKPOINT_DECLINED_TASK_CLOSING", f"{task.name} finished")
        self.triggered.clear()
        self.pending.clear()

    # -- taking the checkpoint ---------------------------------------------------------------------------
    def perform(self, barrier: CheckpointBarrier, first_barrier_us: int, crossed: int = 0,
                channel_state_follows: bool = False) -> None:
        """Flink's ``checkpointState``: barrier downstream, synchronous snapshot, asynchronous part scheduled.
        ``channel_state_follows``: the barrier handler reports the in-flight input later (unaligned)."""
        task = self.task
        n = barrier.checkpoint_id
        if n <= self.last_checkpoint_id:
            return                                      # an older barrier, after a newer checkpoint (aborted)
        self.last_checkpoint_id = n
        if n in self.aborted:
            self.aborted.discard(n)
            return
        now = task.kernel.now
        ack = CheckpointAck(n, task.vertex_id, task.index, [], unaligned=barrier.unaligned, crossed_records=crossed)
        pending = self.pending[n] = _Pending(ack, barrier.savepoint)
        self._emit_barrier(barrier, pending)
        ops = []
        size = 0
        for op in task.operators:
            snap = op.snapshot_state(n, barrier.timestamp)
            data = None if snap is None else dumps(to_plain_snapshot(snap))
            ops.append((op.id, data))
            size += len(data) - meta_bytes(snap) if data else 0
        ack.operators = ops
        ack.state_size = size
        sync_us = self.settings.sync_us(size)
        task.cost += sync_us
        ack.start_delay_ms = max(0, first_barrier_us / 1000 - barrier.timestamp)
        ack.alignment_ms = 0.0 if barrier.unaligned else (now - first_barrier_us) / 1000
        ack.sync_ms = sync_us / 1000
        if self.input_ended and self.final_checkpoint_id is None:
            self.final_checkpoint_id = n
        rec = task.recorder
        if rec.enabled:
            what = "unaligned" if barrier.unaligned else "aligned" if barrier.alignment != "AT_LEAST_ONCE" else \
                "at-least-once"
            extra = f"; {crossed} record(s) after the barrier are in it" if crossed else ""
            rec.emit(EventKind.SNAPSHOT, task.vertex_id, task.index, None,
                     f"checkpoint {n} ({what}): synchronous snapshot of {size:,} bytes of state, the task stops "
                     f"{sync_us / 1000:g} ms{extra}",
                     {"checkpoint_id": n, "phase": "sync", "state_size": size, "duration_ms": sync_us / 1000,
                      "unaligned": barrier.unaligned, "crossed_records": crossed})
        else:
            rec.tick()
        upload_us = self.settings.upload_us(size)
        ack.async_ms = upload_us / 1000
        task.kernel.schedule(now + sync_us + upload_us, self._async_done, n, phase=PHASE_TASK, target=task.actor)
        if channel_state_follows:
            pending.channels_done = False               # the handler reports the in-flight input data
        if barrier.timeoutable and pending.outputs_left:
            at_us = (barrier.timestamp + barrier.timeout_ms) * 1000
            task.kernel.schedule(max(at_us, now), self._output_timeout, n, phase=PHASE_TASK, target=task.actor)

    def _emit_barrier(self, barrier: CheckpointBarrier, pending: _Pending) -> None:
        """Broadcast the barrier; an unaligned one overtakes the queued output, which becomes channel state.
        Pointwise and broadcast edges always carry it in order (Flink never makes them unaligned)."""
        task = self.task
        for k, (part, edge) in enumerate(zip(task.partitions, task.vertex.out_edges, strict=True)):
            in_order = edge.partitioner.pointwise or edge.partitioner.name == "BROADCAST"
            if barrier.unaligned and not in_order:
                for s, elements in enumerate(part.emit_priority_event(barrier)):
                    if elements:
                        pending.output_state.append([edge.index, part.subpartitions[s].consumer_index, elements])
                continue
            b = barrier
            if in_order and (barrier.unaligned or barrier.timeoutable):
                b = CheckpointBarrier(barrier.checkpoint_id, barrier.timestamp, "FORCED_ALIGNED",
                                      savepoint=barrier.savepoint)
            if b.timeoutable:
                pending.outputs_left.update((k, s) for s in range(len(part.subpartitions)))
            part.broadcast_event(b)
        if not task.partitions:
            return                                      # a sink: the barrier ends here
        rec = task.recorder
        if rec.enabled:
            targets = [f"{e.target.id}" for e in task.vertex.out_edges]
            rec.emit(EventKind.BARRIER, task.vertex_id, task.index, None,
                     f"barrier {barrier.checkpoint_id} emitted towards {', '.join(targets)}"
                     + (" ahead of the queued output (unaligned)" if barrier.unaligned else ""),
                     {"checkpoint_id": barrier.checkpoint_id, "action": "emitted", "alignment": barrier.alignment})
        else:
            rec.tick()

    def barrier_sent(self, partition: ResultPartition, sub: Subpartition, barrier: CheckpointBarrier) -> None:
        """A timeoutable barrier left a subpartition: its output needs no channel state."""
        pending = self.pending.get(barrier.checkpoint_id)
        if pending is not None and pending.outputs_left:
            pending.outputs_left.discard((self.task.partitions.index(partition), sub.position))
            if not self.converting:
                self._maybe_ack(barrier.checkpoint_id)

    def _output_timeout(self, n: int) -> None:
        """The aligned-checkpoint timeout passed while barriers still waited in the output queues: they turn
        unaligned and overtake the queued data (Flink's ``alignedBarrierTimeout`` on a result partition)."""
        pending = self.pending.get(n)
        if pending is None or not pending.outputs_left or self.task.state != "RUNNING":
            return
        self.converting = True                          # no ack before the overtaken data is recorded
        for k, part in enumerate(self.task.partitions):
            edge = self.task.vertex.out_edges[k]
            for s, elements in enumerate(part.convert_barrier(n)):
                if elements:
                    pending.output_state.append([edge.index, part.subpartitions[s].consumer_index, elements])
        self.converting = False
        pending.outputs_left.clear()
        pending.ack.unaligned = True
        self._maybe_ack(n)

    def _async_done(self, n: int) -> None:
        pending = self.pending.get(n)
        task = self.task
        if pending is None or task.state != "RUNNING":
            return
        ack = pending.ack
        limit = self.settings.max_state_size if self.settings.storage == "jobmanager" and not pending.savepoint else None
        too_big = [(op_id, len(data)) for op_id, data in ack.operators if data and limit and len(data) > limit]
        if too_big:
            self.pending.pop(n)
            op_id, size = too_big[0]
            name = next(op.name for op in task.operators if op.id == op_id)
            task.job.decline_checkpoint(
                task, n, "CHECKPOINT_ASYNC_EXCEPTION",
                f"the state of operator '{name}' in {task.name} is {size:,} bytes, more than the {limit:,} bytes the "
                f"jobmanager checkpoint storage accepts per state (Flink: \"Size of the state is larger than the "
                f"maximum permitted memory-backed state. Size={size} , maxSize={limit}\"). Store checkpoints in "
                "files instead: set execution.checkpointing.dir (e.g. 'file:///tmp/checkpoints'), or raise the "
                "limit with JobManagerCheckpointStorage(max_state_size=...).to_configuration()")
            return
        pending.async_done = True
        rec = task.recorder
        if rec.enabled:
            rec.emit(EventKind.SNAPSHOT, task.vertex_id, task.index, None,
                     f"checkpoint {n}: asynchronous part done, {ack.state_size:,} bytes uploaded in {ack.async_ms:g} ms",
                     {"checkpoint_id": n, "phase": "async", "state_size": ack.state_size,
                      "duration_ms": ack.async_ms})
        else:
            rec.tick()
        self._maybe_ack(n)

    def channel_state_done(self, n: int, input_state: list[Any]) -> None:
        """The barrier handler saw the last barrier of unaligned checkpoint ``n``: its in-flight input is known."""
        pending = self.pending.get(n)
        if pending is None:
            return
        pending.input_state = input_state
        records = sum(1 for _, _, elements in input_state for e in elements if type(e) is tuple)
        upload_us = self.settings.upload_us(records * self.record_size)
        self.task.kernel.schedule(self.task.kernel.now + upload_us, self._channels_uploaded, n, phase=PHASE_TASK,
                                  target=self.task.actor)

    def _channels_uploaded(self, n: int) -> None:
        pending = self.pending.get(n)
        if pending is not None:
            pending.channels_done = True
            self._maybe_ack(n)

    def _maybe_ack(self, n: int) -> None:
        pending = self.pending.get(n)
        if pending is None or not pending.async_done or not pending.channels_done or pending.outputs_left:
            return
        del self.pending[n]
        ack = pending.ack
        persisted = 0
        if pending.input_state:
            ack.input_channel_state = dumps(channel_plain(pending.input_state))
            persisted += self._bytes(pending.input_state)
        if pending.output_state:
            ack.output_channel_state = dumps(channel_plain(pending.output_state))
            persisted += self._bytes(pending.output_state)
        ack.persisted_bytes = persisted
        ack.state_size += len(ack.input_channel_state or b"") + len(ack.output_channel_state or b"")
        ack.finished = self.input_ended
        ack.sent_us = self.task.kernel.now
        self.task.job.acknowledge_checkpoint(self.task, ack)

    def _bytes(self, channel_state: list[Any]) -> int:
        return sum(self.record_size if type(e) is tuple else 16 for _, _, elements in channel_state for e in elements)

    # -- for the views ------------------------------------------------------------------------------------
    def phase(self, n: int) -> str:
        """This subtask's phase in checkpoint ``n``: not reached / aligning / snapshotting / acknowledged."""
        if n in self.pending:
            return "snapshotting"
        if self.handler is not None and self.handler.aligning(n):
            return "aligning"
        return "acknowledged" if self.last_checkpoint_id >= n else "not reached"


__all__ = ["CheckpointAck", "SubtaskCheckpointCoordinator"]
