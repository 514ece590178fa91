"""Which runtime a job gets: ``execution.runtime-mode`` resolved as Flink's ``StreamGraphGenerator`` does.

``STREAMING`` (the default) and ``BATCH`` are taken as configured; ``AUTOMATIC`` picks BATCH when every
source is bounded and STREAMING otherwise. BATCH with an unbounded source, and an iteration in BATCH, are
refused with Flink's messages. A BATCH job also gets Flink's other defaults for that mode: the job name
``Flink Batch Job`` and no buffer timeout (buffers leave only when full or at the end of the input).
"""
from __future__ import annotations

from typing import Any

from flowlab.common.config_values import IllegalConfigurationException

RUNTIME_MODE_KEY = "execution.runtime-mode"
MODES = ("STREAMING", "BATCH", "AUTOMATIC")
DEFAULT_STREAMING_JOB_NAME = "Flink Streaming Job"
DEFAULT_BATCH_JOB_NAME = "Flink Batch Job"


class RuntimeModeError(ValueError):
    """The configured runtime mode cannot run this job (Flink refuses it while building the graph)."""


def configured_mode(conf: dict[str, Any]) -> str:
    """``execution.runtime-mode`` as one of STREAMING, BATCH, AUTOMATIC (any case, as Flink parses enums)."""
    raw = conf.get(RUNTIME_MODE_KEY, "STREAMING")
    name = getattr(raw, "name", raw)               # a RuntimeExecutionMode set as an object
    text = str(name).strip().upper()
    if text not in MODES:
        raise IllegalConfigurationException(
            f"Could not parse value '{raw}' for key '{RUNTIME_MODE_KEY}': expected one of STREAMING, BATCH, "
            "AUTOMATIC (any case).")
    return text


def execution_mode(conf: dict[str, Any], sources: list[Any]) -> str:
    """``BATCH`` or ``STREAMING`` for a job whose source nodes are ``sources`` (each with ``name``,
    ``bounded`` and ``params``); raises ``RuntimeModeError`` where Flink refuses the combination."""
    configured = configured_mode(conf)
    heads = [s for s in sources if "iteration" in s.params]
    unbounded = [s for s in sources if "iteration" not in s.params and not s.bounded]
    if configured == "BATCH" and unbounded:
        names = ", ".join(f"'{s.name}'" for s in unbounded)
        raise RuntimeModeError(
            f"Detected an UNBOUNDED source with the '{RUNTIME_MODE_KEY}' set to 'BATCH'. This combination is not "
            f"allowed, please set the '{RUNTIME_MODE_KEY}' to STREAMING or AUTOMATIC. (flowlab: {names} never "
            "ends, and BATCH runs a stage only once the stage before it has read all its input. Give the source "
            "a count, or run the job in STREAMING mode.)")
    batch = configured == "BATCH" or (configured == "AUTOMATIC" and not unbounded)
    if batch and heads:
        raise RuntimeModeError(
            "Iterations are not supported in BATCH execution mode. If you want to execute such a pipeline, "
            f"please set the '{RUNTIME_MODE_KEY}'=STREAMING. (flowlab: the iteration head "
            f"'{heads[0].name}' feeds records back to an earlier stage, which BATCH has finished by then.)")
    return "BATCH" if batch else "STREAMING"


def apply_mode(settings: dict[str, Any], mode: str) -> None:
    """Record the resolved mode in the job's settings, with BATCH's own defaults (Flink's
    ``configureStreamGraphBatch``: the buffer timeout is disabled)."""
    settings["execution_mode"] = mode
    if mode == "BATCH":
        settings["buffer_timeout_ms"] = -1


def default_job_name(mode: str) -> str:
    return DEFAULT_BATCH_JOB_NAME if mode == "BATCH" else DEFAULT_STREAMING_JOB_NAME
