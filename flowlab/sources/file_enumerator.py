"""The ``FileSource``'s split enumerator (it runs on the JobMaster, see ``runtime.operators.source_coordinator``).

Bounded (Flink's ``StaticFileSplitEnumerator``): the files are listed when the job starts, one split per file;
a reader that asks gets the next split, or "no more splits" when none is left. Monitoring (Flink's
``ContinuousFileSplitEnumerator``): every discovery interval, starting one interval after the job starts, the
paths are listed again and each file not seen before becomes a split; readers that asked while nothing was
left wait for the next one. Its checkpoint (Flink's ``PendingSplitsCheckpoint``) holds the splits not yet
assigned and, when monitoring, every path already seen.
"""
from __future__ import annotations

import os
from typing import Any

from flowlab.sources.file_journal import JOURNAL_KEY, FileJournal


class FileSplitEnumerator:
    """Turns files into splits and hands them to the readers that ask."""

    def __init__(self, source: Any, context: Any, restored: dict[str, Any] | None) -> None:
        self.source = source
        self.context = context
        self.continuous = source.discovery_interval_ms is not None
        self.pending: list[dict[str, Any]] = []          # splits not yet assigned, in the order they are handed out
        self.processed: set[str] = set()                 # monitoring: every path already turned into a split
        self.awaiting: list[int] = []                    # readers that asked while nothing was left (in order)
        self.next_id = 0
        if restored is not None:
            self.pending = [dict(s) for s in restored["pending_splits"]]
            self.processed = set(restored.get("processed_paths", []))
            self.next_id = restored.get("next_split_id", 0)

    def _journal(self) -> FileJournal:
        return self.context.job_connector(JOURNAL_KEY, FileJournal)

    def start(self) -> None:
        if self.continuous:
            interval = self.source.discovery_interval_ms
            self.context.call_periodically(self._discover, interval, interval)
        elif not self.pending and self.context.restored_checkpoint_id is None:
            self.pending = self._splits(self._list())

    def _list(self) -> list[tuple[str, int]]:
        return self._journal().listing(self.context.operator_id, self.context.kernel.now, self.source.paths)

    def _splits(self, files: list[tuple[str, int]]) -> list[dict[str, Any]]:
        out = []
        for path, size in files:
            self.next_id += 1
            out.append({"id": f"{self.next_id:010d}", "path": path, "offset": 0, "length": size,
                        "reader_position": None})
        return out

    def _discover(self) -> None:
        """A look at the paths (monitoring): new files become splits for the readers waiting for one."""
        new = [(p, size) for p, size in self._list() if p not in self.processed]
        self.processed.update(p for p, _ in new)
        splits = self._splits(new)
        self.pending.extend(splits)
        names = ", ".join(os.path.basename(p) for p, _ in new) or "none"
        self.context.emit(f"directory scan found {len(new)} new file(s): {names}",
                          {"action": "discovered", "splits": [s["id"] for s in splits]})
        self._assign_waiting()

    def add_reader(self, subtask: int) -> None:
        pass

    def handle_split_request(self, subtask: int) -> None:
        if subtask not in self.context.readers:
            return                                       # the reader is gone (it failed meanwhile)
        if self.continuous:
            if subtask not in self.awaiting:
                self.awaiting.append(subtask)
            self._assign_waiting()
        elif self.pending:
            split = self.pending.pop(0)
            self.context.assign_splits(subtask, [split], f"split {self.source.split_id(split)}")
        else:
            self.context.signal_no_more_splits(subtask)

    def _assign_waiting(self) -> None:
        while self.awaiting and self.pending:
            subtask = self.awaiting.pop(0)
            if subtask not in self.context.readers:
                continue
            split = self.pending.pop(0)
            self.context.assign_splits(subtask, [split], f"split {self.source.split_id(split)}")

    def add_splits_back(self, splits: list[dict[str, Any]], subtask: int) -> None:
        """Splits a failed reader had been given since the checkpoint it restarts from: handed out again first."""
        self.pending[:0] = [dict(s, reader_position=None) for s in splits]
        self._assign_waiting()

    def snapshot_state(self, checkpoint_id: int) -> dict[str, Any]:
        state: dict[str, Any] = {"pending_splits": [dict(s) for s in self.pending], "next_split_id": self.next_id}
        if self.continuous:
            state["processed_paths"] = sorted(self.processed)
        return state
