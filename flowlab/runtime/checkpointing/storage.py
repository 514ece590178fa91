"""Checkpoint storage: where completed checkpoints are kept (Flink's ``CheckpointStorage``).

``jobmanager``: in the JobManager's memory (each state at most ``max-state-size``; with a checkpoint directory
the ``_metadata``, holding all state inline, is also written there). ``filesystem``: files in Flink's layout::

    <dir>/<job-id>/shared/           state several checkpoints share (flowlab writes none: no incremental)
    <dir>/<job-id>/taskowned/        state the JobManager never deletes (flowlab writes none)
    <dir>/<job-id>/chk-<n>/_metadata  the checkpoint, state below the inline threshold inside it
    <dir>/<job-id>/chk-<n>/<uuid>     a larger state, next to it

``_metadata`` is written as ``._metadata.inprogress.<uuid>`` and renamed when complete, so a crash never
leaves a half-written ``_metadata``; a ``chk-<n>`` without ``_metadata`` is not a usable checkpoint.

Time travel: the files on disk are a *mirror* of the retained checkpoints the runtime holds in memory. A
time-travel snapshot keeps what the directory held; restoring one rewrites the directory to match, so
``back()`` across a checkpoint makes its files disappear and replaying makes them reappear, byte for byte.

Simplification: Flink's tasks upload their state files during the asynchronous phase, so ``chk-<n>`` fills
while the checkpoint is pending; flowlab writes all of a checkpoint's files at the moment it completes.
flowlab's job ids come from the seed and the job name, so a second run of the same job uses the same
directory: it starts by removing the ``chk-*`` directories an earlier run left there.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from typing import Any

from flowlab.runtime.checkpointing import metadata
from flowlab.runtime.checkpointing.config import CheckpointConfigError, CheckpointSettings
from flowlab.runtime.checkpointing.file_format import body_digest


class CheckpointStorageError(CheckpointConfigError):
    """The checkpoint directory cannot be created or written."""


@dataclass
class CompletedCheckpoint:
    """One retained checkpoint: its framed ``_metadata`` and state files, and where they are on disk."""

    checkpoint_id: int
    metadata: bytes
    files: dict[str, bytes] = field(default_factory=dict)
    path: str | None = None             # the chk-<n> directory, or None (only in memory)

    @property
    def size(self) -> int:
        return len(self.metadata) + sum(len(b) for b in self.files.values())


class DiskMirror:
    """The ``chk-*`` directories under a job's checkpoint directory, as the runtime expects them to be."""

    def __init__(self, root: str, dirs: dict[str, dict[str, bytes]] | None = None) -> None:
        self.root = root
        self.dirs: dict[str, dict[str, bytes]] = dirs if dirs is not None else {}

    def write(self, name: str, files: dict[str, bytes], tmp_name: str) -> None:
        """Write ``chk-<n>``: state files first, ``_metadata`` last through a temporary name and a rename."""
        path = os.path.join(self.root, name)
        os.makedirs(path, exist_ok=True)
        for fname, data in files.items():
            if fname != "_metadata":
                _write(os.path.join(path, fname), data)
        tmp = os.path.join(path, tmp_name)
        _write(tmp, files["_metadata"])
        os.replace(tmp, os.path.join(path, "_metadata"))
        self.dirs[name] = dict(files)

    def delete(self, name: str) -> None:
        shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)
        self.dirs.pop(name, None)

    def sync(self) -> None:
        """Make the directory hold exactly the expected ``chk-*`` directories, with exactly their bytes."""
        if not os.path.isdir(self.root):
            os.makedirs(self.root, exist_ok=True)
        for entry in sorted(os.listdir(self.root)):
            if entry.startswith("chk-") and entry not in self.dirs:
                shutil.rmtree(os.path.join(self.root, entry), ignore_errors=True)
        for name, files in self.dirs.items():
            path = os.path.join(self.root, name)
            os.makedirs(path, exist_ok=True)
            present = set(os.listdir(path))
            for extra in sorted(present - set(files)):
                target = os.path.join(path, extra)
                shutil.rmtree(target, ignore_errors=True) if os.path.isdir(target) else os.remove(target)
            for fname, data in files.items():
                target = os.path.join(path, fname)
                if fname not in present or _read(target) != data:
                    _write(target, data)

    def __deepcopy__(self, memo: dict) -> _DiskMark:
        """A time-travel snapshot keeps what the directory holds now (the bytes are shared, not copied)."""
        return _DiskMark(self.root, {k: dict(v) for k, v in self.dirs.items()})


class _DiskMark:
    """A checkpoint directory as a snapshot saw it; restoring the snapshot rewrites the directory to match."""

    def __init__(self, root: str, dirs: dict[str, dict[str, bytes]]) -> None:
        self.root = root
        self.dirs = dirs

    def __deepcopy__(self, memo: dict) -> DiskMirror:
        mirror = DiskMirror(self.root, {k: dict(v) for k, v in self.dirs.items()})
        mirror.sync()
        return mirror


