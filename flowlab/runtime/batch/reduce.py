"""``reduce``/``sum``/``min``/``max``/``min_by``/``max_by`` in BATCH: "these operations are not rolling".

PyFlink's reduce is a keyed process function; in BATCH mode it keeps the key's reduced value in state,
registers an event-time timer at ``Long.MAX_VALUE`` with the key's first record and emits the value only
when that timer fires — when the key ends. So each key gives one record, the final value, with the timer's
timestamp ``Long.MAX_VALUE`` (Java's ``BatchGroupedReduceOperator`` emits the same).
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream import functions as F
from flowlab.datastream.state import ValueStateDescriptor
from flowlab.runtime.elements import LONG_MAX
from flowlab.runtime.operators.base import KeyedUdfOperator, user_method
from flowlab.runtime.operators.rolling import reduce_returned_none


class BatchReduceOperator(KeyedUdfOperator):
    """The BATCH form of ``rolling_reduce``: one output per key, its final value."""

    def open(self) -> None:
        super().open()
        self.call = user_method(self.function, F.ReduceFunction, "reduce")
        self.state = self.backend.get_state(ValueStateDescriptor("_op_state"))

    def process_element(self, value: Any, ts: int | None) -> None:
        self.set_key_of(value)
        current = self.state.value()
        if current is None:
            self.timer_service.register_event_time_timer(self.backend.current_key, None, LONG_MAX)
            new = value
        else:
            new = self.call(current, value)
            if new is None:
                raise reduce_returned_none(self.name, self.backend.user_key)
        self.state.update(new)

    def on_event_time(self, ts: int, key: Any, namespace: Any) -> None:
        self.task.cost += self.cost
        self.task.note_timer(self, "event-time", ts, key)
        value = self.state.value()
        if value is not None:
            self.output.collect(value, ts)
