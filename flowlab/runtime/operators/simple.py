"""Stateless one-input operators: map, flat_map, filter (Flink's ``StreamMap``, ``StreamFlatMap``,
``StreamFilter``). Results keep the input record's timestamp."""
from __future__ import annotations

from typing import Any

from flowlab.datastream import functions as F
from flowlab.runtime.operators.base import UdfOperator, user_method


class MapOperator(UdfOperator):
    def open(self) -> None:
        super().open()
        self.call = user_method(self.function, F.MapFunction, "map")

    def process_element(self, value: Any, ts: int | None) -> None:
        self.output.collect(self.call(value), ts)


class FlatMapOperator(UdfOperator):
    def open(self) -> None:
        super().open()
        self.call = user_method(self.function, F.FlatMapFunction, "flat_map")

    def process_element(self, value: Any, ts: int | None) -> None:
        self.emit_all(self.call(value), ts)


class FilterOperator(UdfOperator):
    def open(self) -> None:
        super().open()
        self.call = user_method(self.function, F.FilterFunction, "filter")

    def process_element(self, value: Any, ts: int | None) -> None:
        if self.call(value):
            self.output.collect(value, ts)
