"""``FileSink``: records written into part files, committed on checkpoints (part of PyFlink's
``pyflink.datastream.connectors.file_system``; import it from there)."""
from __future__ import annotations

import datetime
import os
import re
from typing import Any

from flowlab.common.serialization import Encoder
from flowlab.datastream.connectors.base import Sink
from flowlab.datastream.connectors.file_source import local_path

_PATTERN = re.compile(r"'[^']*'|y+|M+|d+|H+|m+|s+|[A-Za-z]")


def _zone(timezone_id: str | None) -> datetime.tzinfo:
    if timezone_id is None or timezone_id in ("UTC", "GMT", "Z"):
        return datetime.UTC
    m = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?", timezone_id)
    if m:
        delta = datetime.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return datetime.timezone(delta if m.group(1) == "+" else -delta)
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(timezone_id)
    except Exception:  # noqa: BLE001 - an unknown zone id, in whatever way zoneinfo says so
        raise ValueError(f"date_time_bucket_assigner: unknown time zone {timezone_id!r}; use a region such as "
                         "'Europe/Berlin', an offset such as 'GMT-08:00', or 'UTC'") from None


def java_date_format(pattern: str, epoch_ms: int, zone: datetime.tzinfo) -> str:
    """``DateTimeFormatter.ofPattern(pattern)`` of an instant, for the letters y, M, d, H, m, s and quoted text."""
    t = datetime.datetime.fromtimestamp(epoch_ms / 1000, tz=zone)
    out, pos = [], 0
    for m in _PATTERN.finditer(pattern):
        out.append(pattern[pos:m.start()])
        pos = m.end()
        token = m.group()
        if token.startswith("'"):
            out.append(token[1:-1] or "'")
            continue
        letter, n = token[0], len(token)
        if letter not in "yMdHms":
            raise ValueError(f"date_time_bucket_assigner: flowlab formats the pattern letters y, M, d, H, m and s "
                             f"(as in 'yyyy-MM-dd--HH'); {token!r} in {pattern!r} is not one of them")
        if letter == "y":
            out.append(f"{t.year % 100:02d}" if n == 2 else f"{t.year:0{n}d}")
        else:
            value = {"M": t.month, "d": t.day, "H": t.hour, "m": t.minute, "s": t.second}[letter]
            out.append(f"{value:0{n}d}")
    out.append(pattern[pos:])
    return "".join(out)


class BucketAssigner:
    """Which bucket (sub-directory of the base path) a record goes to (PyFlink's ``BucketAssigner``)."""

    def __init__(self, kind: str, format_str: str = "", timezone_id: str | None = None) -> None:
        self.kind = kind
        self.format_str = format_str
        self.timezone_id = timezone_id
        if kind == "date_time":
            java_date_format(format_str, 0, _zone(timezone_id))       # check the pattern and the zone now

    @staticmethod
    def base_path_bucket_assigner() -> BucketAssigner:
        """No buckets: every part file is written into the base path."""
        return BucketAssigner("base_path")

    @staticmethod
    def date_time_bucket_assigner(format_str: str = "yyyy-MM-dd--HH", timezone_id: str | None = None) -> BucketAssigner:
        """One bucket per processing-time period, named by ``format_str`` (Java's DateTimeFormatter pattern):
        ``1970-01-01--00`` for the first virtual hour. Simplification: without ``timezone_id`` flowlab uses UTC
        (Flink: the JVM's default zone), so a run is the same on every machine."""
        return BucketAssigner("date_time", format_str, timezone_id)

    def bucket_id(self, now_ms: int) -> str:
        if self.kind == "base_path":
            return ""
        return java_date_format(self.format_str, now_ms, _zone(self.timezone_id))

    def __repr__(self) -> str:
        return ("BucketAssigner.base_path_bucket_assigner()" if self.kind == "base_path" else
                f"BucketAssigner.date_time_bucket_assigner({self.format_str!r}, {self.timezone_id!r})")


