"""Which state backend a job uses (``state.backend.type``) and the keyed backends it creates.

Flink 2.3 knows ``hashmap`` (the default), ``rocksdb`` and ``forst``; the deprecated key ``state.backend``
is read when the new one is unset. flowlab simulates ``hashmap`` and ``rocksdb``. Operator state and
broadcast state are always kept on the heap, whatever the backend (as in Flink).
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.state.backend import KeyedStateBackend
from flowlab.runtime.state.costs import StateCosts

BACKEND_KEY = "state.backend.type"
LEGACY_BACKEND_KEY = "state.backend"
LOCALDIR_KEY = "state.backend.rocksdb.localdir"
VALID = ("hashmap", "rocksdb")

_EXPLAIN = {
    "forst": "'forst' is Flink 2's disaggregated state backend (state on a remote file system, asynchronous "
             "access), which flowlab does not simulate",
    "jobmanager": "'jobmanager' was Flink 1.x's name for MemoryStateBackend; since Flink 1.13 that is "
                  "state.backend.type: hashmap with execution.checkpointing.storage: jobmanager",
    "filesystem": "'filesystem' was Flink 1.x's name for FsStateBackend; since Flink 1.13 that is "
                  "state.backend.type: hashmap with execution.checkpointing.dir: <path>",
}


class UnknownStateBackendError(ValueError):
    """``state.backend.type`` names no backend flowlab knows."""


def configured_backend(conf: dict[str, Any]) -> str:
    """``hashmap`` or ``rocksdb`` from the configuration, else a clear error listing the valid names."""
    raw = conf.get(BACKEND_KEY, conf.get(LEGACY_BACKEND_KEY))
    if raw is None:
        return "hashmap"
    name = str(raw).strip().lower()
    if name in VALID:
        return name
    why = _EXPLAIN.get(name, f"{str(raw)!r} is not a state backend")
    key = BACKEND_KEY if BACKEND_KEY in conf else LEGACY_BACKEND_KEY
    raise UnknownStateBackendError(
        f"Unknown state backend {str(raw)!r} in {key}: {why}. Valid values: 'hashmap' (the default: state as "
        "objects in the TaskManager's memory) and 'rocksdb' (state as bytes in an embedded RocksDB on local "
        f"disk). (Flink reports: Cannot find configured state backend factory class: {raw})")


class StateBackends:
    """The job's choice of backend; creates one keyed backend per keyed operator subtask.

    Shared by time-travel snapshots (it holds only settings and the RocksDB working directory).
    """

    def __init__(self, conf: dict[str, Any], job_id: str) -> None:
        self.kind = configured_backend(conf)
        self.costs = StateCosts.from_conf(conf)
        self.localdir = conf.get(LOCALDIR_KEY)
        self.job_id = job_id
        self.workspace: Any = None
        if self.kind == "rocksdb":
            from flowlab.runtime.state.rocksdb_store import RocksDBWorkspace
            self.workspace = RocksDBWorkspace(self.localdir, job_id)

    def __deepcopy__(self, memo: dict) -> StateBackends:
        return self

    def create_keyed(self, host: Any, operator_id: str, label: str, max_parallelism: int, key_type: Any,
                     key_groups: range) -> KeyedStateBackend:
        if self.kind == "rocksdb":
            from flowlab.runtime.state.rocksdb_backend import RocksDBKeyedStateBackend
            return RocksDBKeyedStateBackend(host, operator_id, max_parallelism, key_type, key_groups, self.costs,
                                            self.workspace, label)
        from flowlab.runtime.state.heap_backend import HeapKeyedStateBackend
        return HeapKeyedStateBackend(host, operator_id, max_parallelism, key_type, key_groups, self.costs)

    @property
    def root_dir(self) -> str | None:
        """Where the RocksDB instances of this run live (None until the first one is created, or on heap)."""
        return self.workspace.root if self.workspace is not None else None