class CheckpointStorage:
    """The completed checkpoints of one job run, in memory and (with a directory) on disk."""

    def __init__(self, settings: CheckpointSettings, job_id: str) -> None:
        self.kind = settings.storage
        self.job_id = job_id
        self.inline_threshold = settings.inline_threshold if self.kind == "filesystem" else None
        self.unpickle_foreign = settings.unpickle_foreign
        self.root: str | None = None
        self.mirror: DiskMirror | None = None
        self.written: set[str] = set()              # SHA-256 of every body this run wrote (trusted for pickle)
        if settings.directory is not None:
            base = os.path.abspath(settings.directory)
            self.root = os.path.join(base, job_id) if settings.create_subdir else base
            self._initialize()

    def _initialize(self) -> None:
        """Create ``<dir>/<job-id>/{shared,taskowned}`` and clear the ``chk-*`` of an earlier run of this job."""
        root = self.root
        try:
            for sub in ("shared", "taskowned"):
                os.makedirs(os.path.join(root, sub), exist_ok=True)
            probe = os.path.join(root, ".flowlab-write-test")
            _write(probe, b"")
            os.remove(probe)
            for entry in sorted(os.listdir(root)):
                if entry.startswith("chk-"):
                    shutil.rmtree(os.path.join(root, entry))
        except OSError as exc:
            raise CheckpointStorageError(
                f"Cannot create the checkpoint storage at '{root}': {type(exc).__name__}: {exc.strerror or exc}. "
                "Choose a directory this process may write (execution.checkpointing.dir, e.g. "
                "'file:///tmp/flink-checkpoints'). Flink fails the job at submission the same way (\"Failed to "
                "create checkpoint storage at checkpoint coordinator side.\").") from None
        self.mirror = DiskMirror(root)

    def location(self, checkpoint_id: int) -> str:
        """Where checkpoint ``n`` is (Flink's external pointer): its ``chk-<n>`` directory, or the JobManager."""
        if self.root is None:
            return "<jobmanager>"
        return os.path.join(self.root, f"chk-{checkpoint_id}")

    def store(self, checkpoint_id: int, header: dict[str, Any], operators: list[dict[str, Any]],
              channel_state: list[dict[str, Any]]) -> CompletedCheckpoint:
        """Write a checkpoint that just completed (its files, then ``_metadata``)."""
        meta, files = metadata.build(header, operators, channel_state, self.inline_threshold)
        for data in (meta, *files.values()):
            self.written.add(body_digest(data))
        done = CompletedCheckpoint(checkpoint_id, meta, files)
        if self.mirror is not None:
            name = f"chk-{checkpoint_id}"
            tmp = f"._metadata.inprogress.{metadata.file_name(self.job_id, checkpoint_id, 'inprogress')}"
            self.mirror.write(name, {**files, "_metadata": meta}, tmp)
            done.path = os.path.join(self.root, name)
        return done

    def discard(self, done: CompletedCheckpoint) -> None:
        if self.mirror is not None:
            self.mirror.delete(f"chk-{done.checkpoint_id}")

    def read(self, done: CompletedCheckpoint) -> dict[str, Any]:
        """Decode a retained checkpoint (from its files when it has any), checking every file first."""
        if done.path is None:
            return metadata.read(done.metadata, f"<jobmanager>/chk-{done.checkpoint_id}/_metadata",
                                 done.files.__getitem__, self._trusted)
        path = os.path.join(done.path, "_metadata")
        return metadata.read(_read(path), path, lambda f: _read(os.path.join(done.path, f)), self._trusted)

    def _trusted(self, digest: str) -> bool:
        return self.unpickle_foreign or digest in self.written


def read_checkpoint(path: str, unpickle: bool = False) -> dict[str, Any]:
    """Read a checkpoint from disk (``chk-<n>`` or its ``_metadata``) into plain data (flowlab extension).

    Every file is checked (header, length, SHA-256) before it is parsed. State that is not plain data was
    pickled; it is refused unless ``unpickle=True``, since unpickling runs code from the file."""
    from flowlab.runtime.checkpointing.config import local_path
    path = local_path(path)
    meta = path if os.path.basename(path) == "_metadata" else os.path.join(path, "_metadata")
    folder = os.path.dirname(meta)
    try:
        data = _read(meta)
    except FileNotFoundError:
        raise FileNotFoundError(f"'{meta}' does not exist: a chk-<n> directory without _metadata is not a usable "
                                "checkpoint (it was still being written, or was deleted)") from None
    return metadata.read(data, meta, lambda f: _read(os.path.join(folder, f)), lambda _digest: unpickle)


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()
