"""``ConnectedStreams``: two streams of possibly different types processed by one two-input operator.

flowlab reads the two inputs in the order their buffers arrived (Flink leaves the order unspecified).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowlab.common.typeinfo import TypeInformation
from flowlab.datastream import functions as F
from flowlab.graph.transformations import Transformation

if TYPE_CHECKING:
    from flowlab.datastream.data_stream import DataStream


class ConnectedStreams:
    """Two connected streams; both keyed means shared keyed state (Flink's ``ConnectedStreams``)."""

    def __init__(self, stream1: DataStream, stream2: DataStream) -> None:
        self.stream1 = stream1
        self.stream2 = stream2

    def _is_keyed(self) -> bool:
        from flowlab.datastream.keyed_stream import KeyedStream
        return isinstance(self.stream1, KeyedStream) and isinstance(self.stream2, KeyedStream)

    def key_by(self, key_selector1: Any, key_selector2: Any,
               key_type: TypeInformation | None = None) -> ConnectedStreams:
        from flowlab.datastream.keyed_stream import KeyedStream
        ds1 = self.stream1._origin_stream if isinstance(self.stream1, KeyedStream) else self.stream1
        ds2 = self.stream2._origin_stream if isinstance(self.stream2, KeyedStream) else self.stream2
        return ConnectedStreams(ds1.key_by(key_selector1, key_type), ds2.key_by(key_selector2, key_type))

    def map(self, func: F.CoMapFunction, output_type: TypeInformation | None = None) -> DataStream:
        if not isinstance(func, F.CoMapFunction):
            raise TypeError("The input function must be a CoMapFunction!")
        return self._two_input("Co-Map", "co_map", func, output_type)

    def flat_map(self, func: F.CoFlatMapFunction, output_type: TypeInformation | None = None) -> DataStream:
        if not isinstance(func, F.CoFlatMapFunction):
            raise TypeError("The input must be a CoFlatMapFunction!")
        return self._two_input("Co-Flat Map", "co_flat_map", func, output_type)

    def process(self, func: F.CoProcessFunction | F.KeyedCoProcessFunction,
                output_type: TypeInformation | None = None) -> DataStream:
        if self._is_keyed():
            if not isinstance(func, F.KeyedCoProcessFunction):
                raise TypeError("KeyedCoProcessFunction is required for keyed ConnectedStreams.")
            return self._two_input("Keyed Co-Process", "keyed_co_process", func, output_type)
        if not isinstance(func, F.CoProcessFunction):
            raise TypeError("CoProcessFunction is required for ConnectedStreams (a KeyedCoProcessFunction "
                            "needs both inputs keyed: connected.key_by(k1, k2))")
        return self._two_input("Co-Process", "co_process", func, output_type)

    def _two_input(self, name: str, kind: str, func: Any, output_type: Any) -> DataStream:
        from flowlab.datastream.data_stream import DataStream
        env = self.stream1._env
        params: dict[str, Any] = {"function": func}
        if self._is_keyed():
            params["key_selectors"] = (self.stream1._key_selector, self.stream2._key_selector)
            params["key_type"] = self.stream1._key_type
        t = Transformation(env._new_id(), name, kind, [self.stream1._transformation, self.stream2._transformation],
                           output_type=output_type, parallelism=env.get_parallelism(), params=params,
                           input_numbers=[1, 2])
        env._add(t)
        return DataStream(env, t)
