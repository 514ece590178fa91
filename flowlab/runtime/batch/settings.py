"""The BATCH settings of one job, read from its configuration with Flink's option names and checked.

* ``execution.batch-shuffle-mode`` (default ``ALL_EXCHANGES_BLOCKING``): every exchange between tasks is
  blocking; flowlab simulates only this mode (the pipelined and hybrid ones are refused, naming it);
* ``execution.sorted-inputs.enabled`` and ``execution.batch-state-backend.enabled`` (both default true): keyed
  inputs are sorted and state is kept for one key at a time; flowlab simulates only the defaults.

The restart strategy (whether a failed region runs again) is read by the JobMaster
(``flowlab.runtime.cluster.restart_strategies``), which hands the stage scheduler its tracker.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowlab.common.config_values import IllegalConfigurationException, read_bool
from flowlab.common.configuration import parse_duration_ms
from flowlab.datastream.checkpoint_config import CHECKPOINT_OPTIONS

SHUFFLE_MODE_KEY = "execution.batch-shuffle-mode"
SORT_INPUTS_KEY = "execution.sorted-inputs.enabled"
STATE_BACKEND_KEY = "execution.batch-state-backend.enabled"
SHUFFLE_MODES = ("ALL_EXCHANGES_BLOCKING", "ALL_EXCHANGES_PIPELINED", "ALL_EXCHANGES_HYBRID_FULL",
                 "ALL_EXCHANGES_HYBRID_SELECTIVE")
CHECKPOINTING_IGNORED = (
    "Checkpointing is ignored in BATCH mode (Flink 2.3 logs: \"Disabled Checkpointing. Checkpointing is not "
    "supported and not needed when executing jobs in BATCH mode.\"): no checkpoint is taken; a failed task is "
    "recovered by re-running its region from the materialised results of the stages before it.")


class CheckpointingIgnoredWarning(UserWarning):
    """A BATCH job enabled checkpointing, which BATCH ignores (failures re-run regions instead)."""


class BatchModeError(ValueError):
    """A BATCH setting flowlab does not simulate (or Flink refuses)."""


@dataclass(frozen=True)
class BatchSettings:
    """What the BATCH runtime needs to know of the configuration."""

    shuffle_mode: str
    checkpointing_requested: bool        # the job enabled checkpointing, which BATCH ignores

    @staticmethod
    def from_conf(conf: dict[str, Any]) -> BatchSettings:
        raw = conf.get(SHUFFLE_MODE_KEY, "ALL_EXCHANGES_BLOCKING")
        mode = str(raw).strip().upper()
        if mode not in SHUFFLE_MODES:
            raise IllegalConfigurationException(
                f"Could not parse value '{raw}' for key '{SHUFFLE_MODE_KEY}': expected one of "
                f"{', '.join(SHUFFLE_MODES)}.")
        if mode != "ALL_EXCHANGES_BLOCKING":
            raise BatchModeError(
                f"{SHUFFLE_MODE_KEY}: {mode} is valid in Flink, but flowlab simulates BATCH jobs with "
                "ALL_EXCHANGES_BLOCKING only (Flink's default: every exchange is materialised and the stages run "
                "one after another). Remove the setting.")
        for key in (SORT_INPUTS_KEY, STATE_BACKEND_KEY):
            if not read_bool(conf, key, True):
                raise BatchModeError(
                    f"{key}: false is valid in Flink, but flowlab simulates BATCH jobs with sorted keyed inputs and "
                    "one key's state at a time only (Flink's default, true). Remove the setting.")
        return BatchSettings(mode, checkpointing_requested(conf))


def checkpointing_requested(conf: dict[str, Any]) -> bool:
    """Whether the job asked for checkpoints (an interval above 0), which a BATCH job ignores."""
    option = CHECKPOINT_OPTIONS["interval"]
    raw = option.raw(conf)
    if raw is None:
        return False
    try:
        return parse_duration_ms(raw, option.key) > 0
    except ValueError:
        return True
