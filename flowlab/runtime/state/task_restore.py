"""What one subtask gets back from a checkpoint or savepoint (Flink's ``JobManagerTaskRestore`` with its
``TaskStateSnapshot``): per operator, the keyed state of the key groups the subtask owns now (timers with it),
its operator state (list state redistributed, broadcast state copied), a source's reader state or a sink's
writer state, and a source enumerator's state; plus, for an unaligned checkpoint at unchanged parallelism, the
in-flight data of its channels.

Both are read-only once built and shared (a time-travel copy keeps them as they are): whoever applies them
copies what it keeps, so a run that changes its restored state never changes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class OperatorRestore:
    """One operator subtask's part of a checkpoint, already redistributed for its new subtask index."""

    operator_id: str                                  # the ID its state is stored under (Flink's OperatorID)
    keyed: dict[int, dict[str, Any]] | None = None    # key group -> {"states", "event_timers", "processing_timers"}
    keyed_meta: dict[str, dict[str, Any]] | None = None   # state name -> {"kind", "type", "ttl"} as stored
    operator_state: dict[str, Any] | None = None      # {"list": {name: (mode, items)}, "broadcast": {name: map}}
    position: Any = None                              # a source's split state / a sink's writer state
    coordinator: Any = None                           # a source's split-enumerator state

    def __deepcopy__(self, memo: dict) -> OperatorRestore:
        return self                                   # read-only (see the module docstring)

    @property
    def has_state(self) -> bool:
        return bool(self.keyed) or self.operator_state is not None or self.position is not None \
            or self.coordinator is not None

    def num_keys(self) -> int:
        """Distinct keys in the keyed state handed to this subtask."""
        keys = set()
        for g in (self.keyed or {}).values():
            for entries in g.get("states", {}).values():
                keys.update(repr(k) for k, _, _ in entries)
        return len(keys)


@dataclass
class TaskRestore:
    """Everything one subtask restores before its operators open (set on the task before INITIALIZING)."""

    checkpoint_id: int
    path: str | None                                  # where the checkpoint or savepoint was read from
    operators: dict[str, OperatorRestore] = field(default_factory=dict)   # runtime operator id (``n<id>``) -> part
    input_channel_state: list[Any] = field(default_factory=list)        # (edge, channel, elements), unaligned
    output_channel_state: list[Any] = field(default_factory=list)

    def __deepcopy__(self, memo: dict) -> TaskRestore:
        return self                                   # read-only (see the module docstring)

    def for_operator(self, operator_id: str) -> OperatorRestore | None:
        return self.operators.get(operator_id)
