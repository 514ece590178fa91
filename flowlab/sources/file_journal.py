"""What one run read from the file system, kept for the run (a ``FileSource``'s listings and file contents).

A directory listing is taken at a moment of virtual time, a file read when a reader opens it. Both are kept,
keyed by that moment and by path, for the whole run: after ``back()`` the replayed run lists and reads exactly
what it did the first time, even if files were added or changed since. The journal is shared by every
time-travel snapshot of the run (its copy is itself); a new run (``reset()``, another ``Simulation``) starts
a new one and sees the files as they are then.
"""
from __future__ import annotations

import os
from typing import Any

JOURNAL_KEY = "file-source-journal"


def hidden(name: str) -> bool:
    """Flink's ``DefaultFileFilter``: names starting with ``.`` or ``_`` are skipped (in-progress files of a sink)."""
    return name.startswith(".") or name.startswith("_")


class FileJournal:
    """Listings by (operator, virtual time) and file contents by path, read once per run."""

    survives_time_travel = True

    def __init__(self, job: Any = None) -> None:
        self.listings: dict[tuple[str, int], list[tuple[str, int]]] = {}
        self.contents: dict[str, bytes] = {}

    def __deepcopy__(self, memo: dict) -> FileJournal:
        return self

    def listing(self, owner: str, now_us: int, paths: tuple[str, ...]) -> list[tuple[str, int]]:
        """The files under ``paths`` as ``(path, size)`` in path order, as ``owner`` saw them at ``now_us``."""
        key = (owner, now_us)
        found = self.listings.get(key)
        if found is None:
            found = self.listings[key] = list_files(paths)
        return found

    def read(self, path: str) -> bytes:
        data = self.contents.get(path)
        if data is None:
            with open(path, "rb") as f:
                data = self.contents[path] = f.read()
        return data


def list_files(paths: tuple[str, ...]) -> list[tuple[str, int]]:
    """Every visible file under ``paths`` (a file or a directory, walked recursively), with its size."""
    out: dict[str, int] = {}
    for root in paths:
        if not os.path.exists(root):
            raise FileNotFoundError(f"File {root} does not exist or the user running Flink has insufficient "
                                    "permissions to access it. A FileSource needs an existing file or directory "
                                    "when the job starts (create the directory first, even if it is empty)")
        if os.path.isfile(root):
            out[root] = os.path.getsize(root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not hidden(d))
            for name in files:
                if not hidden(name):
                    full = os.path.join(folder, name)
                    out[full] = os.path.getsize(full)
    return sorted(out.items())
