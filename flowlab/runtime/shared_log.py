"""Append-only logs that time-travel snapshots share instead of copying.

What the sinks received, the lines print sinks wrote and the metrics samples only ever grow. A snapshot of
the runtime keeps, in place of such a log, a mark (the log and its length then); restoring the snapshot
cuts the log back to that length and hands the same list back. A snapshot then costs nothing for a
million sink rows, and a replay appends exactly the rows that were cut (the run is deterministic).
"""
from __future__ import annotations

from typing import Any


class SharedLog(list):
    """An append-only ``list``; ``copy.deepcopy`` of it is a mark, and ``deepcopy`` of the mark restores it."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> _LogMark:
        return _LogMark(self, len(self))


class _LogMark:
    """A log as it was when a snapshot was taken."""

    __slots__ = ("log", "length")

    def __init__(self, log: SharedLog, length: int) -> None:
        self.log = log
        self.length = length

    def __deepcopy__(self, memo: dict) -> Any:
        del self.log[self.length:]
        return self.log
