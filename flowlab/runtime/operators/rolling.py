"""Rolling keyed reduce (Flink's ``StreamGroupedReduceOperator``): one output per input record.

The key's first record is stored and emitted as it is; every later record is reduced into the
stored value, which is emitted. ``sum``/``min``/``max``/``min_by``/``max_by`` arrive here as reduce
functions built by the API (``FieldAggregator``).
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream import functions as F
from flowlab.datastream.state import ValueStateDescriptor
from flowlab.runtime.operators.base import KeyedUdfOperator, user_method


class RollingReduceOperator(KeyedUdfOperator):
    def open(self) -> None:
        super().open()
        self.call = user_method(self.function, F.ReduceFunction, "reduce")
        self.state = self.backend.get_state(ValueStateDescriptor("_op_state"))   # Flink's name for it

    def process_element(self, value: Any, ts: int | None) -> None:
        self.set_key_of(value)
        current = self.state.value()
        new = value if current is None else self.call(current, value)
        if new is None:
            raise reduce_returned_none(self.name, self.backend.user_key)
        self.state.update(new)
        self.output.collect(new, ts)


def reduce_returned_none(name: str, key: Any) -> TypeError:
    """A reduce must return the combined value; None would silently restart the key's aggregate."""
    return TypeError(f"{name}: the reduce function returned None for key {key!r}. It must return the combined "
                     "value of its two arguments, e.g. lambda a, b: (a[0], a[1] + b[1]). Did you forget `return`?")