class RollingPolicy:
    """When a bucket closes its in-progress part file and opens a new one (PyFlink's ``RollingPolicy``)."""

    def should_roll_on_event(self, size: int) -> bool:
        raise NotImplementedError

    def should_roll_on_checkpoint(self, size: int) -> bool:
        raise NotImplementedError

    def should_roll_on_processing_time(self, created_ms: int, updated_ms: int, now_ms: int) -> bool:
        raise NotImplementedError

    @staticmethod
    def default_rolling_policy(part_size: int = 1024 * 1024 * 128, rollover_interval: int = 60 * 1000,
                               inactivity_interval: int = 60 * 1000) -> DefaultRollingPolicy:
        """Roll when the part file is larger than ``part_size`` bytes (checked before a record is written and at
        a checkpoint), older than ``rollover_interval`` ms, or not written for ``inactivity_interval`` ms (both
        checked every bucket check interval, 60 s by default)."""
        return DefaultRollingPolicy(part_size, rollover_interval, inactivity_interval)

    @staticmethod
    def on_checkpoint_rolling_policy() -> OnCheckpointRollingPolicy:
        """Roll at every checkpoint, and only then."""
        return OnCheckpointRollingPolicy()


class DefaultRollingPolicy(RollingPolicy):
    """Flink's ``DefaultRollingPolicy`` (128 MB, 60 s open, 60 s inactive)."""

    def __init__(self, part_size: int, rollover_interval: int, inactivity_interval: int) -> None:
        for name, v in (("part_size", part_size), ("rollover_interval", rollover_interval),
                        ("inactivity_interval", inactivity_interval)):
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise ValueError(f"default_rolling_policy: {name} must be a positive int, got {v!r}")
        self.part_size = part_size
        self.rollover_interval = rollover_interval
        self.inactivity_interval = inactivity_interval

    def should_roll_on_event(self, size: int) -> bool:
        return size > self.part_size

    def should_roll_on_checkpoint(self, size: int) -> bool:
        return size > self.part_size

    def should_roll_on_processing_time(self, created_ms: int, updated_ms: int, now_ms: int) -> bool:
        return now_ms - created_ms >= self.rollover_interval or now_ms - updated_ms >= self.inactivity_interval

    def __repr__(self) -> str:
        return (f"RollingPolicy.default_rolling_policy({self.part_size}, {self.rollover_interval}, "
                f"{self.inactivity_interval})")


class OnCheckpointRollingPolicy(RollingPolicy):
    """Flink's ``OnCheckpointRollingPolicy``: a part file per checkpoint that saw data."""

    def should_roll_on_event(self, size: int) -> bool:
        return False

    def should_roll_on_checkpoint(self, size: int) -> bool:
        return True

    def should_roll_on_processing_time(self, created_ms: int, updated_ms: int, now_ms: int) -> bool:
        return False

    def __repr__(self) -> str:
        return "RollingPolicy.on_checkpoint_rolling_policy()"


class OutputFileConfig:
    """The part files' name prefix (default ``part``) and suffix (default none) (PyFlink's ``OutputFileConfig``)."""

    def __init__(self, part_prefix: str, part_suffix: str) -> None:
        for name, v in (("part_prefix", part_prefix), ("part_suffix", part_suffix)):
            if not isinstance(v, str) or os.sep in v:
                raise ValueError(f"OutputFileConfig: {name} must be a string without '{os.sep}', got {v!r}")
        self.part_prefix = part_prefix
        self.part_suffix = part_suffix

    @staticmethod
    def builder() -> OutputFileConfig.OutputFileConfigBuilder:
        return OutputFileConfig.OutputFileConfigBuilder()

    def get_part_prefix(self) -> str:
        return self.part_prefix

    def get_part_suffix(self) -> str:
        return self.part_suffix

    class OutputFileConfigBuilder:
        def __init__(self) -> None:
            self.part_prefix = "part"
            self.part_suffix = ""

        def with_part_prefix(self, prefix: str) -> OutputFileConfig.OutputFileConfigBuilder:
            self.part_prefix = prefix
            return self

        def with_part_suffix(self, suffix: str) -> OutputFileConfig.OutputFileConfigBuilder:
            self.part_suffix = suffix
            return self

        def build(self) -> OutputFileConfig:
            return OutputFileConfig(self.part_prefix, self.part_suffix)


