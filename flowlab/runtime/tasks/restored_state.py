"""The trace event of a subtask that starts from a checkpoint or savepoint: which key groups it owns, how many
keys it got back, what else it restored (the key-group view draws ranges from it)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowlab.runtime.keys import state_key
from flowlab.runtime.state.key_group_snapshot import snapshot_key_groups
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.state.task_restore import OperatorRestore, TaskRestore
    from flowlab.runtime.tasks.stream_task import StreamTask


def note_restored(task: StreamTask, restore: TaskRestore, restored: list[tuple[Any, OperatorRestore]]) -> None:
    rec = task.recorder
    if not rec.enabled:
        rec.tick()
        return
    parts, ops = [], []
    for op, part in restored:
        what = []
        backend = getattr(op, "backend", None)
        if backend is not None:
            kgs = backend.key_groups
            what.append(f"key groups {kgs.start}-{kgs.stop - 1} ({part.num_keys()} key(s))")
        if part.operator_state is not None:
            what.append("operator state")
        if part.position is not None:
            what.append("its split/writer state")
        parts.append(f"{op.name}: {', '.join(what) or 'no state'}")
        ops.append({"operator": op.id, "operator_id": part.operator_id, "keys": part.num_keys(),
                    "key_groups": None if backend is None else [backend.key_groups.start, backend.key_groups.stop - 1]})
    if restore.input_channel_state or restore.output_channel_state:
        parts.append("in-flight data of its channels")
    rec.emit(EventKind.STATE_RESTORED, task.vertex_id, task.index, None,
             f"restores checkpoint {restore.checkpoint_id}: " + "; ".join(parts),
             {"checkpoint_id": restore.checkpoint_id, "operators": ops})


def keys_per_key_group(groups: dict[int, dict[str, Any]]) -> list[list[int]]:
    """[[key group, distinct keys with state], ...] of ``{kg: {state name: [(key, ns, value)]}}``, ascending."""
    out = []
    for kg in sorted(groups):
        keys = {repr(state_key(k)) for entries in groups[kg].values() for k, _, _ in entries}
        if keys:
            out.append([kg, len(keys)])
    return out


def backend_keys_per_key_group(backend: Any) -> list[list[int]]:
    """The same for a keyed backend's state now (restored states not registered yet included)."""
    return keys_per_key_group(snapshot_key_groups(backend))
