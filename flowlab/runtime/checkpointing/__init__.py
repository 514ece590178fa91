"""Checkpointing (Chandy-Lamport, as Flink does it): the coordinator the JobMaster runs, the settings, and the
checkpoint storage and file format. The subtasks' side (barrier handling, snapshots, acks) is in
``flowlab.runtime.tasks`` (``barrier_handler``, ``subtask_checkpoints``); see docs/checkpoints.md."""
from flowlab.runtime.checkpointing.config import (
           CheckpointConfigError,
           CheckpointSettings,
           checkpoint_settings,
)
from flowlab.runtime.checkpointing.coordinator import CheckpointCoordinator, CheckpointFailureError
from flowlab.runtime.checkpointing.file_format import CheckpointFileError
from flowlab.runtime.checkpointing.storage import CheckpointStorageError, read_checkpoint

__all__ = ["CheckpointConfigError", "CheckpointCoordinator", "CheckpointFailureError", "CheckpointFileError",
           "CheckpointSettings", "CheckpointStorageError", "checkpoint_settings", "read_checkpoint"]
