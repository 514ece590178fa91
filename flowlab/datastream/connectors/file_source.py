"""``FileSource``: text files read line by line, bounded or watching a directory (part of PyFlink's
``pyflink.datastream.connectors.file_system``; import it from there)."""
from __future__ import annotations

import codecs
import os
from typing import Any

from flowlab.common.time import Duration
from flowlab.datastream.connectors.base import Source


def local_path(path: str, what: str) -> str:
    """An absolute local path from ``path`` or a ``file://`` URI; other file systems are refused."""
    if not isinstance(path, str) or not path:
        raise TypeError(f"{what}: a path must be a non-empty string such as '/tmp/in' or 'file:///tmp/in', got "
                        f"{path!r}")
    if path.startswith("file://"):
        path = path[len("file://"):]
    elif "://" in path:
        scheme = path.split("://", 1)[0]
        raise ValueError(f"{what}: '{path}' is on a '{scheme}' file system; flowlab reads and writes local files "
                         "only (a path such as '/tmp/in' or 'file:///tmp/in')")
    return os.path.abspath(path)


class StreamFormat:
    """How a file is read record by record (PyFlink's ``StreamFormat``); ``text_line_format()`` is the one
    PyFlink offers for a ``FileSource``."""

    def __init__(self, charset_name: str) -> None:
        try:
            codecs.lookup(charset_name)
        except (LookupError, TypeError):
            raise ValueError(f"text_line_format: unknown charset {charset_name!r}; use e.g. 'UTF-8' or "
                             "'ISO-8859-1'") from None
        self.charset_name = charset_name

    @staticmethod
    def text_line_format(charset_name: str = "UTF-8") -> StreamFormat:
        """Flink's ``TextLineInputFormat``: one record per line (``\\n``, ``\\r`` or ``\\r\\n`` end a line and are
        not part of it), decoded with the charset. A file is never split; on a restore the reader reads the file
        again and skips the lines it had emitted before the checkpoint."""
        return StreamFormat(charset_name)

    def __repr__(self) -> str:
        return f"StreamFormat.text_line_format({self.charset_name!r})"


