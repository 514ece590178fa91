"""From a read checkpoint or savepoint to the state each subtask of a (possibly changed) job starts from.

Flink's ``Checkpoints.loadAndValidateCheckpoint`` and ``StateAssignmentOperation``: state is mapped to
operators by operator ID (``uid``-based or generated, see ``flowlab.graph.operator_ids``); stored state of an
operator the job no longer has fails the restore with Flink's message, unless
``execution.state-recovery.ignore-unclaimed-state`` drops it; an operator whose max parallelism was set
explicitly must keep it; the state of each operator is then split for its new parallelism
(``redistribute``). New operators start empty.

Simplification: the in-flight data of an unaligned checkpoint is handed back only to the same operators at the
same parallelism (Flink can also rescale it); anything else is refused with a clear error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowlab.runtime.checkpointing import redistribute as R
from flowlab.runtime.state.task_restore import OperatorRestore, TaskRestore

if TYPE_CHECKING:
    from flowlab.graph.job_graph import JobGraph, JobVertex
    from flowlab.graph.stream_graph import StreamNode


class StateRestoreError(RuntimeError):
    """A checkpoint or savepoint that cannot be restored into this job (the JobMaster does not start)."""


@dataclass
class StateAssignment:
    """The state every subtask of the new job starts from (``for_subtask``), and what was left out."""

    checkpoint_id: int
    path: str | None
    tasks: dict[tuple[str, int], TaskRestore] = field(default_factory=dict)
    unclaimed: list[dict[str, Any]] = field(default_factory=list)   # dropped state: operator id, name, uid
    mapped: dict[str, str] = field(default_factory=dict)            # stored operator id -> runtime operator id

    def __deepcopy__(self, memo: dict) -> StateAssignment:
        return self                                   # read-only once built

    def for_subtask(self, vertex_id: str, index: int) -> TaskRestore | None:
        """The restore of subtask ``index`` of job vertex ``vertex_id`` (None: a task without stored state)."""
        return self.tasks.get((vertex_id, index))


def has_state(entry: dict[str, Any]) -> bool:
    """Whether a stored operator holds any state (Flink ignores stored operators that hold none)."""
    if entry.get("coordinator") is not None:
        return True
    for sub in entry["subtasks"].values():
        snap = sub.get("state")
        if snap and (snap.get("keyed") or snap.get("operator_state") is not None or snap.get("operator") is not None):
            return True
    return False


def assign_state(checkpoint: dict[str, Any], job_graph: JobGraph, *, ignore_unclaimed: bool = False,
                 path: str | None = None) -> StateAssignment:
    """Map ``checkpoint`` (as ``metadata.read`` returns it) onto ``job_graph``'s subtasks.

    Raises ``StateRestoreError`` with Flink's text for state no operator claims (unless ``ignore_unclaimed``),
    for a changed max parallelism, and for a parallelism above the stored max parallelism."""
    where = path or checkpoint.get("path") or f"checkpoint {checkpoint['checkpoint_id']}"
    nodes: dict[str, tuple[StreamNode, JobVertex]] = {}
    for v in job_graph.vertices:
        for node in v.operators:
            nodes[node.operator_hash] = (node, v)
    out = StateAssignment(checkpoint["checkpoint_id"], path or checkpoint.get("path"))
    claimed: list[tuple[str, dict[str, Any], StreamNode, JobVertex]] = []
    for op_id, entry in checkpoint["operators"].items():
        found = nodes.get(op_id)
        if found is None:
            if not has_state(entry):
                continue                              # Flink: "Skipping empty savepoint state for operator ..."
            if not ignore_unclaimed:
                raise StateRestoreError(
                    f"Failed to rollback to checkpoint/savepoint {where}. Cannot map checkpoint/savepoint state for "
                    f"operator {op_id} to the new program, because the operator is not available in the new program. "
                    "If you want to allow to skip this, you can set the --allowNonRestoredState option on the CLI."
                    f" (The state was written by operator '{entry['name']}'"
                    + (f" with uid '{entry['uid']}'" if entry.get("uid") else " without a uid") + ". Give the "
                    "operator that should take it over the same uid, or set execution.state-recovery."
                    "ignore-unclaimed-state: true to drop it.)")
            out.unclaimed.append({"operator_id": op_id, "name": entry["name"], "uid": entry.get("uid")})
            continue
        node, v = found
        check_max_parallelism(where, op_id, entry, node, v)
        claimed.append((op_id, entry, node, v))
        out.mapped[op_id] = node.operator_id
    for op_id, entry, node, v in claimed:
        _assign_operator(out, op_id, entry, node, v)
    _assign_channel_state(out, checkpoint, nodes)
    return out


def check_max_parallelism(where: str, op_id: str, entry: dict[str, Any], node: StreamNode, v: JobVertex) -> None:
    """Flink's checks: the stored max parallelism must be the job's (unless the job only derived its own, then
    the stored one is taken over before this is called) and at least the new parallelism."""
    stored = entry["max_parallelism"]
    if stored < v.parallelism:
        raise StateRestoreError(
            f"The state for task {v.head.operator_hash} can not be restored. The maximum parallelism ({stored}) of "
            f"the restored state is lower than the configured parallelism ({v.parallelism}). Please reduce the "
            "parallelism of the task to be lower or equal to the maximum parallelism.")
    if stored != v.max_parallelism:
        raise StateRestoreError(
            f"Failed to rollback to checkpoint/savepoint {where}. Max parallelism mismatch between "
            f"checkpoint/savepoint state and new program. Cannot map operator {op_id} with max parallelism {stored} "
            f"to new program with max parallelism {v.max_parallelism}. This indicates that the program has been "
            f"changed in a non-compatible way after the checkpoint/savepoint. (Operator '{node.name}': its key "
            "groups are fixed by the max parallelism, so it must stay what it was when the state was written; set "
            f"it back to {stored}, or leave it unset and the stored one is used.)")


def _assign_operator(out: StateAssignment, op_id: str, entry: dict[str, Any], node: StreamNode,
                     v: JobVertex) -> None:
    old_p = entry["parallelism"]
    states = [entry["subtasks"].get(i, {}).get("state") for i in range(old_p)]
    p = v.parallelism
    try:
        op_states = R.operator_states(states, p)
        positions = R.positions(node, states, p, [entry["subtasks"].get(i, {}).get("finished", False)
                                                 for i in range(old_p)])
    except R.RescaleError as exc:
        raise StateRestoreError(str(exc)) from None
    meta = R.keyed_meta(states)
    coordinator = entry.get("coordinator")
    for i in range(p):
        part = OperatorRestore(op_id, R.keyed_for(states, v.max_parallelism, p, i), meta, op_states[i],
                               positions[i], coordinator)
        if not part.has_state and meta is None:
            continue
        task = out.tasks.get((v.id, i))
        if task is None:
            task = out.tasks[(v.id, i)] = TaskRestore(out.checkpoint_id, out.path)
        task.operators[node.operator_id] = part


def _assign_channel_state(out: StateAssignment, checkpoint: dict[str, Any],
                          nodes: dict[str, tuple[StreamNode, JobVertex]]) -> None:
    """In-flight data of an unaligned checkpoint goes back to the same subtask of the same chain."""
    channels = {k: c for k, c in checkpoint.get("channel_state", {}).items() if c["input"] or c["output"]}
    if not channels:
        return
    chain_of: dict[str, list[str]] = {}
    old_p: dict[str, int] = {}
    for op_id, entry in checkpoint["operators"].items():
        chain_of.setdefault(entry["vertex"], []).append(op_id)
        old_p[entry["vertex"]] = entry["parallelism"]
    for (old_vertex, subtask), c in sorted(channels.items()):
        ids = chain_of.get(old_vertex, [])
        found = nodes.get(ids[0]) if ids else None
        v = found[1] if found else None
        if v is None or [n.operator_hash for n in v.operators] != ids or v.parallelism != old_p[old_vertex]:
            raise StateRestoreError(
                "Cannot recover from unaligned checkpoint when topology changes, such that data exchanges with "
                f"persisted data are now chained. The following operators contain channel state: {ids}. (flowlab "
                "hands in-flight data back only to the same chain of operators at the same parallelism: restore the "
                "unchanged job, or take a savepoint — always aligned — and restore that.)")
        task = out.tasks.get((v.id, subtask))
        if task is None:
            task = out.tasks[(v.id, subtask)] = TaskRestore(out.checkpoint_id, out.path)
        task.input_channel_state = list(c["input"])
        task.output_channel_state = list(c["output"])
