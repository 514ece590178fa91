"""Keyed state in BATCH (Flink's ``BatchExecutionKeyedStateBackend``): the state of one key at a time.

The configured state backend (``state.backend.type``) is ignored: keyed input arrives sorted by key, so
the backend keeps only the current key's state. When the next key starts, the key that ended first fires
its timers (``BatchTimerService.key_ended``, with its state still there), then every state is dropped.

Simplification (as in Flink): state TTL is ignored — the batch backend does not wrap states with TTL.
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream import state as S
from flowlab.runtime.batch.timer_service import BatchTimerService
from flowlab.runtime.keys import TypedKey, state_key
from flowlab.runtime.state.backend import NO_KEY
from flowlab.runtime.state.costs import StateCosts
from flowlab.runtime.state.handles import StateMeta
from flowlab.runtime.state.heap_backend import HeapKeyedStateBackend, StateTable


class BatchKeyedStateBackend(HeapKeyedStateBackend):
    """One key's state as Python objects; everything is dropped when the key changes."""

    name = "batch"

    def __init__(self, host: Any, operator_id: str, max_parallelism: int, key_type: Any, key_groups: range,
                 costs: StateCosts) -> None:
        super().__init__(host, operator_id, max_parallelism, key_type, key_groups, costs)
        self.timers: BatchTimerService | None = None
        self.keys_seen = 0                    # keys this subtask processed (one at a time)

    def create_timer_service(self, op: Any) -> BatchTimerService:
        """The operator's timer service; it hears when a key ends (Flink's ``KeySelectionListener``)."""
        self.timers = BatchTimerService(op)
        return self.timers

    def _register(self, descriptor: S.StateDescriptor) -> StateMeta:
        meta = StateMeta(descriptor, StateTable())
        meta.ttl = None                       # TTL is ignored in BATCH
        return meta

    def set_current_key(self, key: Any) -> None:
        ident = key if type(key) is TypedKey else state_key(key)
        current = self.current_key
        if current is not NO_KEY and ident == current:
            return                                # the same key as the record before: sorted input
        if current is NO_KEY or ident != current:
            if current is not NO_KEY:
                if self.timers is not None:
                    self.timers.key_ended()
                for meta in self.metas.values():
                    meta.store.clear()
            self.keys_seen += 1
        super().set_current_key(key)


class BatchStateBackends:
    """The job's keyed backends in BATCH: always ``BatchKeyedStateBackend``, whatever ``state.backend.type`` says
    (Flink sets its batch backend on the job and never reads that key)."""

    kind = "batch"

    def __init__(self, conf: dict[str, Any], job_id: str) -> None:
        self.costs = StateCosts.from_conf(conf)
        self.job_id = job_id
        self.workspace: Any = None
        self.root_dir: str | None = None

    def __deepcopy__(self, memo: dict) -> BatchStateBackends:
        return self

    def create_keyed(self, host: Any, operator_id: str, label: str, max_parallelism: int, key_type: Any,
                     key_groups: range) -> BatchKeyedStateBackend:
        return BatchKeyedStateBackend(host, operator_id, max_parallelism, key_type, key_groups, self.costs)
