"""The source coordinator: a source's split enumerator, run by the JobMaster (Flink's ``SourceCoordinator``).

A FLIP-27 source has two halves. The *enumerator* runs once per job, on the JobMaster: it discovers the work
(files in a directory, partitions of a topic) as *splits* and assigns them to the readers. Each source
subtask runs a *reader* that asks for a split, reads it and asks again. They talk by RPC (here: the network
latency each way): ``send_split_request`` reaches the enumerator, ``assign_splits`` / ``signal_no_more_splits``
reach the reader as a mail of its task.

Checkpoints: the CheckpointCoordinator snapshots the coordinator (``snapshot_state``) right before it triggers
the sources, so the enumerator's state (splits not yet assigned, paths already seen) and the readers' states
(their splits and positions) describe the same cut. A split assigned after that moment is in neither; the
``SplitAssignmentTracker`` remembers it, so that a restore of that reader (``subtask_reset``) gives it back to
the enumerator, as Flink's does.

Simplification: readers register with the enumerator when their operator opens (Flink: a registration RPC).
"""
from __future__ import annotations

import copy
from typing import Any

from flowlab.runtime.operators.host import ConnectorHost, OperatorHost
from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.trace import EventKind


class SplitAssignmentTracker:
    """Which splits went to which reader since which checkpoint (Flink's ``SplitAssignmentTracker``)."""

    def __init__(self) -> None:
        self.by_checkpoint: dict[int, dict[int, list[Any]]] = {}
        self.uncheckpointed: dict[int, list[Any]] = {}

    def record(self, subtask: int, splits: list[Any]) -> None:
        self.uncheckpointed.setdefault(subtask, []).extend(copy.deepcopy(splits))

    def on_checkpoint(self, checkpoint_id: int) -> None:
        if self.uncheckpointed:
            self.by_checkpoint[checkpoint_id] = self.uncheckpointed
        self.uncheckpointed = {}

    def on_complete(self, checkpoint_id: int) -> None:
        for n in [n for n in self.by_checkpoint if n <= checkpoint_id]:
            del self.by_checkpoint[n]

    def take_after(self, subtask: int, checkpoint_id: int | None) -> list[Any]:
        """The splits given to ``subtask`` after checkpoint ``checkpoint_id`` (all, for None), removed."""
        out = []
        for n in sorted(self.by_checkpoint):
            if checkpoint_id is None or n > checkpoint_id:
                out.extend(self.by_checkpoint[n].pop(subtask, []))
        out.extend(self.uncheckpointed.pop(subtask, []))
        return out


