"""A network buffer: the unit the network moves and credits count (Flink's ``Buffer``)."""
from __future__ import annotations


class Buffer:
    """A network buffer: either data (records and watermarks) or a single event."""

    __slots__ = ("elements", "size", "is_event", "records")

    def __init__(self, elements: list, size: int, is_event: bool, records: int) -> None:
        self.elements = elements
        self.size = size
        self.is_event = is_event
        self.records = records
