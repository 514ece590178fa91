"""Real RocksDB instances (``rocksdict``) on local disk: one per keyed operator subtask, as in Flink.

Layout, like Flink's ``EmbeddedRocksDBStateBackend``: under ``state.backend.rocksdb.localdir`` (default: a
temporary directory) the run gets its own directory ``flowlab-rocksdb-<job>-…``; each operator subtask
an instance directory ``job_<job id>_op_<operator>_<subtask>_uuid_<n>`` holding the database in ``db/``,
one column family per state name. Writes skip RocksDB's write-ahead log, as Flink's do (Flink's own
checkpoints make it redundant).

Time travel copies the whole runtime with ``copy.deepcopy``; copying an instance takes a RocksDB
checkpoint of the open database into a new instance directory (hard links to its immutable SST files,
after a flush) — a consistent, independent copy of that moment. A copy is opened only when first used,
and copying a copy that was never opened links its files again. Every instance directory is deleted when
its instance is garbage-collected (or at exit), and the run's directory when the run is gone.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from typing import Any


def _rocksdict() -> Any:
    import rocksdict
    return rocksdict


def _options() -> Any:
    r = _rocksdict()
    o = r.Options(raw_mode=True)
    o.create_if_missing(True)
    o.create_missing_column_families(True)
    o.set_write_buffer_size(4 << 20)
    o.set_keep_log_file_num(1)
    return o


def _write_options() -> Any:
    wo = _rocksdict().WriteOptions()
    wo.disable_wal = True
    return wo


class RocksDBWorkspace:
    """The run's directory for its RocksDB instances; shared (not copied) by time-travel snapshots."""

    def __init__(self, localdir: str | None, job_id: str) -> None:
        self.localdir = localdir
        self.job_id = job_id
        self.root: str | None = None
        self.count = 0
        self._finalizer: Any = None

    def __deepcopy__(self, memo: dict) -> RocksDBWorkspace:
        return self

    def new_instance_dir(self, label: str) -> str:
        if self.root is None:
            base = self.localdir or None
            try:
                if base:
                    os.makedirs(base, exist_ok=True)
                self.root = tempfile.mkdtemp(prefix=f"flowlab-rocksdb-{self.job_id[:8]}-", dir=base)
            except OSError as exc:
                raise OSError(f"Cannot create RocksDB's working directory under state.backend.rocksdb.localdir "
                              f"= {base!r}: {exc}. Point it at a writable local directory (or leave it unset "
                              "for a temporary one).") from None
            self._finalizer = weakref.finalize(self, shutil.rmtree, self.root, True)
        self.count += 1
        path = os.path.join(self.root, f"job_{self.job_id}_op_{label}_uuid_{self.count}")
        os.makedirs(path)
        return path


class _Resources:
    """What closing an instance needs (the finalizer holds this, never the instance)."""

    __slots__ = ("db", "cfs", "path")

    def __init__(self, path: str) -> None:
        self.db: Any = None
        self.cfs: dict[str, Any] = {}
        self.path = path


def _dispose(res: _Resources) -> None:
    res.cfs.clear()                     # column-family handles keep the database open
    db, res.db = res.db, None
    if db is not None:
        try:
            db.close()
        except Exception:  # noqa: BLE001 - closing on the way out must not raise
            pass
    shutil.rmtree(res.path, ignore_errors=True)


def _copy_closed(src: str, dst: str) -> None:
    """Copy a closed database: hard links for the immutable SST files, copies of the rest."""
    os.makedirs(dst)
    for name in sorted(os.listdir(src)):
        if name == "LOCK" or name.startswith("LOG"):
            continue
        s, d = os.path.join(src, name), os.path.join(dst, name)
        if name.endswith(".sst"):
            try:
                os.link(s, d)
                continue
            except OSError:
                pass
        shutil.copyfile(s, d)


class RocksDBInstance:
    """One subtask's database: opened on first use, one column family per state name."""

    def __init__(self, workspace: RocksDBWorkspace, label: str) -> None:
        self.workspace = workspace
        self.label = label
        self.res = _Resources(workspace.new_instance_dir(label))
        self._finalizer = weakref.finalize(self, _dispose, self.res)

    @property
    def path(self) -> str:
        """The instance directory (the database is in its ``db/`` subdirectory)."""
        return self.res.path

    @property
    def db_path(self) -> str:
        return os.path.join(self.res.path, "db")

    def open(self) -> Any:
        res = self.res
        if res.db is None:
            r = _rocksdict()
            path = self.db_path
            names = [n for n in r.Rdict.list_cf(path) if n != "default"] if os.path.exists(
                os.path.join(path, "CURRENT")) else []
            db = r.Rdict(path, _options(), column_families={n: _options() for n in names})
            wo = _write_options()
            db.set_write_options(wo)
            res.db = db
            for n in names:
                cf = db.get_column_family(n)
                cf.set_write_options(wo)
                res.cfs[n] = cf
        return res.db

    def column(self, name: str) -> Any:
        """The column family of state ``name`` (created on first use)."""
        cf = self.res.cfs.get(name)
        if cf is None:
            db = self.open()
            cf = self.res.cfs.get(name)
            if cf is None:
                cf = db.create_column_family(name, _options())
                cf.set_write_options(_write_options())
                self.res.cfs[name] = cf
        return cf

    def is_open(self) -> bool:
        return self.res.db is not None

    def has_data(self) -> bool:
        return os.path.exists(os.path.join(self.db_path, "CURRENT"))

    def __deepcopy__(self, memo: dict) -> RocksDBInstance:
        twin = RocksDBInstance(self.workspace, self.label)
        if self.res.db is not None:
            _rocksdict().Checkpoint(self.res.db).create_checkpoint(twin.db_path)
        elif self.has_data():
            _copy_closed(self.db_path, twin.db_path)
        return twin

    def close(self) -> None:
        """Close the database and delete the instance directory now."""
        self._finalizer()


class RocksColumn:
    """A state's column family, found through its instance (handles never hold RocksDB objects)."""

    __slots__ = ("instance", "name")

    def __init__(self, instance: RocksDBInstance, name: str) -> None:
        self.instance = instance
        self.name = name

    def cf(self) -> Any:
        cf = self.instance.res.cfs.get(self.name)
        return cf if cf is not None else self.instance.column(self.name)
