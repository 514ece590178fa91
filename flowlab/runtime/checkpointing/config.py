"""The checkpoint settings of one job, read from its configuration and checked before it starts.

Every value comes from an ``execution.checkpointing.*`` key (Flink 2.3's name, its deprecated fallbacks,
Flink's default; ``flowlab.datastream.checkpoint_config.CHECKPOINT_OPTIONS``) or one of flowlab's cost keys:

* ``flowlab.checkpointing.sync-us-per-kb`` (default 2): the synchronous part of a snapshot stops the task for
  this many virtual µs per KiB of state (2 ms per MiB);
* ``flowlab.checkpointing.upload-bandwidth`` (default ``100 mb``, per virtual second): the asynchronous part
  (the upload to the checkpoint storage) takes size / bandwidth while the task goes on;
* ``flowlab.checkpointing.jobmanager.max-state-size`` (default ``5 mb``): the jobmanager storage's limit;
* ``flowlab.checkpointing.unpickle-foreign-files`` (default false): whether reading a checkpoint file that
  this run did not write may unpickle the values that are not plain data (pickle runs code).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowlab.common.configuration import parse_duration_ms, parse_memory_size
from flowlab.datastream.checkpoint_config import CHECKPOINT_OPTIONS, MINIMAL_CHECKPOINT_TIME_MS
from flowlab.datastream.checkpoint_storage import DEFAULT_MAX_STATE_SIZE, MAX_STATE_SIZE_KEY

STORAGES = ("jobmanager", "filesystem")
RETENTIONS = ("DELETE_ON_CANCELLATION", "RETAIN_ON_CANCELLATION", "NO_EXTERNALIZED_CHECKPOINTS")
UNPICKLE_KEY = "flowlab.checkpointing.unpickle-foreign-files"


class CheckpointConfigError(ValueError):
    """A checkpoint setting that Flink would refuse (or that cannot work): the job does not start."""


@dataclass(frozen=True)
class CheckpointSettings:
    """What the CheckpointCoordinator, the tasks and the storage need to know (all times in virtual ms)."""

    interval_ms: int
    mode: str                          # EXACTLY_ONCE | AT_LEAST_ONCE
    timeout_ms: int
    min_pause_ms: int
    max_concurrent: int
    tolerable_failures: int
    retention: str
    unaligned: bool
    aligned_timeout_ms: int
    unaligned_forced: bool
    after_tasks_finish: bool
    storage: str                       # jobmanager | filesystem
    directory: str | None              # a local path (the file:// scheme stripped), or None
    num_retained: int
    inline_threshold: int
    create_subdir: bool
    max_state_size: int                # jobmanager storage's limit per state
    sync_us_per_kb: float
    upload_bytes_per_s: float
    unpickle_foreign: bool
    periodic: bool = True              # False: checkpointing is off, the coordinator only takes savepoints

    @property
    def exactly_once(self) -> bool:
        return self.mode == "EXACTLY_ONCE"

    @property
    def alignment(self) -> str:
        """The barriers a checkpoint starts with (Flink's ``AlignmentType``)."""
        if not self.exactly_once:
            return "AT_LEAST_ONCE"
        if self.unaligned and self.aligned_timeout_ms == 0:
            return "UNALIGNED"
        return "ALIGNED"

    @property
    def barrier_timeout_ms(self) -> int:
        """The aligned-checkpoint timeout carried by the barriers (0: never switch to unaligned)."""
        return self.aligned_timeout_ms if self.unaligned and self.exactly_once else 0

    def sync_us(self, size: int) -> int:
        """Virtual µs the synchronous part of a snapshot of ``size`` bytes stops the task."""
        return -(-int(size * self.sync_us_per_kb) // 1024)

    def upload_us(self, size: int) -> int:
        """Virtual µs the asynchronous upload of ``size`` bytes takes."""
        return -(-int(size * 1_000_000) // max(1, int(self.upload_bytes_per_s)))

    def describe(self) -> str:
        kind = {"ALIGNED": "aligned", "UNALIGNED": "unaligned", "AT_LEAST_ONCE": "at-least-once"}[self.alignment]
        if self.alignment == "ALIGNED" and self.barrier_timeout_ms:
            kind = f"aligned, unaligned after {self.barrier_timeout_ms} ms"
        return f"{kind}, {self.mode}"


def checkpoint_settings(conf: dict[str, Any], iterative: bool = False, custom_partitioner: bool = False,
                        savepoints_only: bool = False) -> CheckpointSettings | None:
    """The job's checkpoint settings, or None when checkpointing is off; raises ``CheckpointConfigError``.
    ``savepoints_only``: when checkpointing is off, the settings of a coordinator that only takes savepoints."""
    def raw(name: str) -> Any:
        return CHECKPOINT_OPTIONS[name].raw(conf)

    def key(name: str) -> str:
        return CHECKPOINT_OPTIONS[name].key

    def ms(name: str) -> int:
        return parse_duration_ms(raw(name), key(name))

    def whole(name: str, least: int) -> int:
        try:
            value = int(str(raw(name)).strip())
        except ValueError:
            raise CheckpointConfigError(f"{key(name)}: {raw(name)!r} is not a whole number") from None
        if value < least:
            raise CheckpointConfigError(f"{key(name)} must be at least {least}, got {value}")
        return value

    def flag(name: str) -> bool:
        text = str(raw(name)).strip().lower()
        if text not in ("true", "false"):
            raise CheckpointConfigError(f"{key(name)}: {raw(name)!r} is not true or false")
        return text == "true"

    if raw("interval") is None:
        return None if not savepoints_only else _savepoint_settings(conf)
    interval = ms("interval")
    if interval <= 0:                # Flink: a non-positive interval disables periodic checkpoints
        return None if not savepoints_only else _savepoint_settings(conf)
    if interval < MINIMAL_CHECKPOINT_TIME_MS:
        raise CheckpointConfigError(f"Checkpoint interval must be larger than or equal to {MINIMAL_CHECKPOINT_TIME_MS} "
                                    f"ms, got {interval} ms ({key('interval')}).")
    mode = str(raw("mode")).strip().upper()
    if mode not in ("EXACTLY_ONCE", "AT_LEAST_ONCE"):
        raise CheckpointConfigError(f"{key('mode')}: {raw('mode')!r} is not a checkpointing mode; use EXACTLY_ONCE or "
                                    "AT_LEAST_ONCE")
    retention = str(raw("externalized-checkpoint-retention")).strip().upper()
    if retention not in RETENTIONS:
        raise CheckpointConfigError(f"{key('externalized-checkpoint-retention')}: {retention!r} is not one of "
                                    f"{', '.join(RETENTIONS)}")
    unaligned, forced = flag("unaligned.enabled"), flag("unaligned.forced")
    max_concurrent = whole("max-concurrent-checkpoints", 1)
    if unaligned and mode != "EXACTLY_ONCE":
        raise CheckpointConfigError(
            "Unaligned checkpoints can only be used with checkpointing mode EXACTLY_ONCE, but the mode is "
            "AT_LEAST_ONCE. At-least-once barriers never wait, so there is nothing to overtake: either drop "
            "enable_unaligned_checkpoints() or use CheckpointingMode.EXACTLY_ONCE. (Flink logs a warning and "
            "silently takes at-least-once checkpoints; flowlab refuses, so the mismatch does not go unnoticed.)")
    if unaligned and max_concurrent > 1:
        raise CheckpointConfigError(
            f"Unaligned checkpoints need execution.checkpointing.max-concurrent-checkpoints = 1, but it is "
            f"{max_concurrent} (Flink: \"maxConcurrentCheckpoints can't be > 1 if UnalignedCheckpoints enabled\"). "
            "The in-flight data one unaligned checkpoint stores would belong to several at once: set "
            "set_max_concurrent_checkpoints(1) or use aligned checkpoints.")
    if iterative:
        raise CheckpointConfigError(
            "Checkpointing is not supported for iterative jobs (iterate()): records travelling round the loop "
            "are in no checkpoint and would be lost on a failure, so Flink refuses it by default (\"Checkpointing "
            "is currently not supported by default for iterative jobs, as we cannot guarantee exactly once "
            "semantics\"). Remove enable_checkpointing(...) or the iteration.")
    if unaligned and custom_partitioner and not forced:
        raise CheckpointConfigError(
            "Unaligned checkpoints are currently not supported for custom partitioners (partition_custom), as "
            "rescaling is not guaranteed to work correctly. Set execution.checkpointing.unaligned.forced: true "
            "(set_force_unaligned_checkpoints()) to take them anyway, or use aligned checkpoints.")
    storage = raw("storage")
    directory = raw("dir")
    if storage is None:
        storage = "filesystem" if directory is not None else "jobmanager"
    storage = str(storage).strip().lower()
    if storage not in STORAGES:
        raise CheckpointConfigError(
            f"Unknown checkpoint storage {raw('storage')!r} ({key('storage')}). flowlab knows 'jobmanager' "
            f"(checkpoints in the JobManager's memory) and 'filesystem' (files under {key('dir')}); Flink also "
            "takes the class name of a CheckpointStorageFactory, which flowlab cannot load.")
    if storage == "filesystem" and directory is None:
        raise CheckpointConfigError(
            f"The 'filesystem' checkpoint storage needs a directory: set {key('dir')}, e.g. "
            "'file:///tmp/flink-checkpoints'.")
    timeout = ms("timeout")
    if timeout < MINIMAL_CHECKPOINT_TIME_MS:
        raise CheckpointConfigError(f"Checkpoint timeout must be larger than or equal to {MINIMAL_CHECKPOINT_TIME_MS} "
                                    f"ms, got {timeout} ms ({key('timeout')}).")
    min_pause = ms("min-pause")
    if min_pause < 0:
        raise CheckpointConfigError(f"Pause value must be zero or positive, got {min_pause} ms ({key('min-pause')}).")
    aligned_timeout = ms("aligned-checkpoint-timeout")
    if aligned_timeout < 0:
        raise CheckpointConfigError(f"{key('aligned-checkpoint-timeout')} must be >= 0, got {aligned_timeout} ms")
    bandwidth = parse_memory_size(conf.get("flowlab.checkpointing.upload-bandwidth", "100 mb"),
                                  "flowlab.checkpointing.upload-bandwidth")
    if bandwidth <= 0:
        raise CheckpointConfigError("flowlab.checkpointing.upload-bandwidth must be > 0 bytes per second")
    sync_cost = float(conf.get("flowlab.checkpointing.sync-us-per-kb", 2))
    if sync_cost < 0:
        raise CheckpointConfigError("flowlab.checkpointing.sync-us-per-kb must be >= 0")
    return CheckpointSettings(
        interval_ms=interval, mode=mode, timeout_ms=timeout, min_pause_ms=min_pause, max_concurrent=max_concurrent,
        tolerable_failures=whole("tolerable-failed-checkpoints", 0), retention=retention, unaligned=unaligned,
        aligned_timeout_ms=aligned_timeout, unaligned_forced=forced,
        after_tasks_finish=flag("checkpoints-after-tasks-finish"), storage=storage,
        directory=None if directory is None else local_path(str(directory)),
        num_retained=whole("num-retained", 1),
        inline_threshold=parse_memory_size(raw("data-inline-threshold"), key("data-inline-threshold")),
        create_subdir=flag("create-subdir"),
        max_state_size=parse_memory_size(conf.get(MAX_STATE_SIZE_KEY, DEFAULT_MAX_STATE_SIZE), MAX_STATE_SIZE_KEY),
        sync_us_per_kb=sync_cost, upload_bytes_per_s=bandwidth,
        unpickle_foreign=str(conf.get(UNPICKLE_KEY, "false")).strip().lower() == "true")


def _savepoint_settings(conf: dict[str, Any]) -> CheckpointSettings:
    """Checkpointing is off, yet a savepoint is requested: Flink's CheckpointCoordinator exists anyway and takes
    it (aligned, exactly-once); nothing is triggered periodically and finished subtasks do not wait."""
    def raw(name: str) -> Any:
        return CHECKPOINT_OPTIONS[name].raw(conf)
    return CheckpointSettings(
        interval_ms=0, mode="EXACTLY_ONCE", timeout_ms=parse_duration_ms(raw("timeout"), "timeout"), min_pause_ms=0,
        max_concurrent=1, tolerable_failures=0, retention="NO_EXTERNALIZED_CHECKPOINTS", unaligned=False,
        aligned_timeout_ms=0, unaligned_forced=False, after_tasks_finish=True, storage="jobmanager", directory=None,
        num_retained=1, inline_threshold=parse_memory_size(raw("data-inline-threshold"), "data-inline-threshold"),
        create_subdir=True,
        max_state_size=parse_memory_size(conf.get(MAX_STATE_SIZE_KEY, DEFAULT_MAX_STATE_SIZE), MAX_STATE_SIZE_KEY),
        sync_us_per_kb=float(conf.get("flowlab.checkpointing.sync-us-per-kb", 2)),
        upload_bytes_per_s=parse_memory_size(conf.get("flowlab.checkpointing.upload-bandwidth", "100 mb"),
                                             "flowlab.checkpointing.upload-bandwidth"),
        unpickle_foreign=str(conf.get(UNPICKLE_KEY, "false")).strip().lower() == "true", periodic=False)


def savepoint_directory(conf: dict[str, Any]) -> str | None:
    """``execution.checkpointing.savepoint-dir`` (deprecated ``state.savepoints.dir``) as a local path, or None."""
    raw = CHECKPOINT_OPTIONS["savepoint-dir"].raw(conf)
    return None if raw is None or not str(raw).strip() else local_path(str(raw))


def local_path(uri: str) -> str:
    """``file:///tmp/x`` or ``/tmp/x`` -> ``/tmp/x``; other schemes are refused (flowlab writes local files only)."""
    text = uri.strip()
    if text.startswith("file://"):
        return text[len("file://"):] or "/"
    if text.startswith("file:"):
        return text[len("file:"):]
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise CheckpointConfigError(
            f"execution.checkpointing.dir is {uri!r}, but flowlab writes checkpoints to the local file system only "
            f"(Flink would use its '{scheme}' file system plugin): use a local path such as 'file:///tmp/checkpoints'.")
    return text
