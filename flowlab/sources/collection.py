"""``from_collection``: a bounded, non-parallel source whose elements are all available at once."""
from __future__ import annotations

from typing import Any


class CollectionSource:
    """Elements of a Python collection, emitted in order as fast as the source task can.

    Like PyFlink's ``from_collection``, which pickles the collection when it is called, the source keeps
    its own copy: changing the list afterwards, or a record in place inside the job, never changes what
    the source emits (also not on a replay after ``back()``).
    """

    max_parallelism = 1

    def __init__(self, elements: list[Any]) -> None:
        from flowlab.runtime.records import IMMUTABLE, RecordNotSerializableError, copy_record
        items = list(elements)
        try:
            self.elements = [e if type(e) in IMMUTABLE else copy_record(e) for e in items]
        except RecordNotSerializableError as exc:
            raise RecordNotSerializableError(f"from_collection: {exc}") from exc.__cause__

    def __deepcopy__(self, memo: dict) -> CollectionSource:
        return self

    def is_bounded(self) -> bool:
        return True

    def create_reader(self, subtask: int, parallelism: int, rng: Any) -> CollectionReader:
        return CollectionReader(self)


class CollectionReader:
    __slots__ = ("source", "position")

    def __init__(self, source: CollectionSource) -> None:
        self.source = source
        self.position = 0

    def next_arrival_us(self) -> int | None:
        return 0 if self.position < len(self.source.elements) else None

    def poll(self) -> tuple[Any, int | None]:
        value = self.source.elements[self.position]
        self.position += 1
        return value, None
