"""``CheckpointConfig`` (``env.get_checkpoint_config()``) with PyFlink 2.3's setters, and the checkpointing keys.

As in Flink 2.x, the checkpoint config is a view of the job's configuration: every setter writes the
``execution.checkpointing.*`` key it stands for, and every getter reads it (falling back to the deprecated
key names Flink still accepts, then to Flink's default). ``CHECKPOINT_OPTIONS`` lists the keys with their
defaults; the runtime reads the same table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowlab.common.configuration import Configuration, parse_duration_ms
from flowlab.common.time import Duration
from flowlab.datastream.execution_config import CheckpointingMode
from flowlab.datastream.externalized_checkpoint_retention import ExternalizedCheckpointRetention

if TYPE_CHECKING:
    from flowlab.datastream.stream_execution_environment import StreamExecutionEnvironment

MINIMAL_CHECKPOINT_TIME_MS = 10       # CheckpointConfig.MINIMAL_CHECKPOINT_TIME


@dataclass(frozen=True)
class ConfigOption:
    """One configuration key with Flink's default and the deprecated keys it still accepts."""

    key: str
    default: str | None
    fallbacks: tuple[str, ...] = ()

    def raw(self, conf: dict[str, str]) -> str | None:
        """The string value set for this key (or its first fallback that is set), else the default."""
        for k in (self.key, *self.fallbacks):
            if k in conf:
                return conf[k]
        return self.default


def _opt(key: str, default: str | None, *fallbacks: str) -> ConfigOption:
    return ConfigOption(f"execution.checkpointing.{key}", default, fallbacks)


#: Flink 2.3's checkpointing options (``CheckpointingOptions``), default and deprecated fallback keys.
CHECKPOINT_OPTIONS: dict[str, ConfigOption] = {o.key.removeprefix("execution.checkpointing."): o for o in (
    _opt("interval", None),
    _opt("mode", "EXACTLY_ONCE"),
    _opt("storage", None, "state.checkpoint-storage"),
    _opt("dir", None, "state.checkpoints.dir", "state.backend.fs.checkpointdir"),
    _opt("num-retained", "1", "state.checkpoints.num-retained"),
    _opt("timeout", "10 min"),
    _opt("max-concurrent-checkpoints", "1"),
    _opt("min-pause", "0 ms"),
    _opt("tolerable-failed-checkpoints", "0"),
    _opt("externalized-checkpoint-retention", "NO_EXTERNALIZED_CHECKPOINTS"),
    _opt("unaligned.enabled", "false", "execution.checkpointing.unaligned"),
    _opt("aligned-checkpoint-timeout", "0 s", "execution.checkpointing.alignment-timeout"),
    _opt("unaligned.forced", "false"),
    _opt("checkpoints-after-tasks-finish", "true", "execution.checkpointing.checkpoints-after-tasks-finish.enabled"),
    _opt("data-inline-threshold", "20 kb", "state.storage.fs.memory-threshold", "state.backend.fs.memory-threshold"),
    _opt("create-subdir", "true", "state.checkpoints.create-subdir"),
    _opt("savepoint-dir", None, "state.savepoints.dir", "savepoints.state.backend.fs.dir"),
)}


def option(name: str) -> ConfigOption:
    return CHECKPOINT_OPTIONS[name]


