"""A CheckpointCoordinator for a job without checkpointing, made when its first savepoint is asked for.

Flink always runs a CheckpointCoordinator; with checkpointing off it triggers nothing by itself and only takes
savepoints. flowlab creates it (and each running subtask's checkpoint side) on demand, so a job that never takes a
savepoint runs exactly as before.
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.checkpointing.config import checkpoint_settings
from flowlab.runtime.checkpointing.coordinator import CheckpointCoordinator
from flowlab.runtime.tasks.subtask_checkpoints import SubtaskCheckpointCoordinator


def savepoint_coordinator(rt: Any) -> CheckpointCoordinator:
    """Create the coordinator of ``rt`` (a ``JobRuntime`` with checkpointing off) with savepoint-only settings."""
    settings = rt.checkpoint_settings = checkpoint_settings(rt.conf, savepoints_only=True)
    jm = rt.jobmaster
    cc = jm.checkpoints = CheckpointCoordinator(rt.kernel, rt.recorder, settings, rt.job_graph, rt.tasks, rt.job_id,
                                                rt.network.settings.latency_us, jm.fail_job)
    cc.operator_coordinators = rt.operator_coordinators
    cc.connector = rt.connector
    cc.running = jm.status == "RUNNING"
    for task in rt.all_tasks():
        if task.operators and task.checkpointer is None:
            task.checkpointer = SubtaskCheckpointCoordinator(task, settings)
    return cc
