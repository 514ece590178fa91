"""The contexts a ``CheckpointedFunction`` receives (flowlab extension; Java's ``StateInitializationContext``)."""
from __future__ import annotations

from typing import Any

from flowlab.datastream.checkpointed_function import FunctionInitializationContext, FunctionSnapshotContext


class FunctionSnapshotContextImpl(FunctionSnapshotContext):
    def __init__(self, checkpoint_id: int, timestamp_ms: int) -> None:
        self._id = checkpoint_id
        self._ts = timestamp_ms

    def get_checkpoint_id(self) -> int:
        return self._id

    def get_checkpoint_timestamp(self) -> int:
        return self._ts


class FunctionInitContext(FunctionInitializationContext):
    """``initialize_state``'s context: operator state always; keyed state on a keyed operator."""

    def __init__(self, op: Any, restored_checkpoint: int | None) -> None:
        self._op = op
        self._restored = restored_checkpoint

    def is_restored(self) -> bool:
        return self._restored is not None

    def get_restored_checkpoint_id(self) -> int | None:
        return self._restored

    def get_operator_state_store(self) -> Any:
        return self._op.operator_state()

    def get_keyed_state_store(self) -> Any:
        from flowlab.runtime.operators.base import StreamingRuntimeContext
        return StreamingRuntimeContext(self._op)