class FileEnumeratorProvider:
    """Which files a ``FileSource`` reads (PyFlink's ``FileEnumeratorProvider``). flowlab has the non-splitting
    one: every file under the paths (recursively), hidden ones (names starting with ``.`` or ``_``) skipped."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @staticmethod
    def default_splittable_file_enumerator() -> FileEnumeratorProvider:
        """For splittable formats; a text line format never splits a file, so it enumerates as the other one."""
        return FileEnumeratorProvider("splittable")

    @staticmethod
    def default_non_splittable_file_enumerator() -> FileEnumeratorProvider:
        return FileEnumeratorProvider("non-splittable")


class FileSplitAssignerProvider:
    """Which reader gets which split next (PyFlink's ``FileSplitAssignerProvider``); flowlab: in order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @staticmethod
    def locality_aware_split_assigner() -> FileSplitAssignerProvider:
        return FileSplitAssignerProvider("locality-aware")


class FileSourceBuilder:
    """Configures a ``FileSource`` (PyFlink's ``FileSourceBuilder``): bounded by default."""

    def __init__(self, stream_format: StreamFormat, paths: tuple[str, ...]) -> None:
        if not isinstance(stream_format, StreamFormat):
            raise TypeError(f"for_record_stream_format expects a StreamFormat (StreamFormat.text_line_format()), "
                            f"got {stream_format!r}")
        if not paths:
            raise ValueError("for_record_stream_format needs at least one path to read, e.g. "
                             "FileSource.for_record_stream_format(StreamFormat.text_line_format(), '/tmp/in')")
        self._format = stream_format
        self._paths = tuple(local_path(p, "FileSource") for p in paths)
        self._discovery_interval_ms: int | None = None

    def monitor_continuously(self, discovery_interval: Duration) -> FileSourceBuilder:
        """Keep running and watch the paths: every ``discovery_interval`` (virtual time) new files are found and
        read; the first look is one interval after the job starts (Flink's ``ContinuousFileSplitEnumerator``)."""
        if not isinstance(discovery_interval, Duration):
            raise TypeError(f"monitor_continuously expects a Duration (e.g. Duration.of_seconds(1)), got "
                            f"{discovery_interval!r}")
        ms = discovery_interval.to_milliseconds()
        if ms <= 0:
            raise ValueError(f"monitor_continuously: the discovery interval must be positive, got {ms} ms")
        self._discovery_interval_ms = ms
        return self

    def process_static_file_set(self) -> FileSourceBuilder:
        """Bounded (the default): read the files there are when the job starts, then end."""
        self._discovery_interval_ms = None
        return self

    def set_file_enumerator(self, file_enumerator: FileEnumeratorProvider) -> FileSourceBuilder:
        if not isinstance(file_enumerator, FileEnumeratorProvider):
            raise TypeError(f"set_file_enumerator expects a FileEnumeratorProvider, got {file_enumerator!r}")
        return self

    def set_split_assigner(self, split_assigner: FileSplitAssignerProvider) -> FileSourceBuilder:
        if not isinstance(split_assigner, FileSplitAssignerProvider):
            raise TypeError(f"set_split_assigner expects a FileSplitAssignerProvider, got {split_assigner!r}")
        return self

    def build(self) -> FileSource:
        return FileSource(self._format, self._paths, self._discovery_interval_ms)


class FileSource(Source):
    """Reads text files line by line (PyFlink's ``FileSource``), with Flink's split enumerator on the JobMaster.

    ``FileSource.for_record_stream_format(StreamFormat.text_line_format(), "/tmp/in").build()`` reads every file
    under ``/tmp/in`` that is there when the job starts, then ends (bounded). With ``monitor_continuously(
    Duration.of_millis(500))`` it keeps running and reads new files as the enumerator finds them, every 500
    virtual ms. Each file is one split: the enumerator hands the splits out one at a time to readers that ask for
    one (a reader asks again when it has read its file).

    Checkpoints hold what Flink's do: the enumerator's splits not yet assigned and, when monitoring, the paths it
    has already seen (so a restored source does not read a file twice); each reader's splits with the number of
    lines it has emitted from its current file (text files are re-read on a restore and that many lines
    skipped). Records are ``Types.STRING()`` without timestamps.

    Simplification: files are listed in path order (Flink: the file system's order) and are assumed not to change
    once they are there (Flink assumes the same); a run reads each file and each directory listing once and keeps
    them, so going back in time replays exactly what was read, even if files changed since. A file's
    modification time is not part of its split.
    """

    def __init__(self, stream_format: StreamFormat, paths: tuple[str, ...], discovery_interval_ms: int | None) -> None:
        self.format = stream_format
        self.paths = paths
        self.discovery_interval_ms = discovery_interval_ms

    @staticmethod
    def for_record_stream_format(stream_format: StreamFormat, *paths: str) -> FileSourceBuilder:
        """A builder for a source reading ``paths`` (files or directories) record by record with ``stream_format``."""
        return FileSourceBuilder(stream_format, paths)

    def __deepcopy__(self, memo: dict) -> FileSource:
        return self

    def is_bounded(self) -> bool:
        return self.discovery_interval_ms is None

    def get_produced_type(self) -> Any:
        from flowlab.common.typeinfo import Types
        return Types.STRING()

    def create_reader(self, subtask: int, parallelism: int, rng: Any) -> Any:
        from flowlab.sources.file_reader import FileSourceReader
        return FileSourceReader(self, subtask)

    def create_enumerator(self, context: Any, restored: dict[str, Any] | None) -> Any:
        from flowlab.sources.file_enumerator import FileSplitEnumerator
        return FileSplitEnumerator(self, context, restored)

    @staticmethod
    def split_id(split: dict[str, Any]) -> str:
        return f"{split['id']} ({os.path.basename(split['path'])})"

    def __repr__(self) -> str:
        mode = "bounded" if self.discovery_interval_ms is None else f"every {self.discovery_interval_ms} ms"
        return f"<FileSource {', '.join(self.paths)} ({mode})>"
