"""The ``FileSource``'s reader (one per source subtask): asks the enumerator for a file, emits its lines, asks again.

Flink's ``FileSourceReader`` with the ``TextLineInputFormat``. A reader asks for a split when it starts with
none and whenever it has read all of its splits (an RPC each way, so a reader waits twice the network latency
between files). Its checkpointed state is Flink's: the splits it holds, the current one with a
``CheckpointedPosition`` (no byte offset: -1, and the number of lines emitted from it).
"""
from __future__ import annotations

import re
from typing import Any

from flowlab.sources.file_journal import JOURNAL_KEY, FileJournal

NOT_YET = 1 << 62       # "no record now; a mail (a split assignment) will wake the task"
_LINE_END = re.compile(r"\r\n|\r|\n")


def text_lines(data: bytes, charset: str) -> list[str]:
    """Java's ``BufferedReader.readLine`` over the whole file: lines end at ``\\n``, ``\\r`` or ``\\r\\n``; a last
    line without an end counts, an empty file has none; bytes that do not decode become U+FFFD."""
    text = data.decode(charset, errors="replace")        # a UTF-8 byte-order mark stays a character, as in Java
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class FileSourceReader:
    """Reads the splits (files) the enumerator assigns to one source subtask, line by line."""

    def __init__(self, source: Any, subtask: int) -> None:
        self.source = source
        self.subtask = subtask
        self.splits: list[dict[str, Any]] = []   # assigned and not yet finished; the first is being read
        self.lines: list[str] | None = None      # the lines of splits[0], once opened
        self.index = 0                           # the next line of splits[0]
        self.no_more = False
        self.requested = False                   # a split request is on its way
        self.position = 0                        # lines emitted (the trace's position)
        self.coordinator: Any = None
        self.task: Any = None

    def start(self, coordinator: Any, task: Any) -> None:
        self.coordinator = coordinator
        self.task = task
        if not self.splits:
            self._request()

    def _request(self) -> None:
        self.requested = True
        self.coordinator.send_split_request(self.subtask)

    # -- messages from the enumerator (mails of the task) ----------------------------------------------------
    def add_splits(self, splits: list[dict[str, Any]]) -> None:
        self.requested = False
        self.splits.extend(splits)

    def notify_no_more_splits(self) -> None:
        self.requested = False
        self.no_more = True

    # -- reading --------------------------------------------------------------------------------------------
    def _open(self) -> None:
        split = self.splits[0]
        journal = self.task.connector(JOURNAL_KEY, FileJournal)
        self.lines = text_lines(journal.read(split["path"]), self.source.format.charset_name)
        done = split.get("reader_position")
        self.index = 0 if done is None else done["records_after_offset"]   # a restore skips what was emitted

    def _finish_split(self) -> None:
        self.splits.pop(0)
        self.lines = None
        self.index = 0
        if not self.splits and not self.no_more and not self.requested:
            self._request()

    def next_arrival_us(self) -> int | None:
        while True:
            if self.lines is None:
                if not self.splits:
                    return None if self.no_more else NOT_YET
                self._open()
            if self.index < len(self.lines):
                return 0
            self._finish_split()                 # an empty file, or one read to the end before a checkpoint

    def poll(self) -> tuple[str, None]:
        line = self.lines[self.index]
        self.index += 1
        self.position += 1
        self.splits[0]["reader_position"] = {"offset": -1, "records_after_offset": self.index}
        if self.index >= len(self.lines):
            self._finish_split()
        return line, None

    # -- checkpoints -------------------------------------------------------------------------------------------
    def snapshot_position(self) -> dict[str, Any]:
        """The splits this reader holds, the current one with its position (Flink's ``FileSourceSplit``s)."""
        return {"position": self.position, "splits": [dict(s) for s in self.splits]}

    def restore_position(self, state: dict[str, Any]) -> None:
        self.position = state["position"]
        self.splits = [dict(s) for s in state["splits"]]
        self.lines = None
