"""``BroadcastStream`` and ``BroadcastConnectedStream``: the broadcast state pattern (PyFlink's names).

``rules.broadcast(MapStateDescriptor("rules", ...))`` sends every rule to every parallel instance of the
operator it is connected to and declares the broadcast state(s) that operator keeps;
``events.connect(bs).process(f)`` applies a ``BroadcastProcessFunction`` (non-keyed ``events``) or a
``KeyedBroadcastProcessFunction`` (``events`` after ``key_by``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowlab.common.typeinfo import TypeInformation
from flowlab.datastream.broadcast_functions import BroadcastProcessFunction, KeyedBroadcastProcessFunction
from flowlab.datastream.state import MapStateDescriptor
from flowlab.graph.transformations import Transformation

if TYPE_CHECKING:
    from flowlab.datastream.data_stream import DataStream
    from flowlab.datastream.stream_execution_environment import StreamExecutionEnvironment


class BroadcastStream:
    """A stream broadcast to all instances of the operator it is connected to, with its broadcast states."""

    def __init__(self, env: StreamExecutionEnvironment, broadcast: DataStream,
                 descriptors: list[MapStateDescriptor]) -> None:
        self._env = env
        self._stream = broadcast                  # already partitioned with the BROADCAST partitioner
        self._descriptors = list(descriptors)

    def get_broadcast_state_descriptors(self) -> list[MapStateDescriptor]:
        """flowlab helper (Java's ``getBroadcastStateDescriptors``)."""
        return list(self._descriptors)

    def __repr__(self) -> str:
        return f"<BroadcastStream of {self._stream._transformation.name!r} with {[d.name for d in self._descriptors]}>"


def check_descriptors(descriptors: tuple) -> list[MapStateDescriptor]:
    out = []
    for d in descriptors:
        if not isinstance(d, MapStateDescriptor):
            raise TypeError(f"broadcast(...) takes MapStateDescriptors (broadcast state is a map), got {d!r}")
        out.append(d)
    names = [d.name for d in out]
    if len(set(names)) != len(names):
        raise ValueError(f"broadcast(...) got two MapStateDescriptors with one name: {names}")
    return out


class BroadcastConnectedStream:
    """A stream connected with a ``BroadcastStream``; ``process`` applies the broadcast process function."""

    def __init__(self, non_broadcast_stream: DataStream, broadcast_stream: BroadcastStream) -> None:
        self.non_broadcast_stream = non_broadcast_stream
        self.broadcast_stream = broadcast_stream

    def process(self, func: BroadcastProcessFunction | KeyedBroadcastProcessFunction,
                output_type: TypeInformation | None = None) -> DataStream:
        from flowlab.datastream.data_stream import DataStream
        from flowlab.datastream.keyed_stream import KeyedStream
        keyed = isinstance(self.non_broadcast_stream, KeyedStream)
        if keyed and not isinstance(func, KeyedBroadcastProcessFunction):
            raise TypeError("A KeyedStream connected with a BroadcastStream needs a KeyedBroadcastProcessFunction "
                            f"(keyed state and timers per key), got {type(func).__name__}. Subclass "
                            "KeyedBroadcastProcessFunction, or connect the stream before key_by().")
        if not keyed and not isinstance(func, BroadcastProcessFunction):
            raise TypeError("A non-keyed DataStream connected with a BroadcastStream needs a "
                            f"BroadcastProcessFunction, got {type(func).__name__}. A KeyedBroadcastProcessFunction "
                            "needs the stream keyed first: ds.key_by(...).connect(broadcast_stream).")
        env = self.non_broadcast_stream._env
        params: dict[str, Any] = {"function": func, "descriptors": self.broadcast_stream._descriptors}
        if keyed:
            params["key_selector"] = self.non_broadcast_stream._key_selector
            params["key_type"] = self.non_broadcast_stream._key_type
        name, kind = ("Co-Process-Broadcast-Keyed", "keyed_broadcast_process") if keyed else \
            ("Co-Process-Broadcast", "broadcast_process")
        t = Transformation(env._new_id(), name, kind,
                           [self.non_broadcast_stream._transformation, self.broadcast_stream._stream._transformation],
                           output_type=output_type, parallelism=env.get_parallelism(), params=params,
                           input_numbers=[1, 2])
        env._add(t)
        return DataStream(env, t)


__all__ = ["BroadcastConnectedStream", "BroadcastStream"]
