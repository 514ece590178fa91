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
