"""State backends with PyFlink's names (``pyflink.datastream.state_backend``) and the course's Flink 1.x names.

In Flink 2.x the state backend is configuration: ``state.backend.type: hashmap`` (the default) or
``rocksdb``. ``HashMapStateBackend`` and ``EmbeddedRocksDBStateBackend`` exist in PyFlink 2.3 as objects
that can be built but not installed (``env.set_state_backend`` was removed in 2.0). The 1.x classes
``MemoryStateBackend``, ``FsStateBackend`` and ``RocksDBStateBackend`` were removed in Flink 2.0; flowlab
accepts them with a ``LegacyStateBackendWarning`` that names their 2.x equivalent, and
``env.set_state_backend(...)`` applies that equivalent to the environment's configuration.

Since Flink 1.13 a state backend decides only where *working* state lives; where *checkpoints* go is the
checkpoint storage (``flowlab.datastream.checkpoint_storage``). The 1.x classes bundled both:

==================================  =====================================================================
Flink 1.x (removed in 2.0)          Flink 2.x equivalent
==================================  =====================================================================
``MemoryStateBackend()``            ``HashMapStateBackend`` + ``JobManagerCheckpointStorage``;
                                    ``state.backend.type: hashmap``, ``execution.checkpointing.storage: jobmanager``
``FsStateBackend(path)``            ``HashMapStateBackend`` + ``FileSystemCheckpointStorage(path)``;
                                    ``state.backend.type: hashmap``, ``execution.checkpointing.dir: path``
``RocksDBStateBackend(path, inc)``  ``EmbeddedRocksDBStateBackend(inc)`` + ``FileSystemCheckpointStorage(path)``;
                                    ``state.backend.type: rocksdb``, ``execution.checkpointing.dir: path``
                                    (+ ``execution.checkpointing.incremental: true``)
==================================  =====================================================================
"""
from __future__ import annotations

import warnings
from enum import Enum
from typing import Any


class LegacyStateBackendWarning(UserWarning):
    """A Flink 1.x state-backend API that Flink 2.0 removed was used; flowlab maps it to its 2.x equivalent."""


class StateBackend:
    """Base of the state backend objects; ``_configuration()`` is what they mean as Flink 2.x configuration."""

    def _configuration(self) -> dict[str, str]:
        raise NotImplementedError


class HashMapStateBackend(StateBackend):
    """Working state as objects in the TaskManager's memory (``state.backend.type: hashmap``, the default)."""

    def _configuration(self) -> dict[str, str]:
        return {"state.backend.type": "hashmap"}

    def __repr__(self) -> str:
        return "HashMapStateBackend()"


class PredefinedOptions(Enum):
    """RocksDB tuning profiles (accepted; flowlab's RocksDB always uses its own small settings)."""

    DEFAULT = 0
    SPINNING_DISK_OPTIMIZED = 1
    SPINNING_DISK_OPTIMIZED_HIGH_MEM = 2
    FLASH_SSD_OPTIMIZED = 3


class EmbeddedRocksDBStateBackend(StateBackend):
    """Working state as bytes in an embedded RocksDB on local disk (``state.backend.type: rocksdb``)."""

    def __init__(self, enable_incremental_checkpointing: bool | None = None) -> None:
        self._incremental = enable_incremental_checkpointing
        self._paths: list[str] = []
        self._predefined = PredefinedOptions.DEFAULT
        self._options_factory: str | None = None
        self._transfer_threads = 4

    def is_incremental_checkpoints_enabled(self) -> bool:
        return bool(self._incremental)

    def set_db_storage_paths(self, *paths: str) -> None:
        """Where RocksDB keeps its files (``state.backend.rocksdb.localdir``); flowlab uses the first path."""
        self._paths = [str(p) for p in paths]

    def get_db_storage_paths(self) -> list[str]:
        return list(self._paths)

    def set_predefined_options(self, options: PredefinedOptions) -> None:
        self._predefined = options

    def get_predefined_options(self) -> PredefinedOptions:
        return self._predefined

    def set_options(self, options_factory_class_name: str) -> None:
        self._options_factory = options_factory_class_name

    def get_options(self) -> str | None:
        return self._options_factory

    def set_number_of_transfer_threads(self, number_of_transfering_threads: int) -> None:
        self._transfer_threads = int(number_of_transfering_threads)

    def get_number_of_transfer_threads(self) -> int:
        return self._transfer_threads

    def _configuration(self) -> dict[str, str]:
        conf = {"state.backend.type": "rocksdb"}
        if self._incremental is not None:
            conf["execution.checkpointing.incremental"] = "true" if self._incremental else "false"
        if self._paths:
            conf["state.backend.rocksdb.localdir"] = self._paths[0]
        return conf

    def __repr__(self) -> str:
        return f"EmbeddedRocksDBStateBackend(enable_incremental_checkpointing={self._incremental})"


