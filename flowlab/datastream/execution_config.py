"""``ExecutionConfig`` (``env.get_config()``) and the runtime/checkpointing enums with PyFlink's names."""
from __future__ import annotations

from enum import Enum
from typing import Any


class RuntimeExecutionMode(Enum):
    STREAMING = 0
    BATCH = 1
    AUTOMATIC = 2


class CheckpointingMode(Enum):
    EXACTLY_ONCE = 0
    AT_LEAST_ONCE = 1


class TimeCharacteristic(Enum):
    """Java 1.x's stream time characteristic: removed in Flink 2.0, not in PyFlink 2.3 (event time is the default)."""

    ProcessingTime = 0
    IngestionTime = 1
    EventTime = 2


class ExecutionConfig:
    """Per-job settings. The auto-watermark interval is in *virtual* processing time (default 200 ms)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self._settings = settings

    def set_auto_watermark_interval(self, interval: int) -> ExecutionConfig:
        if int(interval) < 0:
            raise ValueError("the auto-watermark interval must be >= 0 ms (0 disables periodic watermarks)")
        self._settings["auto_watermark_interval_ms"] = int(interval)
        return self

    def get_auto_watermark_interval(self) -> int:
        return self._settings["auto_watermark_interval_ms"]

    def set_parallelism(self, parallelism: int) -> ExecutionConfig:
        if isinstance(parallelism, bool) or not isinstance(parallelism, int) or parallelism < 1:
            raise ValueError(f"The parallelism must be an int of at least 1, got {parallelism!r}.")
        self._settings["parallelism"] = parallelism
        return self

    def get_parallelism(self) -> int:
        return self._settings["parallelism"]

    def set_max_parallelism(self, max_parallelism: int) -> ExecutionConfig:
        if isinstance(max_parallelism, bool) or not isinstance(max_parallelism, int) or not 0 < max_parallelism <= 32768:
            raise ValueError(f"The maximum parallelism must be an int between 1 and 32768, got {max_parallelism!r}.")
        self._settings["max_parallelism"] = max_parallelism
        return self

    def get_max_parallelism(self) -> int:
        return self._settings["max_parallelism"]

    def enable_object_reuse(self) -> ExecutionConfig:
        """Chained operators hand records on without copying them (Flink's object reuse mode).

        By default each chained operator gets its own copy, so a function may change its input in place
        safely; with object reuse it must not. Records crossing the network are always copies.
        Simplification: in PyFlink this switch only changes the Java side (each Python operator still
        unpickles its own input); flowlab applies Java's rule to every chained hand-over.
        """
        self._settings["object_reuse"] = True
        return self

    def disable_object_reuse(self) -> ExecutionConfig:
        """Chained operators get copies of the records again (the default)."""
        self._settings["object_reuse"] = False
        return self

    def is_object_reuse_enabled(self) -> bool:
        return self._settings.get("object_reuse", False)

    def set_global_job_parameters(self, global_job_parameters_dict: dict) -> ExecutionConfig:
        self._settings["job_parameters"] = dict(global_job_parameters_dict)
        return self

    def get_global_job_parameters(self) -> dict:
        return dict(self._settings.get("job_parameters", {}))