class CheckpointConfig:
    """Configuration that captures all checkpointing related settings (PyFlink's ``CheckpointConfig``).

    A view of the environment's configuration: ``set_checkpoint_timeout(60000)`` writes
    ``execution.checkpointing.timeout: 60000 ms``, so a ``Configuration`` passed to
    ``get_execution_environment(conf)`` and these setters are two spellings of one setting.
    """

    def __init__(self, env: StreamExecutionEnvironment) -> None:
        self._env = env

    # -- plumbing ---------------------------------------------------------------------------------------
    @property
    def _conf(self) -> Configuration:
        return self._env._configuration

    def _raw(self, name: str) -> str | None:
        return option(name).raw(self._conf.to_dict())

    def _set(self, name: str, value: str) -> CheckpointConfig:
        opt = option(name)
        for k in opt.fallbacks:          # the primary key now decides; a stale deprecated key would confuse
            self._conf.remove_config(k)
        self._conf.set_string(opt.key, value)
        return self

    def _ms(self, name: str) -> int:
        raw = self._raw(name)
        return -1 if raw is None else parse_duration_ms(raw, option(name).key)

    def _int(self, name: str) -> int:
        raw = self._raw(name)
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ValueError(f"{option(name).key}: {raw!r} is not a whole number") from None

    def _bool(self, name: str) -> bool:
        return str(self._raw(name)).strip().lower() == "true"

    # -- the checkpoint interval and mode -----------------------------------------------------------------
    def is_checkpointing_enabled(self) -> bool:
        """Checkpointing is on once an interval is set (``enable_checkpointing`` or the interval key)."""
        return self._raw("interval") is not None and self._ms("interval") > 0

    def get_checkpointing_mode(self) -> CheckpointingMode:
        """EXACTLY_ONCE (aligned barriers) or AT_LEAST_ONCE (no alignment)."""
        raw = str(self._raw("mode")).strip().upper()
        try:
            return CheckpointingMode[raw]
        except KeyError:
            raise ValueError(f"execution.checkpointing.mode: {raw!r} is not a checkpointing mode; use EXACTLY_ONCE "
                             "or AT_LEAST_ONCE") from None

    def set_checkpointing_mode(self, checkpointing_mode: CheckpointingMode) -> CheckpointConfig:
        if not isinstance(checkpointing_mode, CheckpointingMode):
            raise TypeError(f"expected CheckpointingMode.EXACTLY_ONCE or AT_LEAST_ONCE, got {checkpointing_mode!r}")
        return self._set("mode", checkpointing_mode.name)

    def get_checkpoint_interval(self) -> int:
        """The interval in ms; -1 when checkpointing is off."""
        return self._ms("interval") if self.is_checkpointing_enabled() else -1

    def set_checkpoint_interval(self, checkpoint_interval: int) -> CheckpointConfig:
        _at_least(checkpoint_interval, MINIMAL_CHECKPOINT_TIME_MS,
                  f"Checkpoint interval must be larger than or equal to {MINIMAL_CHECKPOINT_TIME_MS} ms")
        return self._set("interval", f"{int(checkpoint_interval)} ms")

    # -- timing and concurrency -------------------------------------------------------------------------
    def get_checkpoint_timeout(self) -> int:
        return self._ms("timeout")

    def set_checkpoint_timeout(self, checkpoint_timeout: int) -> CheckpointConfig:
        _at_least(checkpoint_timeout, MINIMAL_CHECKPOINT_TIME_MS,
                  f"Checkpoint timeout must be larger than or equal to {MINIMAL_CHECKPOINT_TIME_MS} ms")
        return self._set("timeout", f"{int(checkpoint_timeout)} ms")

    def get_min_pause_between_checkpoints(self) -> int:
        return self._ms("min-pause")

    def set_min_pause_between_checkpoints(self, min_pause_between_checkpoints: int) -> CheckpointConfig:
        _at_least(min_pause_between_checkpoints, 0, "Pause value must be zero or positive")
        return self._set("min-pause", f"{int(min_pause_between_checkpoints)} ms")

    def get_max_concurrent_checkpoints(self) -> int:
        return self._int("max-concurrent-checkpoints")

    def set_max_concurrent_checkpoints(self, max_concurrent_checkpoints: int) -> CheckpointConfig:
        _at_least(max_concurrent_checkpoints, 1, "The maximum number of concurrent attempts must be at least one.")
        return self._set("max-concurrent-checkpoints", str(int(max_concurrent_checkpoints)))

    def get_tolerable_checkpoint_failure_number(self) -> int:
        return self._int("tolerable-failed-checkpoints")

    def set_tolerable_checkpoint_failure_number(self, tolerable_checkpoint_failure_number: int) -> CheckpointConfig:
        _at_least(tolerable_checkpoint_failure_number, 0,
                  "The tolerable failure checkpoint number must be non-negative.")
        return self._set("tolerable-failed-checkpoints", str(int(tolerable_checkpoint_failure_number)))

    def is_fail_on_checkpointing_errors(self) -> bool:
        """Deprecated in 2.0: True when no checkpoint failure is tolerated."""
        return self.get_tolerable_checkpoint_failure_number() == 0

    def set_fail_on_checkpointing_errors(self, fail_on_checkpointing_errors: bool) -> CheckpointConfig:
        """Deprecated in 2.0: True = tolerate no failure, False = tolerate 2147483647."""
        return self.set_tolerable_checkpoint_failure_number(0 if fail_on_checkpointing_errors else 2147483647)

    # -- retention --------------------------------------------------------------------------------------
    def set_externalized_checkpoint_retention(self, retention_mode: ExternalizedCheckpointRetention
                                              ) -> CheckpointConfig:
        """What happens to the retained checkpoints when the job is cancelled (or fails)."""
        if not isinstance(retention_mode, ExternalizedCheckpointRetention):
            raise TypeError(f"expected an ExternalizedCheckpointRetention, got {retention_mode!r}")
        return self._set("externalized-checkpoint-retention", retention_mode.name)

    def get_externalized_checkpoint_retention(self) -> ExternalizedCheckpointRetention:
        raw = str(self._raw("externalized-checkpoint-retention")).strip().upper()
        try:
            return ExternalizedCheckpointRetention[raw]
        except KeyError:
            names = ", ".join(m.name for m in ExternalizedCheckpointRetention)
            raise ValueError(f"execution.checkpointing.externalized-checkpoint-retention: {raw!r} is not one of "
                             f"{names}") from None

    def is_externalized_checkpoints_enabled(self) -> bool:
        return (self.get_externalized_checkpoint_retention()
                is not ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS)

    # -- unaligned checkpoints --------------------------------------------------------------------------
    def is_unaligned_checkpoints_enabled(self) -> bool:
        return self._bool("unaligned.enabled")

    def enable_unaligned_checkpoints(self, enabled: bool = True) -> CheckpointConfig:
        """Barriers overtake the buffered data, which is stored as channel state (EXACTLY_ONCE only)."""
        return self._set("unaligned.enabled", "true" if enabled else "false")

    def disable_unaligned_checkpoints(self) -> CheckpointConfig:
        return self.enable_unaligned_checkpoints(False)

    def set_aligned_checkpoint_timeout(self, alignment_timeout: Duration) -> CheckpointConfig:
        """With unaligned checkpoints on: start aligned and switch to unaligned after this long (0 = at once)."""
        if not isinstance(alignment_timeout, Duration):
            raise TypeError(f"set_aligned_checkpoint_timeout takes a Duration (e.g. Duration.of_millis(100)), got "
                            f"{alignment_timeout!r}")
        return self._set("aligned-checkpoint-timeout", f"{alignment_timeout.to_milliseconds()} ms")

    def get_aligned_checkpoint_timeout(self) -> Duration:
        return Duration.of_millis(self._ms("aligned-checkpoint-timeout"))

    def set_alignment_timeout(self, alignment_timeout: Duration) -> CheckpointConfig:
        """Deprecated in 2.0: use ``set_aligned_checkpoint_timeout``."""
        return self.set_aligned_checkpoint_timeout(alignment_timeout)

    def get_alignment_timeout(self) -> Duration:
        """Deprecated in 2.0: use ``get_aligned_checkpoint_timeout``."""
        return self.get_aligned_checkpoint_timeout()

    def set_force_unaligned_checkpoints(self, force_unaligned_checkpoints: bool = True) -> CheckpointConfig:
        return self._set("unaligned.forced", "true" if force_unaligned_checkpoints else "false")

    def is_force_unaligned_checkpoints(self) -> bool:
        return self._bool("unaligned.forced")

    def __repr__(self) -> str:
        keys = {k: v for k, v in self._conf.to_dict().items() if k.startswith("execution.checkpointing.")}
        return f"CheckpointConfig({keys})"


def _at_least(value: Any, least: int, message: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number of milliseconds (an int), got {value!r}")
    if value < least:
        raise ValueError(f"{message} (got {value})")
