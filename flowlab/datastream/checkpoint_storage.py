"""Checkpoint storage with PyFlink's names (``pyflink.datastream.checkpoint_storage``): where snapshots go.

Flink 2.3: ``execution.checkpointing.storage`` is ``jobmanager`` (snapshots in the JobManager's memory, at
most ``max_state_size`` bytes, 5 MB by default) or ``filesystem`` (files under
``execution.checkpointing.dir``). With no storage set, a configured directory means ``filesystem`` and
no directory means ``jobmanager``. PyFlink 2.3's ``CheckpointConfig`` has no ``set_checkpoint_storage``;
these objects describe the configuration (``_configuration()``) and ``configured_checkpoint_storage``
reads it back; ``to_configuration()`` (flowlab) gives the keys to ``env.configure(...)``. The storage itself is
``flowlab.runtime.checkpointing.storage``.
"""
from __future__ import annotations

from typing import Any

from flowlab.common.configuration import Configuration

STORAGE_KEY = "execution.checkpointing.storage"
LEGACY_STORAGE_KEY = "state.checkpoint-storage"
DIR_KEY = "execution.checkpointing.dir"
LEGACY_DIR_KEYS = ("state.checkpoints.dir", "state.backend.fs.checkpointdir")
DEFAULT_MAX_STATE_SIZE = 5 * 1024 * 1024
DEFAULT_INLINE_THRESHOLD = 20 * 1024
MAX_STATE_SIZE_KEY = "flowlab.checkpointing.jobmanager.max-state-size"     # flowlab: the jobmanager's limit
INLINE_THRESHOLD_KEY = "execution.checkpointing.data-inline-threshold"


class CheckpointStorage:
    """Base of the checkpoint storage objects."""

    def _configuration(self) -> dict[str, str]:
        raise NotImplementedError

    def to_configuration(self) -> Configuration:
        """The configuration keys that select this storage with its limits (flowlab helper, not in PyFlink
        2.3): ``env.configure(storage.to_configuration())`` installs it."""
        return Configuration.from_dict(self._configuration())


class JobManagerCheckpointStorage(CheckpointStorage):
    """Snapshots in the JobManager's memory (``execution.checkpointing.storage: jobmanager``)."""

    DEFAULT_MAX_STATE_SIZE = DEFAULT_MAX_STATE_SIZE

    def __init__(self, checkpoint_path: str | None = None, max_state_size: int | None = None) -> None:
        if max_state_size is not None and (not isinstance(max_state_size, int) or max_state_size <= 0):
            raise ValueError(f"max_state_size must be a positive number of bytes, got {max_state_size!r}")
        self._path = checkpoint_path
        self._max = DEFAULT_MAX_STATE_SIZE if max_state_size is None else max_state_size

    def get_checkpoint_path(self) -> str | None:
        return self._path

    def get_max_state_size(self) -> int:
        return self._max

    def _configuration(self) -> dict[str, str]:
        conf = {STORAGE_KEY: "jobmanager"}
        if self._path:
            conf[DIR_KEY] = self._path
        return conf

    def to_configuration(self) -> Configuration:
        conf = super().to_configuration()
        if self._max != DEFAULT_MAX_STATE_SIZE:
            conf.set_string(MAX_STATE_SIZE_KEY, f"{self._max} b")
        return conf

    def __repr__(self) -> str:
        return f"JobManagerCheckpointStorage (checkpoints to JobManager) ( maxStateSize: {self._max})"


class FileSystemCheckpointStorage(CheckpointStorage):
    """Snapshots as files under ``checkpoint_path`` (``execution.checkpointing.storage: filesystem``)."""

    def __init__(self, checkpoint_path: str, file_state_size_threshold: int | None = None,
                 write_buffer_size: int = -1) -> None:
        if not isinstance(checkpoint_path, str) or not checkpoint_path:
            raise ValueError(f"FileSystemCheckpointStorage needs a checkpoint directory, got {checkpoint_path!r}")
        self._path = checkpoint_path
        self._threshold = 20 * 1024 if file_state_size_threshold is None else file_state_size_threshold
        self._buffer = write_buffer_size

    def get_checkpoint_path(self) -> str:
        return self._path

    def get_min_file_size_threshold(self) -> int:
        return self._threshold

    def get_write_buffer_size(self) -> int:
        return self._buffer

    def _configuration(self) -> dict[str, str]:
        return {STORAGE_KEY: "filesystem", DIR_KEY: self._path}

    def to_configuration(self) -> Configuration:
        conf = super().to_configuration()
        if self._threshold != DEFAULT_INLINE_THRESHOLD:
            conf.set_string(INLINE_THRESHOLD_KEY, f"{self._threshold} b")
        return conf

    def __repr__(self) -> str:
        return f"FileSystemCheckpointStorage({self._path!r})"


class UnknownCheckpointStorageError(ValueError):
    """``execution.checkpointing.storage`` names no storage."""


def configured_checkpoint_storage(conf: dict[str, Any]) -> CheckpointStorage:
    """The checkpoint storage a configuration selects (Flink's ``CheckpointStorageLoader`` rules)."""
    directory = conf.get(DIR_KEY)
    for key in LEGACY_DIR_KEYS:
        directory = directory or conf.get(key)
    raw = conf.get(STORAGE_KEY, conf.get(LEGACY_STORAGE_KEY))
    name = None if raw is None else str(raw).strip().lower()
    if name is None:
        return FileSystemCheckpointStorage(directory) if directory else JobManagerCheckpointStorage()
    if name == "jobmanager":
        return JobManagerCheckpointStorage(directory)
    if name == "filesystem":
        if not directory:
            raise UnknownCheckpointStorageError(
                f"{STORAGE_KEY}: filesystem needs a directory: set {DIR_KEY} (e.g. file:///tmp/checkpoints).")
        return FileSystemCheckpointStorage(directory)
    raise UnknownCheckpointStorageError(
        f"Unknown checkpoint storage {str(raw)!r} in {STORAGE_KEY}. Valid values: 'jobmanager' (snapshots in the "
        "JobManager's memory, at most 5 MB) and 'filesystem' (files under execution.checkpointing.dir).")


__all__ = ["CheckpointStorage", "FileSystemCheckpointStorage", "JobManagerCheckpointStorage",
           "UnknownCheckpointStorageError", "configured_checkpoint_storage"]
