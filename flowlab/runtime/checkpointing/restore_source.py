"""Starting a job from a checkpoint or savepoint: ``execution.state-recovery.path`` (Flink 2.x; the deprecated
``execution.savepoint.path`` is read too), like ``flink run -s <path>``.

The path is a savepoint directory (``savepoint-<6 hex>-<12 hex>``), a retained checkpoint directory
(``chk-<n>``, Flink accepts those too) or the ``_metadata`` file in either. It is read once, when the job is
built: every file is checked (header, length, SHA-256) before it is parsed, and a path that is missing, is no
checkpoint, is cut short or corrupted, or comes from a newer flowlab is refused with what is wrong. State that
had to be pickled (values that are not plain data) is unpickled only if the user allows it
(``flowlab.checkpointing.unpickle-foreign-files: true``): unpickling runs code from the file, and the file was
not written by this run.

``execution.state-recovery.ignore-unclaimed-state`` (deprecated ``execution.savepoint.ignore-unclaimed-state``;
the CLI's ``--allowNonRestoredState``) drops state no operator of the new job claims; the trace says which.
When the job only derived its max parallelism (``pipeline.max-parallelism`` and ``set_max_parallelism`` unset),
the stored one is taken over, as Flink does, so a rescaled job keeps its key groups.

Simplification: ``execution.state-recovery.claim-mode`` is not modelled: flowlab never deletes what it restored
from (Flink's default ``NO_CLAIM``), and the first checkpoint after a restore is like any other.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowlab.graph.job_graph import with_max_parallelism
from flowlab.runtime.checkpointing import metadata
from flowlab.runtime.checkpointing.config import UNPICKLE_KEY, local_path
from flowlab.runtime.checkpointing.restore import (
    StateAssignment,
    StateRestoreError,
    assign_state,
    check_max_parallelism,
)
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.graph.job_graph import JobGraph
    from flowlab.runtime.recorder import Recorder

PATH_KEYS = ("execution.state-recovery.path", "execution.savepoint.path")
IGNORE_KEYS = ("execution.state-recovery.ignore-unclaimed-state", "execution.savepoint.ignore-unclaimed-state")


@dataclass
class RestoreSource:
    """A checkpoint or savepoint read for a job to start from (read-only, shared by time-travel copies)."""

    path: str                      # the directory (chk-<n> or savepoint-...) it was read from
    checkpoint: dict[str, Any]     # as ``metadata.read`` returns it
    ignore_unclaimed: bool

    def __deepcopy__(self, memo: dict) -> RestoreSource:
        return self

    @property
    def checkpoint_id(self) -> int:
        return self.checkpoint["checkpoint_id"]

    @property
    def kind(self) -> str:
        return "savepoint" if self.checkpoint.get("type") == "SAVEPOINT" else "checkpoint"

    def assign(self, job_graph: JobGraph) -> StateAssignment:
        return assign_state(self.checkpoint, job_graph, ignore_unclaimed=self.ignore_unclaimed, path=self.path)

    def prepare(self, job_graph: JobGraph) -> JobGraph:
        """``job_graph`` with the stored max parallelism taken over where the job only derived its own (Flink's
        ``SchedulerBase``: a derived max parallelism may be reset from the restored state, a configured one not)."""
        vertex_of = {n.operator_hash: v for v in job_graph.vertices for n in v.operators}
        overrides: dict[int, int] = {}
        for op_id, entry in self.checkpoint["operators"].items():
            v = vertex_of.get(op_id)
            stored = entry["max_parallelism"]
            if v is None or stored == v.max_parallelism or any(n.max_parallelism_set for n in v.operators):
                continue
            if stored < v.parallelism:
                check_max_parallelism(self.path, op_id, entry, v.head, v)     # Flink's "can not be restored"
            for n in v.operators:
                overrides[n.id] = stored
        return with_max_parallelism(job_graph, overrides) if overrides else job_graph


def _first(conf: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        if conf.get(k) is not None:
            return conf[k]
    return None


def restore_source(conf: dict[str, Any]) -> RestoreSource | None:
    """The checkpoint or savepoint ``conf`` says to start from, read and checked; None when there is none."""
    raw = _first(conf, PATH_KEYS)
    if raw is None or str(raw).strip() == "":
        return None
    ignore = str(_first(conf, IGNORE_KEYS) or "false").strip().lower()
    if ignore not in ("true", "false"):
        raise StateRestoreError(f"execution.state-recovery.ignore-unclaimed-state: {ignore!r} is not true or false")
    unpickle = str(conf.get(UNPICKLE_KEY, "false")).strip().lower() == "true"
    folder, checkpoint = read_restore_path(str(raw), unpickle)
    return RestoreSource(folder, checkpoint, ignore == "true")


def read_restore_path(raw: str, unpickle: bool = False) -> tuple[str, dict[str, Any]]:
    """Read the checkpoint or savepoint at ``raw`` (a directory or its ``_metadata``): (directory, contents)."""
    path = os.path.abspath(local_path(raw))
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"Cannot find checkpoint or savepoint file/directory '{raw}' on file system 'file'. "
            "(execution.state-recovery.path must name a savepoint directory — savepoint-<6 hex>-<12 hex> — a "
            "retained checkpoint directory chk-<n>, or the _metadata file in one.)")
    if os.path.isdir(path):
        folder, meta = path, os.path.join(path, "_metadata")
        if not os.path.isfile(meta):
            subdirs = sorted(e for e in os.listdir(path) if e.startswith(("chk-", "savepoint-")))
            hint = f" It holds {', '.join(subdirs[:5])}: name one of those." if subdirs else ""
            raise FileNotFoundError(
                f"Cannot find meta data file '_metadata' in directory '{path}'. Please try to load the "
                f"checkpoint/savepoint directly from the metadata file instead of the directory.{hint} (A chk-<n> "
                "directory without _metadata is a checkpoint that never completed.)")
    else:
        folder, meta = os.path.dirname(path), path
    with open(meta, "rb") as f:
        data = f.read()

    def load(name: str) -> bytes:
        with open(os.path.join(folder, name), "rb") as fh:
            return fh.read()

    checkpoint = metadata.read(data, meta, load, lambda _digest: unpickle)
    return folder, checkpoint


def announce_restore(rec: Recorder, source: RestoreSource, assignment: StateAssignment) -> None:
    """The JobMaster's trace event when it starts a job from a checkpoint or savepoint (Flink logs "Starting job
    ... from savepoint ..." and "Reset the checkpoint ID of job ... to N+1"); dropped state is named."""
    dropped = assignment.unclaimed
    text = (f"JobMaster restores the job from {source.kind} {source.checkpoint_id} at {source.path}: state of "
            f"{len(assignment.mapped)} operator(s) mapped by operator ID; checkpoint ids go on from "
            f"{source.checkpoint_id + 1}")
    if dropped:
        names = ", ".join(f"'{d['name']}' ({d['operator_id']})" for d in dropped)
        text += f"; state not claimed by any operator dropped (ignore-unclaimed-state): {names}"
    rec.emit(EventKind.STATE_RESTORED, detail=text,
             data={"checkpoint_id": source.checkpoint_id, "path": source.path, "kind": source.kind,
                   "mapped": dict(assignment.mapped), "dropped": [d["operator_id"] for d in dropped]})
