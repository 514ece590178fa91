"""BATCH execution (``RuntimeExecutionMode.BATCH``): stages over blocking exchanges, sorted keyed inputs, one
key's state at a time, final-only aggregations, per-key timers and region failover (see ``docs/batch.md``)."""
from flowlab.runtime.batch.execution import BatchExecution
from flowlab.runtime.batch.key_order import batch_key_order, serialized_key, sort_key
from flowlab.runtime.batch.keyed_state import BatchKeyedStateBackend, BatchStateBackends
from flowlab.runtime.batch.scheduler import StageScheduler, stage_numbers
from flowlab.runtime.batch.settings import BatchModeError, BatchSettings, CheckpointingIgnoredWarning

__all__ = ["BatchExecution", "BatchKeyedStateBackend", "BatchModeError", "BatchSettings", "BatchStateBackends",
           "CheckpointingIgnoredWarning", "StageScheduler", "batch_key_order", "serialized_key", "sort_key",
           "stage_numbers"]