class FileSink(Sink):
    """Writes records into part files under a base path, exactly once (PyFlink's ``FileSink``, row format).

    Each sink subtask writes into buckets (sub-directories; by default one per processing-time hour,
    ``yyyy-MM-dd--HH``). In a bucket it writes one *in-progress* file at a time, hidden as
    ``.part-<uuid>-<n>.inprogress.<uuid>``. When the rolling policy says so the file is closed and becomes
    *pending* (same hidden name, no more writes); at the next checkpoint it goes into the checkpoint as a
    committable, and when that checkpoint completes it is renamed to ``part-<uuid>-<n>`` — *finished*, the only
    kind of file a reader should read. Without checkpointing, part files stay in-progress or pending forever,
    except at the end of a bounded input, when everything is committed. After a restore, pending files of the
    checkpoint are committed and the in-progress file is cut back to its length at the checkpoint.

    ``<uuid>`` (one per bucket and subtask) and the in-progress suffix come from the run's seeded random
    streams, so a run is the same every time — and a second run of the same job and seed writes the same names.

    Simplification: the default bucket assigner uses UTC; files are written through at once (Flink buffers);
    compaction (``enable_compact``) is not simulated.
    """

    name = "FileSink"

    def __init__(self, base_path: str, encoder: Encoder, bucket_assigner: BucketAssigner,
                 rolling_policy: RollingPolicy, output_file_config: OutputFileConfig, bucket_check_interval: int) -> None:
        self.base_path = base_path
        self.encoder = encoder
        self.bucket_assigner = bucket_assigner
        self.rolling_policy = rolling_policy
        self.output_file_config = output_file_config
        self.bucket_check_interval = bucket_check_interval

    @staticmethod
    def for_row_format(base_path: str, encoder: Encoder) -> FileSink.RowFormatBuilder:
        """A builder for a sink writing each record with ``encoder`` (``Encoder.simple_string_encoder()``)."""
        return FileSink.RowFormatBuilder(base_path, encoder)

    def create_writer(self, context: Any, restored: Any = None) -> Any:
        from flowlab.runtime.operators.file_sink_writer import FileSinkWriter
        return FileSinkWriter(self, context, restored)

    def create_committer(self, context: Any) -> Any:
        from flowlab.runtime.operators.file_sink_writer import FileCommitter
        return FileCommitter(context)

    def __repr__(self) -> str:
        return f"<FileSink {self.base_path}>"

    class RowFormatBuilder:
        """Configures a row-format ``FileSink`` (PyFlink's ``FileSink.RowFormatBuilder``)."""

        def __init__(self, base_path: str, encoder: Encoder) -> None:
            if not isinstance(encoder, Encoder):
                raise TypeError(f"for_row_format expects an Encoder (Encoder.simple_string_encoder()), got {encoder!r}")
            self._base_path = local_path(base_path, "FileSink")
            self._encoder = encoder
            self._assigner = BucketAssigner.date_time_bucket_assigner()
            self._policy: RollingPolicy = RollingPolicy.default_rolling_policy()
            self._config = OutputFileConfig("part", "")
            self._check_interval = 60 * 1000

        def with_bucket_check_interval(self, interval: int) -> FileSink.RowFormatBuilder:
            """How often (virtual ms) the sink asks the rolling policy whether to roll by time (default 60 000)."""
            if isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0:
                raise ValueError(f"with_bucket_check_interval: the interval must be a positive int (ms), got "
                                 f"{interval!r}")
            self._check_interval = interval
            return self

        def with_bucket_assigner(self, bucket_assigner: BucketAssigner) -> FileSink.RowFormatBuilder:
            if not isinstance(bucket_assigner, BucketAssigner):
                raise TypeError(f"with_bucket_assigner expects a BucketAssigner, got {bucket_assigner!r}")
            self._assigner = bucket_assigner
            return self

        def with_output_file_config(self, output_file_config: OutputFileConfig) -> FileSink.RowFormatBuilder:
            if not isinstance(output_file_config, OutputFileConfig):
                raise TypeError(f"with_output_file_config expects an OutputFileConfig, got {output_file_config!r}")
            self._config = output_file_config
            return self

        def with_rolling_policy(self, rolling_policy: RollingPolicy) -> FileSink.RowFormatBuilder:
            if not isinstance(rolling_policy, RollingPolicy):
                raise TypeError(f"with_rolling_policy expects a RollingPolicy (RollingPolicy.default_rolling_policy() "
                                f"or RollingPolicy.on_checkpoint_rolling_policy()), got {rolling_policy!r}")
            self._policy = rolling_policy
            return self

        def enable_compact(self, strategy: Any, compactor: Any) -> FileSink.RowFormatBuilder:
            raise NotImplementedError("FileSink compaction is not simulated by flowlab; leave enable_compact out "
                                      "(the part files are then written as Flink writes them without compaction)")

        def disable_compact(self) -> FileSink.RowFormatBuilder:
            return self

        def build(self) -> FileSink:
            return FileSink(self._base_path, self._encoder, self._assigner, self._policy, self._config,
                            self._check_interval)
