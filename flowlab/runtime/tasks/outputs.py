"""Where an operator's results go: the next chained operator, the network, or side outputs.

Flink's ``ChainingOutput``, ``RecordWriterOutput`` and ``BroadcastingOutputCollector`` in one
small module. Watermarks are broadcast to every channel whatever the partitioner.
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.network.partitioning import ChannelSelector
from flowlab.runtime.network.result_partition import ResultPartition
from flowlab.runtime.operators.type_conversion import OutputTypeError


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
        element = (value, ts)
        part = self.partition
        for ch in self.selector.select(value):
            part.emit(ch, element, self.record_size, True)

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
        for out in self.main:
            out.collect(value, ts)

    def collect_side(self, tag: Any, value: Any, ts: int | None) -> None:
        outs = self.side.get(tag.tag_id)
        if outs:
            self.owner.records_out += 1
            convert = self.side_converters.get(tag.tag_id)
            if convert is not None:
                value = _converted(convert, value, self.owner, f"side output '{tag.tag_id}'")
            for out in outs:
                out.collect(value, ts)

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
        value = _converted(self.convert, value, self.owner, "output")
        self.owner.records_out += 1
        for out in self.main:
            out.collect(value, ts)


def _converted(convert: Any, value: Any, op: Any, where: str) -> Any:
    try:
        return convert(value)
    except OutputTypeError as exc:
        declared = op.node.output_type if where == "output" else None
        what = f"the declared output_type {declared!r}" if declared is not None else f"the type of its {where}"
        raise OutputTypeError(f"{op.name}: the result {value!r} does not fit {what}: {exc}. Return values "
                              "of the declared type, or declare the type the function really returns "
                              "(leave output_type out for any Python object).") from None
