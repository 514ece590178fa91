"""What a restart restores: the latest completed checkpoint, handed to the new attempts of the region.

Flink's ``SchedulerBase.restoreState``: the CheckpointCoordinator gives every restarted subtask its part of the
latest completed checkpoint (keyed state by the key groups it owns, operator state, timers, a source's splits
and positions, a sink's pending committables, the in-flight data of an unaligned checkpoint) before it is
deployed; without a completed checkpoint the subtasks start from scratch. The sources' split enumerators
(operator coordinators, on the JobMaster) are reset too: to the checkpoint when every subtask of the source
restarts (``resetToCheckpoint``), else per restarted subtask, taking back the splits handed out since
(``subtaskReset``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowlab.runtime.cluster.job_master import JobMaster


class RestorePlan:
    """Reads the checkpoint a restart restores and prepares the new attempts with it."""

    def __init__(self, jm: JobMaster, operator_coordinators: dict[str, Any]) -> None:
        self.jm = jm
        self.operator_coordinators = operator_coordinators      # the job runtime's, by operator id

    def latest(self) -> dict[str, Any] | None:
        """The latest completed checkpoint, read back from its storage, or None (restart from scratch)."""
        cc = self.jm.checkpoints
        if cc is None or not cc.completed:
            return None
        return cc.read(cc.completed[-1].checkpoint_id)

    def prepare(self, checkpoint: dict[str, Any] | None, tasks: list[Any], keys: list[tuple[str, int]]) -> None:
        """Before the new attempts deploy: reset the sources' enumerators and give each task what it restores."""
        checkpoint_id = None if checkpoint is None else checkpoint["checkpoint_id"]
        restarted = set(keys)
        for v in self.jm.job_graph.vertices:
            for node in v.operators:
                coordinator = self.operator_coordinators.get(node.operator_id)
                if coordinator is None:
                    continue
                mine = [i for i in range(v.parallelism) if (v.id, i) in restarted]
                if len(mine) == v.parallelism:
                    entry = None if checkpoint is None else checkpoint["operators"].get(node.operator_id)
                    coordinator.reset_to_checkpoint(checkpoint_id, None if entry is None else entry.get("coordinator"))
                else:
                    for i in mine:
                        coordinator.subtask_reset(i, checkpoint_id)
