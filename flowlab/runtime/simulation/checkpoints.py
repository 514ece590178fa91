"""The checkpoint history as Flink's Web UI shows it (``sim.checkpoints()``, ``sim.checkpoint_details(n)``)."""
from __future__ import annotations

from typing import Any

from flowlab.runtime.job_runtime import JobRuntime

HISTORY_COLUMNS = ("id", "status", "trigger_time_ms", "latest_ack_ms", "duration_ms", "acknowledged", "subtasks",
                   "state_size", "in_flight_persisted", "alignment_ms", "unaligned", "path", "failure", "type")
DETAIL_COLUMNS = ("vertex", "subtask", "acknowledged", "ack_time_ms", "end_to_end_ms", "state_size", "sync_ms",
                  "async_ms", "alignment_ms", "start_delay_ms", "in_flight_persisted", "unaligned", "crossed_records")


def _coordinator(rt: JobRuntime) -> Any:
    return rt.jobmaster.checkpoints


def checkpoints_frame(rt: JobRuntime) -> Any:
    """One row per checkpoint, oldest first (empty when checkpointing is off)."""
    import pandas as pd
    cc = _coordinator(rt)
    rows = [] if cc is None else [s.row(rt.kernel.now) for s in cc.history]
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


def details_frame(rt: JobRuntime, checkpoint_id: int) -> Any:
    """One row per subtask of checkpoint ``checkpoint_id``."""
    import pandas as pd
    stats = _stats(rt, checkpoint_id)
    return pd.DataFrame(stats.detail_rows(stats.trigger_us), columns=list(DETAIL_COLUMNS))


def checkpoint_state(rt: JobRuntime, checkpoint_id: int) -> dict[str, Any]:
    """A retained checkpoint read back from its storage (files checked first)."""
    cc = _coordinator(rt)
    if cc is None:
        raise KeyError("checkpointing is off: call env.enable_checkpointing(interval) before building the job")
    return cc.read(checkpoint_id)


def _stats(rt: JobRuntime, checkpoint_id: int) -> Any:
    cc = _coordinator(rt)
    if cc is None:
        raise KeyError("checkpointing is off: call env.enable_checkpointing(interval) before building the job")
    for s in cc.history:
        if s.checkpoint_id == checkpoint_id:
            return s
    raise KeyError(f"no checkpoint {checkpoint_id}; checkpoints so far: {[s.checkpoint_id for s in cc.history]}")
