"""The operator behind ``ds.sink_to(sink)`` for a Sink V2 sink: its writer and its committer (two-phase commit).

Flink runs a sink with a committer as two chained operators, ``Sink: Writer`` and ``Sink: Committer``. The
writer writes each record into something not yet visible (an in-progress file, an open Kafka transaction).
At a checkpoint barrier it *prepares the commit*: what it wrote since the last checkpoint becomes a set of
committables (pending files, a transaction to commit), which go into checkpoint *n* together with the writer's
own state (its in-progress files). When checkpoint *n* completes, ``notify_checkpoint_complete(n)`` makes the
committer commit every committable of checkpoints up to *n*: only now does a reader see the output. After a
restore the committables found in the checkpoint are committed again (a commit must be idempotent), and
whatever was written after it is rolled back (in-progress files truncated, open transactions aborted).

At the end of a bounded input the writer prepares a last commit. Without checkpointing the committer commits
it at once; with checkpointing it waits for the final checkpoint (FLIP-147), whose completion commits all.

Simplification: writer and committer are one operator here (one name, ``Sink: <name>``), with the same
state Flink's two keep; committables are committed in the notification mail, without retries.
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.operators.base import StreamOperator

END_OF_INPUT = "end-of-input"      # the checkpoint id of committables prepared when the input ended


class SinkContext:
    """What a sink's writer and committer get from their subtask (Flink's ``WriterInitContext`` and
    ``CommitterInitContext``), and from the run (its connectors, RPCs to outside systems)."""

    def __init__(self, op: SinkWriterOperator) -> None:
        self._op = op
        task = op.task
        self.subtask_index = task.index
        self.parallelism = task.vertex.parallelism
        self.attempt_number = task.attempt
        self.operator_id = op.id
        self.operator_name = op.name
        self.vertex_id = task.vertex.id
        self.input_type = op.node.output_type
        self.kernel = task.kernel
        self.recorder = task.recorder

    @property
    def restored_checkpoint_id(self) -> int | None:
        return self._op.__dict__.get("restored_checkpoint_id")

    @property
    def checkpointing(self) -> bool:
        cp = self._op.task.checkpointer
        return cp is not None and cp.settings.periodic     # not a coordinator that only takes savepoints

    def now_ms(self) -> int:
        return self._op.task.now_ms()

    def rng(self, purpose: str) -> Any:
        """The run's seeded random stream for ``purpose`` of this subtask (file names, transaction ids)."""
        return self._op.task.rng(f"{purpose}/{self._op.id}[{self.subtask_index}]")

    def connector(self, key: str, factory: Any) -> Any:
        return self._op.task.connector(key, factory)

    def register_processing_time_timer(self, ts_ms: int, callback: Any) -> None:
        """``callback(now_ms)`` as a mail of the subtask when processing time reaches ``ts_ms``."""
        self._op.task.schedule_processing_time(ts_ms, callback)

    def emit(self, kind: str, detail: str, data: dict[str, Any]) -> None:
        rec = self.recorder
        if rec.enabled:
            rec.emit(kind, self.vertex_id, self.subtask_index, self.operator_id, f"{self.operator_name}: {detail}",
                     data)
        else:
            rec.tick()


class SinkWriterOperator(StreamOperator):
    """Writer and committer of one sink subtask, tied to checkpoints (Flink's ``SinkWriterOperator`` and
    ``CommitterOperator``)."""

    def open(self) -> None:
        sink = self.task.user_function(self.node)         # this subtask's own copy of the sink
        self.sink = sink
        self.context = SinkContext(self)
        self.pending: list[tuple[Any, list[Any]]] = []   # (checkpoint id, committables) not yet committed
        self.input_ended = False
        restored = self.__dict__.get("restored_position")     # the writer's state and committables, on a restore
        self.writer = sink.create_writer(self.context, None if restored is None else restored.get("writer"))
        self.committer = sink.create_committer(self.context)
        if restored is not None and restored.get("committables"):
            # committables of the restored checkpoint: it completed, so commit them now (again, if need be)
            self.pending = [(n, list(c)) for n, c in restored["committables"]]
            self._commit_up_to(None, f"restored from checkpoint {self.context.restored_checkpoint_id}")

    def restore_position(self, position: Any) -> None:
        """On a restore, before ``open()``: the writer's state and the committables of the checkpoint."""
        self.restored_position = position

    def process_element(self, value: Any, ts: int | None) -> None:
        self.writer.write(value, ts)

    def snapshot_state(self, checkpoint_id: int, timestamp_ms: int) -> dict[str, Any] | None:
        """Prepare the commit (Flink does it before the barrier leaves; a sink has no output, so the order is the
        same), then snapshot the writer and the committables not yet committed."""
        committables = self.writer.prepare_commit(False)
        if committables:
            self.pending.append((checkpoint_id, committables))
        snap = super().snapshot_state(checkpoint_id, timestamp_ms) or {"keyed": None, "operator_state": None}
        snap["operator"] = {"writer": self.writer.snapshot_state(checkpoint_id),
                            "committables": [[n, list(c)] for n, c in self.pending]}
        return snap

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        """Checkpoint ``checkpoint_id`` completed: commit what it (and every earlier one) prepared; after the end of
        input, this is the final checkpoint and everything is committed."""
        self._commit_up_to(None if self.input_ended else checkpoint_id, f"checkpoint {checkpoint_id} completed")
        notify = getattr(self.writer, "notify_checkpoint_complete", None)
        if notify is not None:
            notify(checkpoint_id)

    def finish(self) -> None:
        """The input ended: the writer prepares its last commit; without checkpoints it is committed now."""
        self.input_ended = True
        committables = self.writer.prepare_commit(True)
        if committables:
            self.pending.append((END_OF_INPUT, committables))
        if not self.context.checkpointing:
            self._commit_up_to(None, "at the end of input")

    def _commit_up_to(self, checkpoint_id: int | None, why: str) -> None:
        """Commit the committables of checkpoints up to ``checkpoint_id`` (None: all); ``why`` is for the trace."""
        due = [(n, c) for n, c in self.pending if checkpoint_id is None or (n != END_OF_INPUT and n <= checkpoint_id)]
        if not due:
            return
        self.pending = [(n, c) for n, c in self.pending if (n, c) not in due]
        for _, committables in due:
            self.committer.commit(committables, why)

    def close(self) -> None:
        close = getattr(self.writer, "close", None)
        if close is not None:
            close()

    def snapshot_info(self) -> dict[str, Any]:
        return {"pending_commits": [[n, len(c)] for n, c in self.pending]}
