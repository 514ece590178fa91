"""Savepoints: checkpoints the user triggers and owns (Flink's ``SavepointType``; docs ``ops/state/savepoints``).

A savepoint goes through the same barriers and snapshots as a checkpoint and takes the next checkpoint id, but:

* it is written to ``<savepoint directory>/savepoint-<first 6 hex of the job id>-<12 hex>/_metadata`` (+ state
  files above ``execution.checkpointing.data-inline-threshold``, referenced by name relative to the folder),
  so the folder is self-contained and can be moved; ``_metadata`` last, through a temporary name;
* it is always aligned (Flink takes no unaligned savepoints) and in the one format both state backends read
  (Flink's CANONICAL);
* it belongs to the user: never counted in ``num-retained``, never deleted by the job, not even when the job
  ends; an intermediate savepoint commits no side effects (no ``notify_checkpoint_complete``, Flink 1.15+),
  a stop-with-savepoint does and then the job finishes.

Time travel: ``back()`` to before a savepoint removes its folder, replaying writes it again byte for byte
(``SavepointJournal`` remembers every folder the run wrote; ``SavepointFolders`` is what a snapshot holds).

Simplifications: the 12 hex digits come from the job id and the checkpoint id (Flink draws them at random);
the NATIVE format and savepoints of BATCH jobs are not modelled.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from typing import Any

from flowlab.runtime.checkpointing import metadata
from flowlab.runtime.elements import EndOfData
from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.trace import EventKind

KEY = "savepoints"                  # the run's connector registry entries (see ``operators.connector_registry``)
JOURNAL_KEY = "savepoints/journal"


class SavepointError(RuntimeError):
    """A savepoint that cannot be triggered or did not complete."""


@dataclass
class SavepointRequest:
    """What the user asked for: where to, and whether the job stops (and drains) with it."""

    directory: str
    stop: EndOfData | None = None      # stop-with-savepoint: what the sources send (drain or not)

    @property
    def savepoint_type(self) -> str:
        """Flink's ``SavepointType`` name (shown in the checkpoint history's ``type`` column)."""
        if self.stop is None:
            return "Savepoint"
        return "Terminate Savepoint" if self.stop.drain else "Suspend Savepoint"


def savepoint_name(job_id: str, checkpoint_id: int) -> str:
    """``savepoint-<first 6 hex of the job id>-<12 hex>``."""
    tail = hashlib.sha256(f"{job_id}/{checkpoint_id}/savepoint".encode()).hexdigest()[:12]
    return f"savepoint-{job_id[:6]}-{tail}"


def no_directory_error() -> SavepointError:
    return SavepointError(
        "No savepoint directory configured. You can either specify a directory while cancelling via -s "
        ":targetDirectory or configure a cluster-wide default via key 'execution.checkpointing.savepoint-dir'. "
        "(In flowlab: trigger_savepoint('/tmp/savepoints'), env.set_default_savepoint_directory(...) or the key "
        "in the Configuration.)")


class SavepointJournal:
    """Every savepoint folder this run wrote, with its files (kept across time travel)."""

    survives_time_travel = True

    def __init__(self, job: Any = None) -> None:
        self.written: dict[str, dict[str, bytes]] = {}

    def restored(self, registry: Any) -> None:
        """A time-travel snapshot came back: folders it did not hold go, those it held are rewritten as they were."""
        present = set(registry.objects[KEY].paths) if KEY in registry.objects else set()
        for path in sorted(self.written):
            if path in present:
                _write_folder(path, self.written[path])
            else:
                shutil.rmtree(path, ignore_errors=True)


class SavepointFolders:
    """The savepoint folders written up to this point of the run (what a time-travel snapshot keeps)."""

    def __init__(self, job: Any = None) -> None:
        self.paths: list[str] = []


class SavepointMixin:
    """The CheckpointCoordinator's savepoint side (mixed into ``CheckpointCoordinator``; uses its state)."""

    def trigger_savepoint(self, request: SavepointRequest) -> int:
        """Trigger a savepoint now (Flink's ``triggerSavepoint`` / ``stopWithSavepoint``); its id. The outcome
        lands in ``savepoints[id]``. Raises ``SavepointError`` when it cannot be triggered."""
        if self.stopping:
            raise SavepointError("A stop-with-savepoint is already in progress for this job: wait for it to end.")
        if self._plan() is None:
            raise SavepointError(
                "Checkpoint triggering task is not being executed at the moment. Aborting checkpoint. Failure "
                "reason: Not all required tasks are currently running. (A savepoint needs every subtask RUNNING: "
                "run the job a little first, e.g. sim.run(until_ms=...).)")
        if request.stop is not None:
            self.stopping = True                  # Flink stops the periodic checkpoint scheduler
            if self.periodic is not None:
                self.periodic.cancel()
                self.periodic = None
        return self._trigger(request)

    def _complete_savepoint(self, pending: Any) -> None:
        """A savepoint completed: its own folder, owned by the user (never retained or deleted by the job); only a
        stop-with-savepoint notifies the subtasks (side effects are committed, then they finish)."""
        stats, request = pending.stats, pending.savepoint
        n = stats.checkpoint_id
        try:
            path, size = write_savepoint(self.connector, self.job_id, request, self._header(stats),
                                         self._operators(pending), self.settings.inline_threshold)
        except OSError as exc:
            self._abort(pending, "IO_EXCEPTION", f"writing the savepoint to '{request.directory}' failed: "
                        f"{type(exc).__name__}: {exc.strerror or exc}. Choose a directory this process may write.")
            return
        del self.pending[n]
        pending.canceller.cancel()
        now = self.kernel.now
        stats.status, stats.end_us, stats.path = "COMPLETED", now, path
        self.savepoints[n] = ("COMPLETED", path)
        self.rec.emit(EventKind.CHECKPOINT_COMPLETED, detail=f"{describe_savepoint(n, request)} COMPLETED: "
                      f"{len(stats.acks)} subtask(s), {size:,} bytes on disk, {(now - stats.trigger_us) / 1000:g} ms; "
                      f"written to {path}" + ("; the subtasks finish" if request.stop is not None else ""),
                      data={"checkpoint_id": n, "state_size": stats.state_size,
                            "duration_ms": (now - stats.trigger_us) / 1000, "path": path, "type": stats.kind})
        if request.stop is None:
            if self.queued:
                self._request()
            return
        for op_id in sorted(self.operator_coordinators):
            self.operator_coordinators[op_id].notify_checkpoint_complete(n)
        for t in self._all_tasks():
            if t.state == "RUNNING":
                self.kernel.schedule(now + self.rpc_us, t.checkpointer.notify_complete, n, phase=PHASE_CONTROL,
                                     target=t.actor)


