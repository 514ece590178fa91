"""Append-only logs that time-travel snapshots share instead of copying.

What the sinks received, the lines print sinks wrote and the metrics samples only ever grow. A snapshot of
the runtime keeps, in place of such a log, a mark (the log and its length then); restoring the snapshot
cuts the log back to that length and hands the same list back. A snapshot then costs nothing for a
million sink rows, and a replay appends exactly the rows that were cut (the run is deterministic).
"""
from __future__ import annotations

import bisect
from operator import itemgetter
from typing import Any

_key, _entry = itemgetter(0, 1, 2, 3, 4), itemgetter(5)   # a pending entry: (*key, entry)


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


class OrderedLog:
    """An append-only log written by several subtasks, read in the order of the kernel's call keys.

    While stepping, calls run one at a time in key order, so entries are appended in order. In fast-forward
    a task runs ahead of the others (see ``Kernel.may_continue``): each writer then keeps its entries with
    the key of the call that wrote them, and ``settle`` merges them into the log in key order, exactly as
    stepping would have appended them. A pending entry is the key's five parts followed by the entry, one
    flat tuple (a writer per record saves building the key and a pair).
    """

    def __init__(self) -> None:
        self.log = SharedLog()
        self.keyed: dict[int, list[tuple]] | None = None   # writer -> [(*key, entry)] in fast-forward

    def add(self, writer: int, entry: Any, key: Any) -> None:
        keyed = self.keyed
        if keyed is None:
            self.log.append(entry)
        else:
            pending = keyed.get(writer)
            if pending is None:
                pending = keyed[writer] = []
            pending.append((*key, entry))

    def pending(self, writer: int) -> list[tuple] | None:
        """The list ``writer``'s entries go to while tasks run ahead, for a writer that appends ``(*key, entry)``
        itself (the compiled sinks, ``flowlab.runtime.tasks.compiled_operators``); None while stepping."""
        keyed = self.keyed
        if keyed is None:
            return None
        pending = keyed.get(writer)
        if pending is None:
            pending = keyed[writer] = []
        return pending

    def settle(self, before: Any = None) -> SharedLog:
        """Merge the writers' entries (with a key below ``before``, or all) into the log, in key order."""
        keyed = self.keyed
        if keyed:
            merged: list[tuple] = []
            runs = 0
            for writer in sorted(keyed):
                pending = keyed[writer]
                cut = len(pending) if before is None else bisect.bisect_left(pending, before)
                if cut:
                    merged += pending[:cut]
                    del pending[:cut]
                    runs += 1
            if runs > 1:     # a stable sort of sorted runs merges them; keys differ across writers (a key names
                merged.sort(key=_key)                                         # its task), so no tie to break
            self.log.extend(map(_entry, merged))
        return self.log

