"""The state backend and checkpoint storage objects: PyFlink 2.3's names, and the course's 1.x names mapped."""
from __future__ import annotations

import warnings

import pytest

import flowlab
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.checkpoint_storage import (
    FileSystemCheckpointStorage,
    JobManagerCheckpointStorage,
    UnknownCheckpointStorageError,
    configured_checkpoint_storage,
)
from flowlab.datastream.state_backend import (
    EmbeddedRocksDBStateBackend,
    FsStateBackend,
    HashMapStateBackend,
    LegacyStateBackendWarning,
    MemoryStateBackend,
    RocksDBStateBackend,
)


def test_memory_state_backend_warns_with_its_2x_equivalent() -> None:
    """MemoryStateBackend(): removed in 2.0 = HashMapStateBackend + JobManagerCheckpointStorage, with the keys."""
    with pytest.warns(LegacyStateBackendWarning) as record:
        MemoryStateBackend()
    assert str(record[0].message) == (
        "MemoryStateBackend() was removed in Flink 2.0 (it bundled the state backend and the checkpoint storage). "
        "Its Flink 2.x equivalent is HashMapStateBackend() plus JobManagerCheckpointStorage() — as configuration: "
        "state.backend.type: hashmap, execution.checkpointing.storage: jobmanager. flowlab accepts "
        "MemoryStateBackend and env.set_state_backend(...) applies that configuration.")


def test_fs_state_backend_maps_to_hashmap_and_a_checkpoint_dir() -> None:
    """FsStateBackend(path) = HashMapStateBackend + FileSystemCheckpointStorage(path)."""
    with pytest.warns(LegacyStateBackendWarning, match=r"HashMapStateBackend\(\) plus "
                      r"FileSystemCheckpointStorage\('file:///tmp/ck'\) — as configuration: state\.backend\.type: "
                      r"hashmap, execution\.checkpointing\.dir: file:///tmp/ck"):
        FsStateBackend("file:///tmp/ck")


def test_set_state_backend_applies_rocksdb_configuration_and_runs_on_rocksdb() -> None:
    """env.set_state_backend(RocksDBStateBackend(path, True)) sets the 2.x keys; the job then runs on RocksDB."""
    env = StreamExecutionEnvironment.get_execution_environment()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env.set_state_backend(RocksDBStateBackend("file:///tmp/ck", True))
    assert [type(w.message) for w in caught] == [LegacyStateBackendWarning, LegacyStateBackendWarning]
    assert "env.set_state_backend(...) was removed in Flink 2.0 (PyFlink 2.3 has no such method)" in str(
        caught[1].message)
    assert env.get_configuration().to_dict() == {"execution.checkpointing.dir": "file:///tmp/ck",
                                                 "execution.checkpointing.incremental": "true",
                                                 "state.backend.type": "rocksdb"}
    env.from_collection([("a", 1)]).key_by(lambda r: r[0]).reduce(lambda a, b: a).print()
    assert flowlab.Simulation(env).runtime.state_backends.kind == "rocksdb"


def test_embedded_rocksdb_storage_path_is_the_localdir() -> None:
    """EmbeddedRocksDBStateBackend.set_db_storage_paths(p) means state.backend.rocksdb.localdir: p."""
    b = EmbeddedRocksDBStateBackend(enable_incremental_checkpointing=False)
    b.set_db_storage_paths("/data/rocks")
    assert (b._configuration(), b.is_incremental_checkpoints_enabled(), b.get_db_storage_paths()) == (
        {"state.backend.type": "rocksdb", "execution.checkpointing.incremental": "false",
         "state.backend.rocksdb.localdir": "/data/rocks"}, False, ["/data/rocks"])


def test_hashmap_backend_builds_without_warning() -> None:
    """HashMapStateBackend is PyFlink 2.3's name: no warning on construction."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert HashMapStateBackend()._configuration() == {"state.backend.type": "hashmap"}


def test_jobmanager_storage_defaults_to_5_mb() -> None:
    """JobManagerCheckpointStorage keeps at most 5 MB, as Flink prints it."""
    s = JobManagerCheckpointStorage()
    assert (s.get_max_state_size(), repr(s)) == (
        5242880, "JobManagerCheckpointStorage (checkpoints to JobManager) ( maxStateSize: 5242880)")


@pytest.mark.parametrize(("conf", "expected"), [
    ({}, "JobManagerCheckpointStorage"),
    ({"execution.checkpointing.dir": "file:///ck"}, "FileSystemCheckpointStorage"),
    ({"state.checkpoints.dir": "file:///ck"}, "FileSystemCheckpointStorage"),
    ({"execution.checkpointing.storage": "jobmanager", "execution.checkpointing.dir": "file:///ck"},
     "JobManagerCheckpointStorage"),
])
def test_checkpoint_storage_follows_flinks_rules(conf, expected) -> None:
    """No storage set: a directory means filesystem, none means jobmanager; an explicit storage wins."""
    assert type(configured_checkpoint_storage(conf)).__name__ == expected


def test_unknown_checkpoint_storage_lists_the_valid_ones() -> None:
    """execution.checkpointing.storage: s3 -> an error with jobmanager and filesystem."""
    with pytest.raises(UnknownCheckpointStorageError, match=r"Unknown checkpoint storage 's3' in "
                       r"execution\.checkpointing\.storage\. Valid values: 'jobmanager' .* and 'filesystem'"):
        configured_checkpoint_storage({"execution.checkpointing.storage": "s3"})


def test_filesystem_storage_configuration() -> None:
    """FileSystemCheckpointStorage(path) is storage filesystem + execution.checkpointing.dir."""
    assert FileSystemCheckpointStorage("file:///ck")._configuration() == {
        "execution.checkpointing.storage": "filesystem", "execution.checkpointing.dir": "file:///ck"}
