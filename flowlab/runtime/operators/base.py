"""The operator contract every runtime operator follows (Flink's ``AbstractStreamOperator``).

An operator receives records (``process_element``), watermarks and the end of its input, and
emits through ``self.output``. Its processing cost (virtual µs per record) is charged to the task.
Keyed operators get a state backend and a timer service scoped to the current key.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flowlab.datastream.checkpointed_function import CheckpointedFunction
from flowlab.datastream.functions import Function, RuntimeContext, TimerService
from flowlab.datastream.output_tag import OutputTag
from flowlab.graph.key_groups import key_group_range_for_operator
from flowlab.runtime.elements import LONG_MIN
from flowlab.runtime.operators.function_contexts import FunctionInitContext, FunctionSnapshotContextImpl
from flowlab.runtime.operators.timer_service import InternalTimerService
from flowlab.runtime.records import IMMUTABLE, is_immutable
from flowlab.runtime.state import KeyedStateBackend
from flowlab.runtime.state.key_group_snapshot import snapshot_key_groups
from flowlab.runtime.state.operator_state import OperatorStateBackend
from flowlab.runtime.state.task_restore import OperatorRestore
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.graph.stream_graph import StreamNode
    from flowlab.runtime.operators.host import OperatorHost, Output

DEFAULT_COST_US = 1


class StreamOperator:
    """Base of all runtime operators: watermark handling, counters, cost."""

    keyed = False
    # Flink's ``emitProgressiveWatermarks`` of sources and timestamp assigners: False in BATCH, where only the
    # timestamp assigner of a WatermarkStrategy is used and the MAX watermark comes at the end of the input
    emit_progressive_watermarks = True

    def __init__(self, node: StreamNode, task: OperatorHost, output: Output) -> None:
        self.node = node
        self.task = task
        self.output = output
        self.name = node.name
        self.id = node.operator_id
        self.cost = DEFAULT_COST_US if node.processing_cost_us is None else node.processing_cost_us
        self.records_in = 0
        self.records_out = 0
        self.current_watermark = LONG_MIN
        self.num_late_records_dropped = 0
        self.timer_service: InternalTimerService | None = None

    # -- lifecycle ----------------------------------------------------------------------------------
    def open(self) -> None:
        pass

    def finish(self) -> None:
        """All input has ended (called head to tail); flush anything buffered."""

    def close(self) -> None:
        pass

    # -- input --------------------------------------------------------------------------------------
    def process_element(self, value: Any, ts: int | None) -> None:
        raise TypeError(f"{type(self).__name__} ({self.name}) takes no input records")

    def process_watermark(self, wm: int) -> None:
        """Fire due event-time timers first, then forward the watermark (``AbstractStreamOperator``)."""
        self.current_watermark = wm
        if self.timer_service is not None:
            self.timer_service.advance_watermark(wm)
        self.output.emit_watermark(wm)

    def process_watermark_status(self, idle: bool, input_number: int = 1) -> None:
        self.output.emit_status(idle)

    # -- helpers ------------------------------------------------------------------------------------
    def emit_all(self, results: Iterable[Any] | None, ts: int | None) -> None:
        """Emit what a user function returned/yielded; ``(OutputTag, value)`` pairs go to side outputs.

        As in PyFlink, a process function that returns None emits nothing. A ``[tag, value]`` list, a
        ``(tag, a, b)`` tuple or a bare ``OutputTag`` is a mistake that would silently reach the main
        output: it fails, saying how to write the pair.
        """
        if results is None:
            return
        out = self.output
        try:
            results = iter(results)
        except TypeError:
            raise TypeError(f"{self.name}: the function returned {results!r} ({type(results).__name__}), which is not "
                            "iterable; process-style functions must `yield` their results (or return a list)") from None
        for item in results:
            t = type(item)
            if t is tuple or t is list:           # hot path: one type test for plain records
                if item and isinstance(item[0], OutputTag):
                    if t is tuple and len(item) == 2:
                        out.collect_side(item[0], item[1], ts)
                        continue
                    raise self._side_output_misuse(item)
            elif t is OutputTag:
                raise self._side_output_misuse(item)
            out.collect(item, ts)

    def _side_output_misuse(self, item: Any) -> TypeError:
        tag = item if isinstance(item, OutputTag) else item[0]
        if isinstance(item, OutputTag):
            what = "the OutputTag itself"
        elif type(item) is list:
            what = f"the list {item!r}"
        else:
            what = f"the {len(item)}-tuple {item!r}"
        return TypeError(f"{self.name}: the function yielded {what}. To send a value to side output "
                         f"'{tag.tag_id}', yield a tuple of two: `yield tag, value`; anything else goes to the main "
                         "output.")

    def route_late(self, value: Any, ts: int | None, tag: OutputTag | None, why: str, data: dict[str, Any]) -> None:
        """A late record goes to the late-data side output, or is dropped and counted
        (``numLateRecordsDropped``); either way the trace says so — nothing is dropped silently."""
        if tag is not None:
            self.output.collect_side(tag, value, ts)
            what = f"to side output '{tag.tag_id}'"
        else:
            self.num_late_records_dropped += 1
            what = "dropped"
        rec = self.task.recorder
        if rec.enabled:
            rec.emit(EventKind.LATE_RECORD, self.task.vertex.id, self.task.index, self.id,
                     f"{self.name}: {why} {what}", {**data, "timestamp": ts, "side_output": tag is not None})
        else:
            rec.tick()

    def snapshot_info(self) -> dict[str, Any]:
        return {}

    def operator_state(self) -> OperatorStateBackend:
        """This subtask's operator state (broadcast state; CheckpointedFunction list state), created on first use."""
        backend = self.__dict__.get("operator_state_backend")
        if backend is None:
            backend = self.operator_state_backend = OperatorStateBackend(self.name)
        return backend

    # -- checkpoints ----------------------------------------------------------------------------------
    def snapshot_state(self, checkpoint_id: int, timestamp_ms: int) -> dict[str, Any] | None:
        """This operator's part of checkpoint ``checkpoint_id`` as plain data (Flink's ``snapshotState``), or None
        when it keeps no state: ``{"keyed": {key group: {"states": {name: [(key, namespace, stored)]},
        "event_timers": [...], "processing_timers": [...]}}, "operator_state": {"list": ..., "broadcast": ...},
        "operator": <a source's read position>}``."""
        keyed = keyed_meta = None
        backend = getattr(self, "backend", None)
        if backend is not None:
            keyed = {kg: {"states": states} for kg, states in snapshot_key_groups(backend).items()}
            keyed_meta = backend.state_meta() or None
            if self.timer_service is not None:
                for kg, timers in self.timer_service.snapshot_key_groups(backend.key_group_of).items():
                    keyed.setdefault(kg, {"states": {}}).update(timers)
        snap_function = getattr(self, "snapshot_function_state", None)
        if snap_function is not None:
            op_state = snap_function(checkpoint_id, timestamp_ms)
        elif "operator_state_backend" in self.__dict__:
            op_state = self.operator_state_backend.snapshot()
        else:
            op_state = None
        if op_state is not None and not op_state["list"] and not op_state["broadcast"]:
            op_state = None
        position = self.snapshot_position()
        if keyed is None and op_state is None and position is None:
            return None
        return {"keyed": keyed, "keyed_meta": keyed_meta, "operator_state": op_state, "operator": position}

    def restore_state(self, restore: OperatorRestore, checkpoint_id: int) -> None:
        """Before ``open()``: this operator's part of checkpoint/savepoint ``checkpoint_id`` (Flink's
        ``initializeState`` with a restored context). Keyed state and timers of the key groups it owns now,
        operator state, a source's split state or a sink's writer state, a source enumerator's state."""
        self.restored_checkpoint_id = checkpoint_id
        if restore.keyed:
            backend = getattr(self, "backend", None)
            if backend is None or not hasattr(backend, "restore_key_groups"):
                raise RuntimeError(
                    f"The state stored for operator {restore.operator_id} is keyed state, but the operator it maps "
                    f"to now ('{self.name}') is not on a keyed stream. Map the state to a keyed operator (move the "
                    "uid), or drop it (execution.state-recovery.ignore-unclaimed-state and another uid).")
            groups = _copy_groups(restore.keyed)
            backend.restore_key_groups(groups, restore.keyed_meta)
            if self.timer_service is not None:
                self.timer_service.restore_key_groups(groups)
        if restore.operator_state is not None:
            self.operator_state().restore(copy.deepcopy(restore.operator_state))
        if restore.position is not None:
            restore_position = getattr(self, "restore_position", None)
            if restore_position is not None:
                restore_position(copy.deepcopy(restore.position))
        if restore.coordinator is not None:
            restore_coordinator = getattr(self, "restore_coordinator", None)
            if restore_coordinator is not None:
                restore_coordinator(copy.deepcopy(restore.coordinator))

    def snapshot_position(self) -> Any:
        """A source's read position for a checkpoint (FLIP-27 split state); None for other operators."""
        return None

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        """Checkpoint ``checkpoint_id`` completed (Java's ``CheckpointListener``; a user function defining
        ``notify_checkpoint_complete(checkpoint_id)`` hears it too: a flowlab extension, not in PyFlink 2.3)."""
        fn = getattr(getattr(self, "function", None), "notify_checkpoint_complete", None)
        if callable(fn):
            fn(checkpoint_id)

    def notify_checkpoint_aborted(self, checkpoint_id: int) -> None:
        fn = getattr(getattr(self, "function", None), "notify_checkpoint_aborted", None)
        if callable(fn):
            fn(checkpoint_id)


