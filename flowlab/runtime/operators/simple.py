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
        results = self.call(value)
        if results is None:                 # PyFlink: 'NoneType' object is not iterable
            raise flat_map_returned_none(self.name)
        self.emit_all(results, ts)


class FilterOperator(UdfOperator):
    def open(self) -> None:
        super().open()
        self.call = user_method(self.function, F.FilterFunction, "filter")

    def process_element(self, value: Any, ts: int | None) -> None:
        if self.call(value):
            self.output.collect(value, ts)


def flat_map_returned_none(name: str) -> TypeError:
    """PyFlink's ``flat_map`` iterates what the function returns, so None fails there too; say why."""
    return TypeError(f"{name}: the flat_map function returned None. It must yield its results or return an "
                     "iterable (e.g. a list); to emit nothing, return []. Did you forget `return` or `yield`?")
