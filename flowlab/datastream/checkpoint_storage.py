"""Checkpoint storage with PyFlink 2.3's names (``pyflink.datastream.checkpoint_storage``).

Where completed checkpoints go: the JobManager's memory, or files under a directory. In Flink 2.x (and
PyFlink 2.3) these objects can be built but not installed on an environment (``set_checkpoint_storage``
was removed in 2.0): choose the storage with configuration keys, as ``to_configuration()`` spells out::

    execution.checkpointing.storage: jobmanager | filesystem
    execution.checkpointing.dir: file:///tmp/checkpoints       (implies filesystem)
"""
from __future__ import annotations

from flowlab.common.configuration import Configuration

__all__ = ["CheckpointStorage", "FileSystemCheckpointStorage", "JobManagerCheckpointStorage"]

DEFAULT_MAX_STATE_SIZE = 5 * 1024 * 1024       # JobManagerCheckpointStorage.DEFAULT_MAX_STATE_SIZE
MAX_STATE_SIZE_KEY = "flowlab.checkpointing.jobmanager.max-state-size"


class CheckpointStorage:
    """Base of the checkpoint storages."""

    def to_configuration(self) -> Configuration:
        """The configuration keys that select this storage (flowlab helper, not in PyFlink 2.3)."""
        raise NotImplementedError


class JobManagerCheckpointStorage(CheckpointStorage):
    """Checkpoints in the JobManager's memory; each state at most ``max_state_size`` bytes (default 5 MB).

    With ``checkpoint_path`` the ``_metadata`` (holding all state inline) is also written there, so the
    checkpoint can be retained.
    """

    def __init__(self, checkpoint_path: str | None = None, max_state_size: int | None = None) -> None:
        if max_state_size is not None and max_state_size <= 0:
            raise ValueError("The maximum state size must be positive.")
        self._path = checkpoint_path
        self._max = DEFAULT_MAX_STATE_SIZE if max_state_size is None else int(max_state_size)

    def get_checkpoint_path(self) -> str | None:
        return self._path

    def get_max_state_size(self) -> int:
        return self._max

    def to_configuration(self) -> Configuration:
        conf = Configuration().set_string("execution.checkpointing.storage", "jobmanager")
        if self._path is not None:
            conf.set_string("execution.checkpointing.dir", self._path)
        if self._max != DEFAULT_MAX_STATE_SIZE:
            conf.set_string(MAX_STATE_SIZE_KEY, f"{self._max} b")
        return conf

    def __repr__(self) -> str:
        return f"JobManagerCheckpointStorage (checkpoints to JobManager) ( maxStateSize: {self._max})"


class FileSystemCheckpointStorage(CheckpointStorage):
    """Checkpoints as files under ``checkpoint_path``/<job-id>/chk-<n>; state below
    ``file_state_size_threshold`` (default 20 KB) is written inline into ``_metadata``."""

    def __init__(self, checkpoint_path: str, file_state_size_threshold: int | None = None,
                 write_buffer_size: int = -1) -> None:
        if not checkpoint_path:
            raise ValueError("checkpoint_path must be a directory, e.g. 'file:///tmp/checkpoints'")
        self._path = checkpoint_path
        self._threshold = file_state_size_threshold
        self._write_buffer_size = write_buffer_size

    def get_checkpoint_path(self) -> str:
        return self._path

    def get_min_file_size_threshold(self) -> int:
        return 20 * 1024 if self._threshold is None else self._threshold

    def to_configuration(self) -> Configuration:
        conf = Configuration().set_string("execution.checkpointing.storage", "filesystem")
        conf.set_string("execution.checkpointing.dir", self._path)
        if self._threshold is not None:
            conf.set_string("execution.checkpointing.data-inline-threshold", f"{self._threshold} b")
        return conf

    def __repr__(self) -> str:
        return f"FileSystemCheckpointStorage(checkpointPath={self._path})"
