"""Runtime operators; ``create_operator`` maps a StreamNode's kind to the class that runs it."""
from __future__ import annotations

from typing import Any

from flowlab.runtime.operators.base import StreamOperator
from flowlab.runtime.operators.broadcast import BroadcastProcessOperator, KeyedBroadcastProcessOperator
from flowlab.runtime.operators.co import CoProcessOperator, KeyedCoProcessOperator
from flowlab.runtime.operators.interval_join import IntervalJoinOperator
from flowlab.runtime.operators.iteration import IterationTailOperator
from flowlab.runtime.operators.process import KeyedProcessOperator, ProcessOperator
from flowlab.runtime.operators.rolling import RollingReduceOperator
from flowlab.runtime.operators.simple import FilterOperator, FlatMapOperator, MapOperator
from flowlab.runtime.operators.sink import SinkOperator
from flowlab.runtime.operators.sink_writer import SinkWriterOperator
from flowlab.runtime.operators.source import SourceOperator
from flowlab.runtime.operators.timestamps import TimestampsAndWatermarksOperator
from flowlab.runtime.operators.window import WindowOperator

OPERATORS: dict[str, type[StreamOperator]] = {
    "source": SourceOperator,
    "map": MapOperator,
    "flat_map": FlatMapOperator,
    "filter": FilterOperator,
    "process": ProcessOperator,
    "keyed_process": KeyedProcessOperator,
    "rolling_reduce": RollingReduceOperator,
    "co_map": CoProcessOperator,
    "co_flat_map": CoProcessOperator,
    "co_process": CoProcessOperator,
    "keyed_co_process": KeyedCoProcessOperator,
    "timestamps": TimestampsAndWatermarksOperator,
    "sink": SinkOperator,
    "window": WindowOperator,
    "interval_join": IntervalJoinOperator,
    "broadcast_process": BroadcastProcessOperator,
    "keyed_broadcast_process": KeyedBroadcastProcessOperator,
}


def create_operator(node: Any, task: Any, output: Any) -> StreamOperator:
    kind = node.kind
    if kind in ("co_map", "co_flat_map") and "key_selectors" in node.params:
        return KeyedCoProcessOperator(node, task, output)
    if kind == "sink" and node.params.get("sink") == "iteration_tail":
        return IterationTailOperator(node, task, output)
    if kind == "sink" and node.params.get("sink") == "sink" and hasattr(node.params.get("function"), "create_writer"):
        return SinkWriterOperator(node, task, output)          # a Sink V2 sink (FileSink, KafkaSink, ...)
    cls = OPERATORS.get(kind)
    if cls is None:
        raise ValueError(f"no runtime operator for '{kind}'")
    return cls(node, task, output)
