"""``CheckpointedFunction``: operator (non-keyed) state — a flowlab extension, NOT in PyFlink 2.3.

Java's ``org.apache.flink.streaming.api.checkpoint.CheckpointedFunction`` with snake_case names. PyFlink
has no operator state ("Operator state is still not supported in Python DataStream API"): a program that
uses this class runs only in flowlab (and in Java, translated).

A function that implements it gets ``initialize_state(context)`` once per parallel instance, before
``open()``: there it asks ``context.get_operator_state_store()`` for list state, which belongs to this
instance rather than to a key, and ``context.is_restored()`` says whether it was restored from a
checkpoint. ``snapshot_state(context)`` is called when a checkpoint is taken, to copy what the function
keeps in plain attributes into that state. On restore with a different parallelism Flink redistributes
list state: ``get_list_state`` — *even-split* (all instances' lists concatenated and cut into equal
contiguous parts), ``get_union_list_state`` — *union* (every instance gets the whole concatenation, as
Kafka sources do with their offsets).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class FunctionSnapshotContext(ABC):
    """Which checkpoint ``snapshot_state`` is taking (flowlab extension; Java API only)."""

    @abstractmethod
    def get_checkpoint_id(self) -> int: ...

    @abstractmethod
    def get_checkpoint_timestamp(self) -> int: ...


class FunctionInitializationContext(ABC):
    """What ``initialize_state`` receives (flowlab extension; Java API only)."""

    @abstractmethod
    def is_restored(self) -> bool:
        """True when the state comes from a checkpoint or savepoint (a restart or a restore)."""

    @abstractmethod
    def get_restored_checkpoint_id(self) -> int | None: ...

    @abstractmethod
    def get_operator_state_store(self) -> Any:
        """``get_list_state`` (even-split), ``get_union_list_state`` (union), ``get_broadcast_state``."""

    @abstractmethod
    def get_keyed_state_store(self) -> Any:
        """The keyed state of a keyed operator (``get_state``, ``get_list_state``, …)."""


class CheckpointedFunction(ABC):
    """Mix into a user function to keep operator state (flowlab extension; Java API only, not in PyFlink 2.3)."""

    @abstractmethod
    def snapshot_state(self, context: FunctionSnapshotContext) -> None:
        """A checkpoint is being taken: put what must survive a failure into the operator state."""

    @abstractmethod
    def initialize_state(self, context: FunctionInitializationContext) -> None:
        """Before ``open()``: get the operator state (and read it back if ``context.is_restored()``)."""


__all__ = ["CheckpointedFunction", "FunctionInitializationContext", "FunctionSnapshotContext"]