class SourceCoordinator:
    """Runs one source operator's enumerator and carries its messages to and from the readers."""

    def __init__(self, job: ConnectorHost, operator_id: str, name: str, vertex_id: str, source: Any,
                 parallelism: int) -> None:
        self.job = job
        self.kernel = job.kernel
        self.recorder = job.recorder
        self.rpc_us = job.rpc_latency_us
        self.operator_id = operator_id
        self.name = name
        self.vertex_id = vertex_id
        self.source = source
        self.parallelism = parallelism
        self.readers: dict[int, tuple[OperatorHost, Any]] = {}     # subtask -> (task, source operator)
        self.tracker = SplitAssignmentTracker()
        self.enumerator: Any = None
        self.restored_checkpoint_id: int | None = None

    def start(self, restored: dict[str, Any] | None = None, checkpoint_id: int | None = None) -> None:
        """Create the enumerator (from its checkpointed state on a restore) and start it."""
        self.restored_checkpoint_id = checkpoint_id
        state = None if restored is None else restored.get("enumerator")
        self.enumerator = self.source.create_enumerator(self, state)
        self.enumerator.start()

    def job_connector(self, key: str, factory: Any) -> Any:
        """The run's object for connector ``key`` (the file source's journal of what it read)."""
        return self.job.connector(key, factory)

    # -- readers ----------------------------------------------------------------------------------------
    def register_reader(self, subtask: int, task: OperatorHost, operator: Any) -> None:
        self.readers[subtask] = (task, operator)
        self.enumerator.add_reader(subtask)

    def send_split_request(self, subtask: int) -> None:
        """A reader asks for a split (an RPC to the JobMaster)."""
        self.kernel.schedule(self.kernel.now + self.rpc_us, self.enumerator.handle_split_request, subtask,
                             phase=PHASE_CONTROL)

    # -- the enumerator's context (Flink's SplitEnumeratorContext) -------------------------------------------
    def current_parallelism(self) -> int:
        return self.parallelism

    def registered_readers(self) -> list[int]:
        return sorted(self.readers)

    def now_ms(self) -> int:
        return self.kernel.now // 1000

    def assign_splits(self, subtask: int, splits: list[Any], what: str) -> None:
        """Send ``splits`` to ``subtask``'s reader; ``what`` says which (for the trace)."""
        self.tracker.record(subtask, splits)
        self._emit(subtask, f"{self.name}: enumerator assigns {what} to subtask {subtask}",
                   {"action": "assigned", "splits": [self.source.split_id(s) for s in splits]})
        self._send(subtask, "add_splits", copy.deepcopy(splits))

    def signal_no_more_splits(self, subtask: int) -> None:
        self._emit(subtask, f"{self.name}: no more splits for subtask {subtask}; it ends when its splits are read",
                   {"action": "no_more_splits", "splits": []})
        self._send(subtask, "notify_no_more_splits")

    def call_periodically(self, callback: Any, initial_delay_ms: int, period_ms: int) -> None:
        """Run ``callback()`` on the JobMaster after ``initial_delay_ms``, then every ``period_ms`` (Flink's
        ``callAsync`` with a period)."""
        self.kernel.schedule(self.kernel.now + initial_delay_ms * 1000, self._periodic, callback, period_ms,
                             phase=PHASE_CONTROL)

    def _periodic(self, callback: Any, period_ms: int) -> None:
        if not any(task.state in ("CREATED", "SCHEDULED", "DEPLOYING", "INITIALIZING", "RUNNING")
                   for task, _ in self.readers.values()):
            return                                  # the source has ended or failed: the JobMaster stops it
        callback()
        self.kernel.schedule(self.kernel.now + period_ms * 1000, self._periodic, callback, period_ms,
                             phase=PHASE_CONTROL)

    def emit(self, detail: str, data: dict[str, Any]) -> None:
        """A trace event of the enumerator's own (a directory scan)."""
        self._emit(None, f"{self.name}: {detail}", data)

    def _emit(self, subtask: int | None, detail: str, data: dict[str, Any]) -> None:
        rec = self.recorder
        if rec.enabled:
            rec.emit(EventKind.SPLIT_ASSIGNED, self.vertex_id, subtask, self.operator_id, detail, data)
        else:
            rec.tick()

    def _send(self, subtask: int, method: str, *args: Any) -> None:
        task, _ = self.readers[subtask]
        self.kernel.schedule(self.kernel.now + self.rpc_us, self._deliver, subtask, task, method, args,
                             phase=PHASE_CONTROL, target=task.actor)

    def _deliver(self, subtask: int, task: Any, method: str, args: tuple) -> None:
        current = self.readers.get(subtask)
        if current is not None and current[0] is task and task.state == "RUNNING":   # not for a failed attempt
            task.post_mail(getattr(current[1].reader, method), args)

    # -- checkpoints and restore ------------------------------------------------------------------------
    def snapshot_state(self, checkpoint_id: int) -> dict[str, Any]:
        """The enumerator's checkpoint (taken before the sources are triggered)."""
        self.tracker.on_checkpoint(checkpoint_id)
        return {"enumerator": self.enumerator.snapshot_state(checkpoint_id)}

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        self.tracker.on_complete(checkpoint_id)
        notify = getattr(self.enumerator, "notify_checkpoint_complete", None)
        if notify is not None:
            notify(checkpoint_id)

    def subtask_reset(self, subtask: int, checkpoint_id: int | None) -> None:
        """Reader ``subtask`` restarts from checkpoint ``checkpoint_id`` (None: from scratch): the splits it was
        given after that checkpoint go back to the enumerator (Flink's ``addSplitsBack``)."""
        splits = self.tracker.take_after(subtask, checkpoint_id)
        self.readers.pop(subtask, None)
        if splits:
            self.enumerator.add_splits_back(splits, subtask)

    def reset_to_checkpoint(self, checkpoint_id: int | None, state: dict[str, Any] | None) -> None:
        """A global restore: a new enumerator from the checkpointed state (None: from scratch); the readers
        register again when their operators open."""
        self.tracker = SplitAssignmentTracker()
        self.readers = {}
        self.start(state, checkpoint_id)
