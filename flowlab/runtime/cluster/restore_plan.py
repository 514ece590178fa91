"""What a restart restores: the latest completed checkpoint, handed to the new attempts of the region.

Flink's ``SchedulerBase.restoreState``: every restarted subtask gets its part of the latest completed checkpoint
— or, if none completed since the job started from a savepoint or checkpoint (``execution.state-recovery.path``),
of that one — before it is deployed: keyed state of the key groups it owns, operator state, timers, a source's
splits and positions, a sink's writer state and pending committables (``checkpointing.restore.assign_state``),
and the in-flight data of an unaligned checkpoint, which it processes before any new input. A subtask that had
finished before a checkpoint of this run is deployed as finished (FLIP-147: it only sends the end of its output;
what a job started from is restored as at the start, however it ended). Without a
checkpoint the subtasks start from scratch. The sources' split enumerators (operator coordinators, on the
JobMaster) are reset too: to the checkpoint when every subtask of the source restarts (``resetToCheckpoint``),
else per restarted subtask, taking back the splits handed out since (``subtaskReset``).

Simplification: the in-flight data of an unaligned checkpoint is replayed as records only; watermarks in it are
dropped (Flink regenerates watermarks after the restored data too).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowlab.runtime.checkpointing.restore import StateAssignment, assign_state

if TYPE_CHECKING:
    from flowlab.runtime.cluster.job_master import JobMaster


@dataclass
class RestorePoint:
    """The checkpoint (or savepoint the job started from) a restart restores, mapped onto the job's subtasks."""

    checkpoint_id: int
    checkpoint: dict[str, Any]
    assignment: StateAssignment
    own: bool = True               # a checkpoint of this run (not the savepoint or checkpoint it started from)

    def __deepcopy__(self, memo: dict) -> RestorePoint:
        return self                                   # read-only once built


class RestorePlan:
    """Reads the checkpoint a restart restores and prepares the new attempts with it."""

    def __init__(self, jm: JobMaster, operator_coordinators: dict[str, Any]) -> None:
        self.jm = jm
        self.operator_coordinators = operator_coordinators      # the job runtime's, by operator id
        self._cached: RestorePoint | None = None

    def latest(self) -> RestorePoint | None:
        """The latest completed checkpoint (read back from its storage), else the savepoint or checkpoint the job
        started from, else None (restart from scratch)."""
        cc = self.jm.checkpoints
        if cc is not None and cc.completed:
            n = cc.completed[-1].checkpoint_id
            if self._cached is None or self._cached.checkpoint_id != n:
                checkpoint = cc.read(n)
                self._cached = RestorePoint(n, checkpoint, assign_state(checkpoint, self.jm.job_graph))
            return self._cached
        if self.jm.restored_from is not None:
            source, assignment = self.jm.restored_from
            return RestorePoint(source.checkpoint_id, source.checkpoint, assignment, own=False)
        return None

    def prepare(self, point: RestorePoint | None, tasks: list[Any], keys: list[tuple[str, int]]) -> None:
        """Before the new attempts deploy: reset the sources' enumerators and give each task what it restores."""
        self._reset_coordinators(point, keys)
        if point is None:
            return
        for task in tasks:
            task.restored_checkpoint_id = point.checkpoint_id
            task.restore = point.assignment.for_subtask(task.vertex_id, task.index)
            task.finished_on_restore = point.own and _finished(point.checkpoint, task)
        for task in tasks:
            task.recovered_input = _recovered_input(point, task)

    def _reset_coordinators(self, point: RestorePoint | None, keys: list[tuple[str, int]]) -> None:
        checkpoint_id = None if point is None else point.checkpoint_id
        restarted = set(keys)
        for v in self.jm.job_graph.vertices:
            for node in v.operators:
                coordinator = self.operator_coordinators.get(node.operator_id)
                if coordinator is None:
                    continue
                mine = [i for i in range(v.parallelism) if (v.id, i) in restarted]
                if len(mine) == v.parallelism:
                    entry = None if point is None else point.checkpoint["operators"].get(node.operator_hash)
                    coordinator.reset_to_checkpoint(checkpoint_id, None if entry is None else entry.get("coordinator"))
                else:
                    for i in mine:
                        coordinator.subtask_reset(i, checkpoint_id)


def _finished(checkpoint: dict[str, Any], task: Any) -> bool:
    """Whether every operator of the subtask had finished when the checkpoint was taken (FLIP-147)."""
    flags = []
    for node in task.vertex.operators:
        entry = checkpoint["operators"].get(node.operator_hash)
        if entry is None:
            return False
        sub = entry["subtasks"].get(task.index)
        flags.append(bool(sub and sub.get("finished")))
    return bool(flags) and all(flags)


def _recovered_input(point: RestorePoint, task: Any) -> list[tuple[int, int, list[Any]]]:
    """The in-flight records of an unaligned checkpoint this subtask processes first, per input channel (edge,
    producer): what was in its input channels, then what its producer had not sent yet."""
    mine = point.assignment.for_subtask(task.vertex_id, task.index)
    out: dict[tuple[int, int], list[Any]] = {}
    for edge, producer, elements in (mine.input_channel_state if mine is not None else []):
        out.setdefault((edge, producer), []).extend(e for e in elements if type(e) is tuple)
    for je in task.vertex.in_edges:
        for producer in range(je.source.parallelism):
            theirs = point.assignment.for_subtask(je.source.id, producer)
            for edge, consumer, elements in (theirs.output_channel_state if theirs is not None else []):
                if edge == je.index and consumer == task.index:
                    out.setdefault((edge, producer), []).extend(e for e in elements if type(e) is tuple)
    return [(edge, producer, records) for (edge, producer), records in sorted(out.items()) if records]
