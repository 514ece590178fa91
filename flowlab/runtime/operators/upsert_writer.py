"""The ``UpsertSink``'s writer and the run's table it upserts into (flowlab extension)."""
from __future__ import annotations

import copy
from typing import Any

from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.runtime.shared_log import SharedLog


class UpsertStore:
    """A key-value table outside the job: every write is an RPC (one network latency) that overwrites its key."""

    def __init__(self, job: Any, table: Any) -> None:
        self.kernel = job.kernel
        self.rpc_us = job.rpc_latency_us
        self.name = table.name
        # key -> (value, time of the write), starting from the table's initial rows
        self.rows: dict[Any, tuple[Any, int]] = {k: (v, 0) for k, v in copy.deepcopy(table.initial).items()}
        self.history = SharedLog()                             # (µs, key, value, replaced value)
        self.in_flight: dict[tuple, tuple[Any, Any, Any]] = {}

    def request(self, key: Any, value: Any) -> None:
        call = self.kernel.schedule(self.kernel.now + self.rpc_us, self._arrive, key, value, phase=PHASE_CONTROL)
        self.in_flight[call.key] = (call, key, value)

    def _arrive(self, key: Any, value: Any) -> None:
        self.in_flight.pop(self.kernel.current_key, None)
        self._put(key, value, self.kernel.now)

    def _put(self, key: Any, value: Any, now: int) -> None:
        old = self.rows.get(key)
        self.rows[key] = (value, now)
        self.history.append((now, key, value, None if old is None else old[0]))

    def drain_in_flight(self) -> None:
        """After the job: writes still on their way arrive."""
        for k in sorted(self.in_flight):
            call, key, value = self.in_flight.pop(k)
            call.cancel()
            self._put(key, value, k[0])


class UpsertWriter:
    """Sends each record to the table under its key; nothing to commit."""

    def __init__(self, sink: Any, context: Any) -> None:
        self.sink = sink
        self.store: UpsertStore = context.connector(f"upsert/{sink.table.name}",
                                                    lambda job: UpsertStore(job, sink.table))

    def write(self, value: Any, ts: int | None) -> None:
        key = self.sink.key_selector(value)
        stored = value if self.sink.value_selector is None else self.sink.value_selector(value)
        self.store.request(copy.deepcopy(key), copy.deepcopy(stored))

    def prepare_commit(self, end_of_input: bool) -> list[Any]:
        return []

    def snapshot_state(self, checkpoint_id: int) -> None:
        return None
