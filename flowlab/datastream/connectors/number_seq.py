"""``NumberSequenceSource``: the numbers ``start`` to ``end`` (both included), split over the source subtasks
(``pyflink.datastream.connectors.number_seq``)."""
from __future__ import annotations

from typing import Any

from flowlab.common.watermark_strategy import LONG_MAX, LONG_MIN
from flowlab.datastream.connectors.base import Source

__all__ = ["NumberSequenceSource"]


def split_number_range(start: int, end: int, parallelism: int) -> list[tuple[str, int, int]]:
    """Flink's ``NumberSequenceIterator.split``: ``parallelism`` sub-ranges ``(split id, from, to)``, ids "1", "2",
    ...; the first ``n % parallelism`` hold one number more. A sub-range may be empty (``from == to + 1``)."""
    total = end - start + 1
    per, extra = divmod(total, parallelism)
    out = []
    current = start
    for i in range(parallelism):
        size = per + (1 if i < extra else 0)
        out.append((str(i + 1), current, current + size - 1))
        current += size
    return out


class NumberSequenceSource(Source):
    """A bounded source of the longs ``start``..``end`` (both included), as PyFlink's ``NumberSequenceSource``.

    The range is cut into one sub-sequence per source subtask (Flink's enumerator makes as many splits as the
    source has parallel readers), each read in order; with parallelism 1 the numbers come in order. The source is
    replayable: each reader's position (the next number of its split) is in every checkpoint, and a restored
    reader goes on from there. Records are ``Types.LONG()`` and carry no timestamp.

    Simplification: split *i* goes to subtask *i* (Flink hands the splits out in the order the readers ask for
    them, which depends on timing); all numbers of a split are available at once (the reader emits as fast as its
    task and the network let it).
    """

    def __init__(self, start: int, end: int) -> None:
        for name, v in (("start", start), ("end", end)):
            if isinstance(v, bool) or not isinstance(v, int) or not LONG_MIN <= v <= LONG_MAX:
                raise TypeError(f"NumberSequenceSource: {name} must be an int in Java's long range, got {v!r}")
        if start > end:
            raise ValueError(f"NumberSequenceSource: 'from' must be <= 'to' (got start={start}, end={end}); the range "
                             "includes both ends")
        self.start = start
        self.end = end

    def __deepcopy__(self, memo: dict) -> NumberSequenceSource:
        return self

    def is_bounded(self) -> bool:
        return True

    def get_produced_type(self) -> Any:
        from flowlab.common.typeinfo import Types
        return Types.LONG()

    def create_reader(self, subtask: int, parallelism: int, rng: Any) -> NumberSequenceReader:
        split = split_number_range(self.start, self.end, parallelism)[subtask]
        return NumberSequenceReader([list(split)] if split[1] <= split[2] else [])

    def __repr__(self) -> str:
        return f"NumberSequenceSource({self.start}, {self.end})"


class NumberSequenceReader:
    """One subtask's splits ``[id, next number, last number]`` (Flink's ``IteratorSourceReader``)."""

    __slots__ = ("splits", "position")

    def __init__(self, splits: list[list[Any]]) -> None:
        self.splits = splits
        self.position = 0                  # numbers emitted so far (the trace's position)

    def next_arrival_us(self) -> int | None:
        return 0 if self.splits else None

    def poll(self) -> tuple[int, None]:
        split = self.splits[0]
        value = split[1]
        if value >= split[2]:
            self.splits.pop(0)             # a finished split leaves the reader's state
        else:
            split[1] = value + 1
        self.position += 1
        return value, None

    def snapshot_position(self) -> dict[str, Any]:
        """The unfinished splits with their next number (Flink's ``NumberSequenceSplit`` per split)."""
        return {"position": self.position, "splits": [{"id": s[0], "from": s[1], "to": s[2]} for s in self.splits]}

    def restore_position(self, state: dict[str, Any]) -> None:
        self.position = state["position"]
        self.splits = [[s["id"], s["from"], s["to"]] for s in state["splits"]]