def _copy_groups(groups: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The restore's key groups, with every stored value that could change in place copied (keys, namespaces and
    immutable values are shared): the restore stays as it was whatever the job does with its state."""
    out = {}
    for kg, g in groups.items():
        out[kg] = {"states": {name: [(k, ns, v if type(v) in IMMUTABLE or is_immutable(v) else copy.deepcopy(v))
                                     for k, ns, v in entries] for name, entries in g.get("states", {}).items()},
                   "event_timers": list(g.get("event_timers", ())),
                   "processing_timers": list(g.get("processing_timers", ()))}
    return out


def user_method(func: Any, cls: type, method: str) -> Any:
    """The callable to invoke: ``func.method`` for a Function subclass instance, else the callable."""
    return getattr(func, method) if isinstance(func, cls) else func


class UdfOperator(StreamOperator):
    """An operator wrapping a user function: ``open(runtime_context)`` / ``close()`` are forwarded."""

    def __init__(self, node: StreamNode, task: OperatorHost, output: Output) -> None:
        super().__init__(node, task, output)
        self.function = task.user_function(node)

    def open(self) -> None:
        if isinstance(self.function, CheckpointedFunction):     # flowlab extension: before open(), as in Flink
            self.function.initialize_state(FunctionInitContext(self, self.__dict__.get("restored_checkpoint_id")))
        if isinstance(self.function, Function):
            self.function.open(StreamingRuntimeContext(self))

    def snapshot_function_state(self, checkpoint_id: int, timestamp_ms: int) -> dict[str, Any]:
        """A checkpoint: ``snapshot_state`` of a CheckpointedFunction, then a copy of the operator state."""
        if isinstance(self.function, CheckpointedFunction):
            self.function.snapshot_state(FunctionSnapshotContextImpl(checkpoint_id, timestamp_ms))
        return self.operator_state().snapshot()

    def close(self) -> None:
        if isinstance(self.function, Function):
            self.function.close()


class KeyedUdfOperator(UdfOperator):
    """A user function on a keyed stream: keyed state and timers, key re-extracted per record."""

    keyed = True

    def __init__(self, node: StreamNode, task: OperatorHost, output: Output,
                 key_selector: Any = None) -> None:
        super().__init__(node, task, output)
        self.key_selector = key_selector or node.params["key_selector"]
        self.key_type = node.params.get("key_type")
        p, max_p = task.vertex.parallelism, task.vertex.max_parallelism
        label = f"{type(self).__name__}_{self.id}__{task.index + 1}_{p}__"
        self.backend = task.create_keyed_state_backend(self.id, label, max_p, self.key_type,
                                                       key_group_range_for_operator(max_p, p, task.index))
        create_timers = getattr(self.backend, "create_timer_service", None)    # BATCH: timers per key
        self.timer_service = (InternalTimerService(self.on_event_time, self.on_processing_time,
                                                   self._schedule_processing_time, self.backend.set_current_key)
                              if create_timers is None else create_timers(self))

    def set_key_of(self, value: Any) -> None:
        key = self.key_selector(value)
        try:
            self.backend.set_current_key(key)
        except TypeError:
            raise TypeError(f"the key selector returned {key!r} ({type(key).__name__}), which cannot be a key: "
                            "keys must be hashable and stable — use a str, int, float, bool or a tuple of "
                            "those (lists and dicts are not allowed)") from None

    def _schedule_processing_time(self, ts_ms: int) -> None:
        self.task.schedule_processing_time(ts_ms, self.timer_service.on_processing_time)

    def on_event_time(self, ts: int, key: Any, namespace: Any) -> None:
        pass

    def on_processing_time(self, ts: int, key: Any, namespace: Any) -> None:
        pass


class StreamingRuntimeContext(RuntimeContext):
    """What ``open(runtime_context)`` receives: subtask facts and keyed state."""

    def __init__(self, operator: StreamOperator) -> None:
        self._op = operator

    def get_task_name(self) -> str:
        return self._op.task.vertex.name

    def get_number_of_parallel_subtasks(self) -> int:
        return self._op.task.vertex.parallelism

    def get_max_number_of_parallel_subtasks(self) -> int:
        return self._op.task.vertex.max_parallelism

    def get_index_of_this_subtask(self) -> int:
        return self._op.task.index

    def get_attempt_number(self) -> int:
        return self._op.task.attempt

    def get_task_name_with_subtasks(self) -> str:
        v = self._op.task.vertex
        return f"{v.name} ({self._op.task.index + 1}/{v.parallelism})"

    def get_job_parameter(self, key: str, default_value: str) -> str:
        return self._op.task.job_parameters.get(key, default_value)

    def _backend(self) -> KeyedStateBackend:
        backend = getattr(self._op, "backend", None)
        if backend is None:
            raise RuntimeError(
                "Keyed state can only be used on a 'keyed stream', i.e., after a 'key_by()' operation; "
                f"'{self._op.name}' is not keyed, so it has no key to scope state to. Key the stream first, e.g. "
                "ds.key_by(lambda r: r[0]).process(MyKeyedProcessFunction()). (State per parallel instance "
                "instead of per key: broadcast state, or flowlab's CheckpointedFunction extension.)")
        return backend

    def get_state(self, state_descriptor: Any) -> Any:
        return self._backend().get_state(state_descriptor)

    get_list_state = get_map_state = get_reducing_state = get_aggregating_state = get_state

    def get_metrics_group(self) -> Any:
        return None


class KeyedTimerService(TimerService):
    """``ctx.timer_service()`` of keyed process functions (ms, virtual processing time)."""

    def __init__(self, op: KeyedUdfOperator) -> None:
        self._op = op

    def current_processing_time(self) -> int:
        return self._op.task.now_ms()

    def current_watermark(self) -> int:
        return self._op.timer_service.current_watermark

    def register_event_time_timer(self, timestamp: int) -> None:
        self._op.timer_service.register_event_time_timer(self._op.backend.current_key, None, int(timestamp))

    def register_processing_time_timer(self, timestamp: int) -> None:
        self._op.timer_service.register_processing_time_timer(self._op.backend.current_key, None, int(timestamp))

    def delete_event_time_timer(self, timestamp: int) -> None:
        self._op.timer_service.delete_event_time_timer(self._op.backend.current_key, None, int(timestamp))

    def delete_processing_time_timer(self, timestamp: int) -> None:
        self._op.timer_service.delete_processing_time_timer(self._op.backend.current_key, None, int(timestamp))


class NonKeyedTimerService(TimerService):
    """Timers need a keyed stream; time queries work everywhere."""

    def __init__(self, op: StreamOperator) -> None:
        self._op = op

    def current_processing_time(self) -> int:
        return self._op.task.now_ms()

    def current_watermark(self) -> int:
        return self._op.current_watermark

    def _no_timers(self, *_: Any) -> None:
        raise RuntimeError("Setting timers is only supported on a keyed streams: use key_by(...) and a "
                           "KeyedProcessFunction.")

    register_event_time_timer = register_processing_time_timer = _no_timers
    delete_event_time_timer = delete_processing_time_timer = _no_timers