def write_savepoint(connector: Any, job_id: str, request: SavepointRequest, header: dict[str, Any],
                    operators: list[dict[str, Any]], inline_threshold: int) -> tuple[str, int]:
    """Write a completed savepoint; its folder and size in bytes."""
    directory = os.path.abspath(request.directory)
    path = os.path.join(directory, savepoint_name(job_id, header["checkpoint_id"]))
    header = {**header, "type": "SAVEPOINT", "savepoint_type": request.savepoint_type, "format_type": "CANONICAL"}
    meta, files = metadata.build(header, operators, [], inline_threshold)
    files = {**files, "_metadata": meta}
    _write_folder(path, files)
    connector(JOURNAL_KEY, SavepointJournal).written[path] = files
    connector(KEY, SavepointFolders).paths.append(path)
    return path, sum(len(b) for b in files.values())


def _write_folder(path: str, files: dict[str, bytes]) -> None:
    os.makedirs(path, exist_ok=True)
    for name, data in files.items():
        if name != "_metadata":
            _write(os.path.join(path, name), data)
    tmp = os.path.join(path, "._metadata.inprogress")
    _write(tmp, files["_metadata"])
    os.replace(tmp, os.path.join(path, "_metadata"))


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def describe_savepoint(n: int, request: SavepointRequest) -> str:
    if request.stop is None:
        return f"savepoint {n}"
    return f"stop-with-savepoint {n} ({'drain' if request.stop.drain else 'no drain'})"
