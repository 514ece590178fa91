"""The files a run's sinks write, on disk and in memory, so that time travel can undo them.

Every write goes to disk at once (an unbuffered append; a reader of the directory sees what Flink's would),
and into memory as a list of appended chunks per file. A time-travel snapshot of the runtime copies the store
as a *mark*: per file, its chunk list and how many chunks it had (the chunks are shared, never copied, so a
mark costs one small dict). Restoring a snapshot cuts every chunk list back to its mark and rewrites the
directory to match: files created later are deleted, renames are undone, shortened files are rewritten. The
checkpoint storage keeps its ``chk-*`` directories the same way (``checkpointing.storage.DiskMirror``).

A run's paths ever written are remembered in a log that all snapshots share, so that going back also deletes
files that only a later part of the run created.
"""
from __future__ import annotations

import os
import weakref
from typing import Any

STORE_KEY = "file-store"
WRITTEN_KEY = "file-store-written"


class Written:
    """Every path a run's sinks created (files and the directories made for them): a journal of the run, shared
    by all its time-travel snapshots. Going back to a step before the run's first file removes them all."""

    survives_time_travel = True

    def __init__(self, job: Any = None) -> None:
        self.files: set[str] = set()
        self.dirs: set[str] = set()

    def __deepcopy__(self, memo: dict) -> Written:
        return self

    def restored(self, registry: Any) -> None:
        if STORE_KEY not in registry:           # the restored step is before the first sink wrote anything
            sync_files({}, self)


def _close_all(handles: dict[str, Any]) -> None:
    for h in handles.values():
        h.close()
    handles.clear()


class FileStore:
    """Files by absolute path: their chunks in memory, their bytes on disk."""

    def __init__(self, job: Any = None, files: dict[str, list[bytes]] | None = None,
                 written: Written | None = None) -> None:
        self.files: dict[str, list[bytes]] = files if files is not None else {}
        self.written = written if written is not None else job.connector(WRITTEN_KEY, Written)
        self.handles: dict[str, Any] = {}          # open append handles (not part of any copy)
        self._finalizer = weakref.finalize(self, _close_all, self.handles)

    # -- writing ------------------------------------------------------------------------------------------
    def create(self, path: str) -> None:
        """A new, empty file (an existing one is emptied: a second run of the same job writes the same names)."""
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            missing = []
            d = folder
            while d and not os.path.isdir(d):
                missing.append(d)
                d = os.path.dirname(d)
            os.makedirs(folder, exist_ok=True)
            self.written.dirs.update(missing)
        self._close(path)
        self.handles[path] = open(path, "wb", buffering=0)      # noqa: SIM115 - kept open for appends
        self.files[path] = []
        self.written.files.add(path)

    def append(self, path: str, data: bytes) -> None:
        h = self.handles.get(path)
        if h is None:
            h = self.handles[path] = open(path, "ab", buffering=0)   # noqa: SIM115 - kept open for appends
        h.write(data)
        self.files[path].append(data)

    def adopt(self, path: str) -> None:
        """Take a file the store did not write in this run (a restored job's pending file) into the store."""
        if path not in self.files:
            data = _read(path)
            self.files[path] = [data] if data else []
            self.written.files.add(path)

    def close(self, path: str) -> None:
        """Stop writing ``path`` (its bytes are all on disk already)."""
        self._close(path)

    def rename(self, source: str, target: str) -> None:
        """Move a file (Flink's commit of a part file: ``Files.move`` of the in-progress file)."""
        self._close(source)
        os.replace(source, target)
        self.files[target] = self.files.pop(source)
        self.written.files.add(target)

    def truncate(self, path: str, size: int) -> None:
        """Cut ``path`` back to ``size`` bytes (a restored in-progress part file), as a new chunk list."""
        data = b"".join(self.files.get(path, []))[:size] if path in self.files else _read(path)[:size]
        self._close(path)
        with open(path, "wb") as f:
            f.write(data)
        self.files[path] = [data] if data else []
        self.written.files.add(path)

    def _close(self, path: str) -> None:
        h = self.handles.pop(path, None)
        if h is not None:
            h.close()

    # -- reading ------------------------------------------------------------------------------------------
    def exists(self, path: str) -> bool:
        return path in self.files

    def size(self, path: str) -> int:
        return sum(len(c) for c in self.files[path])

    def read(self, path: str) -> bytes:
        return b"".join(self.files[path])

    def paths_under(self, base: str) -> list[str]:
        prefix = base.rstrip(os.sep) + os.sep
        return sorted(p for p in self.files if p.startswith(prefix))

    # -- time travel --------------------------------------------------------------------------------------
    def sync(self) -> None:
        """Make the disk match the store (after a restored snapshot)."""
        sync_files(self.files, self.written)

    def __deepcopy__(self, memo: dict) -> _StoreMark:
        """A time-travel snapshot: each file's chunk list and its length now (the chunks are shared)."""
        return _StoreMark({p: (chunks, len(chunks)) for p, chunks in self.files.items()}, self.written)


class _StoreMark:
    """The files as a snapshot saw them; restoring the snapshot makes the store and the disk match again."""

    def __init__(self, files: dict[str, tuple[list[bytes], int]], written: Written) -> None:
        self.files = files
        self.written = written

    def __deepcopy__(self, memo: dict) -> FileStore:
        files = {}
        for path, (chunks, n) in self.files.items():
            del chunks[n:]                       # later snapshots are dropped by time travel: cut the log back
            files[path] = chunks
        store = FileStore(None, files, self.written)
        store.sync()
        return store


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def sync_files(files: dict[str, list[bytes]], written: Written) -> None:
    """Make the disk hold exactly ``files`` among the paths the run wrote: delete the others, rewrite any
    whose bytes differ, remove directories the run made that are now empty."""
    for path in sorted(written.files - set(files)):
        if os.path.isfile(path):
            os.remove(path)
    for path in sorted(files):
        want = b"".join(files[path])
        if not os.path.isfile(path) or os.path.getsize(path) != len(want) or _read(path) != want:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(want)
    for d in sorted(written.dirs, key=len, reverse=True):
        if os.path.isdir(d) and not os.listdir(d):
            os.rmdir(d)
