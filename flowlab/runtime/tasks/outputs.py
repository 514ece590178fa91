"""Where an operator's results go: the next chained operator, the network, or side outputs.

Flink's ``ChainingOutput``/``CopyingChainingOutput``, ``RecordWriterOutput`` and
``BroadcastingOutputCollector`` in one small module. Watermarks are broadcast to every channel whatever
the partitioner. Which hand-overs copy a record is explained in ``flowlab.runtime.records``.
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.network.partitioning import ChannelSelector, ForwardSelector
from flowlab.runtime.network.result_partition import ResultPartition
from flowlab.runtime.operators.type_conversion import OutputTypeError
from flowlab.runtime.records import (
    IMMUTABLE,
    RecordNotSerializableError,
    deep_copy,
    is_immutable,
)

# PyFlink fuses a Python map/flat_map/filter/process into the Python operator before it (same worker, no
# serialisation in between) when that one is a Python (co-/keyed) process function with no other consumer.
_PYTHON_UPSTREAM = frozenset({"map", "flat_map", "filter", "process", "keyed_process", "rolling_reduce", "window",
                              "co_map", "co_flat_map", "co_process", "keyed_co_process"})
_PYTHON_FUSABLE = frozenset({"map", "flat_map", "filter", "process"})


def passes_by_reference(edge: Any) -> bool:
    """Whether a chained hand-over passes the record itself, not a copy: after a source (which already
    emits its own copies), or between two Python operators PyFlink fuses (``PythonOperatorChainingOptimizer``)."""
    up, down = edge.source, edge.target
    if up.kind == "source":
        return True
    return (up.kind in _PYTHON_UPSTREAM and down.kind in _PYTHON_FUSABLE and len(up.out_edges) == 1
            and "key_selector" not in down.params and "projection" not in down.params)


class ChainedOutput:
    """Hands records straight to the next operator in the same task (no network, no buffer)."""

    __slots__ = ("operator", "input_number")

    def __init__(self, operator: Any, input_number: int = 1) -> None:
        self.operator = operator
        self.input_number = input_number

    def collect(self, value: Any, ts: int | None) -> None:
        op = self.operator
        op.records_in += 1
        op.task.cost += op.cost
        if self.input_number == 1:
            op.process_element(value, ts)
        else:
            op.process_element2(value, ts)

    def emit_watermark(self, wm: int) -> None:
        if self.input_number == 1:
            self.operator.process_watermark(wm)
        else:
            self.operator.process_watermark2(wm)

    def emit_status(self, idle: bool) -> None:
        self.operator.process_watermark_status(idle, self.input_number)


class CopyingChainedOutput(ChainedOutput):
    """A chained hand-over that gives the next operator its own copy (Flink's ``CopyingChainingOutput``:
    object reuse is off, and PyFlink serialises between these two operators)."""

    __slots__ = ()

    def collect(self, value: Any, ts: int | None) -> None:
        if type(value) not in IMMUTABLE and not is_immutable(value):   # hot path: plain values never copied
            value = deep_copy(value)
        op = self.operator
        op.records_in += 1
        op.task.cost += op.cost
        if self.input_number == 1:
            op.process_element(value, ts)
        else:
            op.process_element2(value, ts)


class NetworkOutput:
    """Serializes records into a result partition; the selector picks the channel (Flink's partitioners)."""

    __slots__ = ("partition", "selector", "record_size", "task")

    def __init__(self, partition: ResultPartition, selector: ChannelSelector, record_size: int, task: Any) -> None:
        self.partition = partition
        self.selector = selector
        self.record_size = record_size
        self.task = task

    def collect(self, value: Any, ts: int | None) -> None:
        """One record out of the task (``numRecordsOut`` counts it once, even when broadcast)."""
        self.task.records_out += 1
        part = self.partition
        if type(value) in IMMUTABLE or is_immutable(value):     # nothing can change it: share one element
            element = (value, ts)
            for ch in self.selector.select(value):
                part.emit(ch, element, self.record_size, True)
        else:                                  # each receiver deserialises its own copy, one per channel
            for ch in self.selector.select(value):
                part.emit(ch, (deep_copy(value), ts), self.record_size, True)

    def emit_watermark(self, wm: int) -> None:
        from flowlab.runtime.elements import Watermark
        self.partition.broadcast(Watermark(wm), 16)

    def emit_status(self, idle: bool) -> None:
        from flowlab.runtime.elements import WatermarkStatus
        self.partition.broadcast(WatermarkStatus(idle), 4)


class OperatorOutput:
    """All outputs of one operator: main outputs and side outputs by tag id; counts records out."""

    __slots__ = ("main", "side", "owner", "side_converters")

    def __init__(self, owner: Any) -> None:
        self.main: list[Any] = []
        self.side: dict[str, list[Any]] = {}
        self.owner = owner
        self.side_converters: dict[str, Any] = {}   # tag id -> conversion to the tag's declared type

    def collect(self, value: Any, ts: int | None) -> None:
        self.owner.records_out += 1
        try:
            for out in self.main:
                out.collect(value, ts)
        except RecordNotSerializableError as exc:
            raise named_error(exc, self.owner) from exc.__cause__

    def collect_side(self, tag: Any, value: Any, ts: int | None) -> None:
        outs = self.side.get(tag.tag_id)
        if outs:
            self.owner.records_out += 1
            convert = self.side_converters.get(tag.tag_id)
            if convert is not None:
                value = converted_output(convert, value, self.owner, f"side output '{tag.tag_id}'")
            try:
                for out in outs:
                    out.collect(value, ts)
            except RecordNotSerializableError as exc:
                raise named_error(exc, self.owner) from exc.__cause__

    def emit_watermark(self, wm: int) -> None:
        for out in self.main:
            out.emit_watermark(wm)
        for outs in self.side.values():
            for out in outs:
                out.emit_watermark(wm)

    def emit_status(self, idle: bool) -> None:
        for out in self.main:
            out.emit_status(idle)
        for outs in self.side.values():
            for out in outs:
                out.emit_status(idle)


class TypedOperatorOutput(OperatorOutput):
    """The outputs of an operator with a declared ``output_type``: each result first becomes what the
    type's serializer makes of it (``flowlab.runtime.operators.type_conversion``), or fails clearly."""

    __slots__ = ("convert",)

    def __init__(self, owner: Any, convert: Any) -> None:
        super().__init__(owner)
        self.convert = convert

    def collect(self, value: Any, ts: int | None) -> None:
        OperatorOutput.collect(self, converted_output(self.convert, value, self.owner, "output"), ts)


def converted_output(convert: Any, value: Any, op: Any, where: str) -> Any:
    try:
        return convert(value)
    except OutputTypeError as exc:
        declared = op.node.output_type if where == "output" else None
        what = f"the declared output_type {declared!r}" if declared is not None else f"the type of its {where}"
        raise OutputTypeError(f"{op.name}: the result {value!r} does not fit {what}: {exc}. Return values "
                              "of the declared type, or declare the type the function really returns "
                              "(leave output_type out for any Python object).") from None


def named_error(exc: RecordNotSerializableError, op: Any) -> RecordNotSerializableError:
    """The error, saying which operator emitted the record (once: the innermost output names it)."""
    if getattr(exc, "operator", None) is not None:
        return exc
    named = RecordNotSerializableError(f"{op.name}: {exc}")
    named.operator = op.name
    return named


class ChainedOnlyOutput(OperatorOutput):
    """An operator whose one output is the next chained operator: the hand-over in one call instead of three.

    The same steps as ``OperatorOutput.collect`` → ``(Copying)ChainedOutput.collect`` (the common shape of a
    chain, so it is on the per-record path); plain attributes, not closures, so time travel copies it whole.
    """

    __slots__ = ("next_op", "copying")

    def collect(self, value: Any, ts: int | None) -> None:
        self.owner.records_out += 1
        try:
            if self.copying and type(value) not in IMMUTABLE and not is_immutable(value):
                value = deep_copy(value)
            op = self.next_op
            op.records_in += 1
            op.task.cost += op.cost
            op.process_element(value, ts)
        except RecordNotSerializableError as exc:
            raise named_error(exc, self.owner) from exc.__cause__


class ForwardOnlyOutput(OperatorOutput):
    """An operator whose one output is a single network channel (forward): the record is written into the
    channel's current buffer directly (``NetworkOutput.collect`` → ``ResultPartition.emit``, same steps)."""

    __slots__ = ("task", "partition", "sub", "size")

    def collect(self, value: Any, ts: int | None) -> None:
        self.owner.records_out += 1
        self.task.records_out += 1
        if type(value) in IMMUTABLE or is_immutable(value):
            element = (value, ts)
        else:
            try:
                element = (deep_copy(value), ts)
            except RecordNotSerializableError as exc:
                raise named_error(exc, self.owner) from exc.__cause__
        sub = self.sub
        current = sub.current
        if current is None:
            self.partition.emit(0, element, self.size, True)
            return
        current.append(element)
        sub.current_bytes += self.size
        sub.current_records += 1
        if sub.current_bytes >= sub.buffer_size:
            part = self.partition
            part._finish_current(sub)
            part.try_send(sub)


def specialised(out: OperatorOutput) -> OperatorOutput:
    """``out`` itself, or an equivalent output with a one-call ``collect`` for the two common shapes."""
    if type(out) is not OperatorOutput or len(out.main) != 1:
        return out
    target = out.main[0]
    if type(target) in (ChainedOutput, CopyingChainedOutput) and target.input_number == 1:
        fused: OperatorOutput = ChainedOnlyOutput(out.owner)
        fused.next_op = target.operator
        fused.copying = type(target) is CopyingChainedOutput
    elif (type(target) is NetworkOutput and type(target.selector) is ForwardSelector
          and len(target.partition.subpartitions) == 1):
        fused = ForwardOnlyOutput(out.owner)
        fused.task, fused.partition, fused.size = target.task, target.partition, target.record_size
        fused.sub = target.partition.subpartitions[0]
    else:
        return out
    fused.main, fused.side, fused.side_converters = out.main, out.side, out.side_converters
    return fused
