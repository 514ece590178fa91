"""A network buffer: the unit the network moves and credits count (Flink's ``Buffer``)."""
from __future__ import annotations

import copy
from typing import Any

from flowlab.runtime.elements import Watermark, WatermarkStatus
from flowlab.runtime.records import is_immutable

_MARKS = (Watermark, WatermarkStatus)      # never changed once made


class Buffer:
    """A network buffer: either data (records and watermarks) or a single event.

    A finished buffer is never written again; when its records cannot change either (numbers, strings and
    tuples of those), a time-travel snapshot shares it instead of copying it (``__deepcopy__``).
    """

    __slots__ = ("elements", "size", "is_event", "records", "frozen")

    def __init__(self, elements: list, size: int, is_event: bool, records: int) -> None:
        self.elements = elements
        self.size = size
        self.is_event = is_event
        self.records = records
        self.frozen: bool | None = None     # all elements immutable (found out at the first snapshot)

    def __deepcopy__(self, memo: dict) -> Buffer:
        if self.frozen is None:
            self.frozen = all(is_immutable(e) or type(e) in _MARKS for e in self.elements)
        if self.frozen:
            return self
        twin = Buffer(copy.deepcopy(self.elements, memo), self.size, self.is_event, self.records)
        memo[id(self)] = twin
        return twin

    def __reduce__(self) -> tuple[Any, ...]:
        return Buffer, (self.elements, self.size, self.is_event, self.records)