def _warn(old: str, new: str, conf: dict[str, str]) -> None:
    keys = ", ".join(f"{k}: {v}" for k, v in conf.items())
    warnings.warn(f"{old} was removed in Flink 2.0 (it bundled the state backend and the checkpoint storage). Its "
                  f"Flink 2.x equivalent is {new} — as configuration: {keys}. flowlab accepts {old.split('(')[0]} and "
                  "env.set_state_backend(...) applies that configuration.", LegacyStateBackendWarning, stacklevel=3)


class MemoryStateBackend(StateBackend):
    """Flink 1.x's default (removed in 2.0): heap state, checkpoints in the JobManager's memory."""

    def __init__(self, checkpoint_path: str | None = None, savepoint_path: str | None = None,
                 max_state_size: int | None = None, using_asynchronous_snapshots: bool | None = None) -> None:
        self.checkpoint_path, self.savepoint_path, self.max_state_size = checkpoint_path, savepoint_path, max_state_size
        _warn("MemoryStateBackend()", "HashMapStateBackend() plus JobManagerCheckpointStorage()",
              self._configuration())

    def _configuration(self) -> dict[str, str]:
        conf = {"state.backend.type": "hashmap", "execution.checkpointing.storage": "jobmanager"}
        if self.checkpoint_path:
            conf["execution.checkpointing.dir"] = self.checkpoint_path
        if self.savepoint_path:
            conf["execution.checkpointing.savepoint-dir"] = self.savepoint_path
        return conf


class FsStateBackend(StateBackend):
    """Flink 1.x (removed in 2.0): heap state, checkpoints as files under ``checkpoint_directory_uri``."""

    def __init__(self, checkpoint_directory_uri: str, default_savepoint_directory_uri: str | None = None,
                 using_asynchronous_snapshots: bool | None = None, file_state_size_threshold: int | None = None,
                 write_buffer_size: int | None = None) -> None:
        self.checkpoint_directory_uri = checkpoint_directory_uri
        self.default_savepoint_directory_uri = default_savepoint_directory_uri
        _warn(f"FsStateBackend({checkpoint_directory_uri!r})",
              f"HashMapStateBackend() plus FileSystemCheckpointStorage({checkpoint_directory_uri!r})",
              self._configuration())

    def _configuration(self) -> dict[str, str]:
        conf = {"state.backend.type": "hashmap", "execution.checkpointing.dir": self.checkpoint_directory_uri}
        if self.default_savepoint_directory_uri:
            conf["execution.checkpointing.savepoint-dir"] = self.default_savepoint_directory_uri
        return conf


class RocksDBStateBackend(StateBackend):
    """Flink 1.x (removed in 2.0): RocksDB state, checkpoints as files under ``checkpoint_data_uri``."""

    def __init__(self, checkpoint_data_uri: str | None = None, enable_incremental_checkpointing: bool | None = None,
                 checkpoint_stream_backend: Any = None) -> None:
        self.checkpoint_data_uri = checkpoint_data_uri
        if checkpoint_data_uri is None and isinstance(checkpoint_stream_backend, FsStateBackend):
            self.checkpoint_data_uri = checkpoint_stream_backend.checkpoint_directory_uri
        self.incremental = enable_incremental_checkpointing
        storage = f"FileSystemCheckpointStorage({self.checkpoint_data_uri!r})" if self.checkpoint_data_uri else \
            "JobManagerCheckpointStorage()"
        _warn(f"RocksDBStateBackend({self.checkpoint_data_uri!r})",
              f"EmbeddedRocksDBStateBackend({'' if self.incremental is None else self.incremental}) plus {storage}",
              self._configuration())

    def _configuration(self) -> dict[str, str]:
        conf = {"state.backend.type": "rocksdb"}
        if self.checkpoint_data_uri:
            conf["execution.checkpointing.dir"] = self.checkpoint_data_uri
        if self.incremental is not None:
            conf["execution.checkpointing.incremental"] = "true" if self.incremental else "false"
        return conf


__all__ = ["EmbeddedRocksDBStateBackend", "FsStateBackend", "HashMapStateBackend", "LegacyStateBackendWarning",
           "MemoryStateBackend", "PredefinedOptions", "RocksDBStateBackend", "StateBackend"]
