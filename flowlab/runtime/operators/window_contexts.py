"""The contexts a ``WindowOperator`` hands to triggers, assigners and process window functions.

Flink's ``WindowOperator.Context`` (trigger side), ``WindowAssignerContext`` and
``InternalProcessWindowContext``. Each holds the operator and the window being worked on;
state is scoped by (current key, window) through the keyed state backend's namespaces.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowlab.datastream import functions as F
from flowlab.datastream.triggers import Trigger
from flowlab.datastream.window import WindowAssigner
from flowlab.runtime.state.handles import VOID, MergingHandle

if TYPE_CHECKING:
    from flowlab.runtime.operators.window import WindowOperator


def merge_namespaces(backend: Any, descriptor: Any, target: Any, sources: list[Any]) -> None:
    """Fold the state of ``sources`` into ``target`` for the current key, dropping the sources (Flink's
    ``InternalMergingState.mergeNamespaces``: list state concatenates, reducing reduces, aggregating merges)."""
    handle = backend.get_namespaced_state(descriptor, target)
    if not isinstance(handle, MergingHandle):
        raise RuntimeError(f"state '{descriptor.name}' ({descriptor.kind}) cannot be merged: merging windows need "
                           "list, reducing or aggregating state")
    handle.merge_namespaces(target, sources)


class TriggerContext(Trigger.OnMergeContext):
    """What a trigger sees for one (key, window)."""

    def __init__(self, op: WindowOperator) -> None:
        self._op = op
        self.window: Any = None
        self.merged_windows: list[Any] = []

    def get_current_processing_time(self) -> int:
        return self._op.task.now_ms()

    def get_current_watermark(self) -> int:
        return self._op.timer_service.current_watermark

    def register_processing_time_timer(self, time: int) -> None:
        self._op.timer_service.register_processing_time_timer(self._op.backend.current_key, self.window, time)

    def register_event_time_timer(self, time: int) -> None:
        self._op.timer_service.register_event_time_timer(self._op.backend.current_key, self.window, time)

    def delete_processing_time_timer(self, time: int) -> None:
        self._op.timer_service.delete_processing_time_timer(self._op.backend.current_key, self.window, time)

    def delete_event_time_timer(self, time: int) -> None:
        self._op.timer_service.delete_event_time_timer(self._op.backend.current_key, self.window, time)

    def get_partitioned_state(self, state_descriptor: Any) -> Any:
        handle = self._op.backend.get_namespaced_state(state_descriptor, self.window)
        return handle

    def merge_partitioned_state(self, state_descriptor: Any) -> None:
        merge_namespaces(self._op.backend, state_descriptor, self.window, self.merged_windows)


class AssignerContext(WindowAssigner.WindowAssignerContext):
    def __init__(self, op: WindowOperator) -> None:
        self._op = op

    def get_current_processing_time(self) -> int:
        return self._op.task.now_ms()

    def get_runtime_context(self) -> Any:
        """Keyed state of the current key, as PyFlink's count-window assigners use it."""
        from flowlab.runtime.operators.base import StreamingRuntimeContext
        return StreamingRuntimeContext(self._op)


class _StateStore:
    """Keyed state of the current key in one namespace (``KeyedStateStore``)."""

    def __init__(self, backend: Any, namespace: Any) -> None:
        self._backend = backend
        self._namespace = namespace

    def get_state(self, state_descriptor: Any) -> Any:
        handle = self._backend.get_namespaced_state(state_descriptor, self._namespace)
        return handle

    get_list_state = get_map_state = get_reducing_state = get_aggregating_state = get_state


class ProcessWindowContext(F.ProcessWindowFunction.Context):
    """``ProcessWindowFunction.Context``: the window, both clocks, per-window and global state."""

    def __init__(self, op: WindowOperator) -> None:
        self._op = op
        self._window: Any = None

    def window(self) -> Any:
        return self._window

    def current_processing_time(self) -> int:
        return self._op.task.now_ms()

    def current_watermark(self) -> int:
        return self._op.timer_service.current_watermark

    def window_state(self) -> Any:
        if self._op.merging:
            raise RuntimeError("Per-window state is not allowed when using merging windows (session windows): "
                               "their windows merge, and per-window state could not follow. Use global_state().")
        return _StateStore(self._op.backend, self._window)

    def global_state(self) -> Any:
        return _StateStore(self._op.backend, VOID)
