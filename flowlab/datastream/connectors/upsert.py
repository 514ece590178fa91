"""An idempotent sink: rows upserted by key into a table outside Flink (flowlab extension, not in PyFlink 2.3).

The other way to end-to-end exactly-once (besides a transactional sink such as ``FileSink`` or an
``EXACTLY_ONCE`` ``KafkaSink``): the sink writes each record *by its key*, overwriting what the key held, as a
database ``INSERT ... ON CONFLICT (key) DO UPDATE`` or a key-value store's ``put`` does. After a restore the
records since the checkpoint are written again, with the same values (the job computes the same results from
the same input), so the table ends exactly as a run without the failure — though a reader looking while the
job replays sees some keys go back to older values for a moment, and nothing waits for a checkpoint.

On PyFlink the same idea is a JDBC sink with an upsert statement, or the Table API's upsert connectors
(``upsert-kafka``, JDBC with a primary key).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowlab.datastream.connectors.base import Sink


class UpsertTable:
    """A table (a key-value store) outside Flink that a run's ``UpsertSink`` writes into (flowlab extension).

    Each run starts with the table as ``initial`` (empty by default) and keeps its own copy;
    ``contents(run)`` and ``history(run)`` read it, ``from_run(run)`` carries it to later runs.
    """

    def __init__(self, name: str, initial: dict[Any, Any] | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"UpsertTable: the name must be a non-empty string, got {name!r}")
        self.name = name
        self.initial = dict(initial or {})

    def from_run(self, run: Any) -> UpsertTable:
        """A table holding what this table holds in ``run`` now, for the runs that start afterwards (a database
        outlives a job: a job restored from a checkpoint finds the rows its earlier attempt wrote)."""
        return UpsertTable(self.name, self.contents(run))

    def _store(self, run: Any) -> Any:
        sim = getattr(run, "simulation", run)
        rt = getattr(sim, "runtime", None)
        if rt is None:
            raise TypeError(f"expected a Simulation, a JobExecutionResult or a JobClient, got {run!r}")
        from flowlab.runtime.operators.upsert_writer import UpsertStore
        store = rt.connector(f"upsert/{self.name}", lambda job: UpsertStore(job, self))
        if rt.terminal:
            store.drain_in_flight()
        return store

    def contents(self, run: Any) -> dict[Any, Any]:
        """The table in ``run`` now: key -> value, in the order keys were first written."""
        return {k: v for k, (v, _) in self._store(run).rows.items()}

    def history(self, run: Any) -> list[tuple[float, Any, Any, Any]]:
        """Every write in ``run``: (virtual ms, key, value, the value it replaced or None)."""
        return [(t / 1000, k, v, old) for t, k, v, old in self._store(run).history]

    def __repr__(self) -> str:
        return f"UpsertTable({self.name!r})"


class UpsertSink(Sink):
    """Writes each record into ``table`` under ``key_selector(record)``, overwriting (flowlab extension).

    ``value_selector`` picks what is stored (default: the record). Idempotent, not transactional: with a
    replayable source and checkpoints the table ends exactly once; without them a restore can still lose or
    repeat nothing that matters, as long as replayed records carry the values they had. Writes reach the table
    one network latency after the sink writes them.
    """

    name = "UpsertSink"
    not_in_pyflink = "UpsertSink"

    def __init__(self, table: UpsertTable, key_selector: Callable[[Any], Any],
                 value_selector: Callable[[Any], Any] | None = None) -> None:
        if not isinstance(table, UpsertTable):
            raise TypeError(f"UpsertSink expects an UpsertTable, got {table!r}")
        if not callable(key_selector):
            raise TypeError(f"UpsertSink: key_selector must be a function of the record, got {key_selector!r}")
        self.table = table
        self.key_selector = key_selector
        self.value_selector = value_selector

    def create_writer(self, context: Any, restored: Any = None) -> Any:
        from flowlab.runtime.operators.upsert_writer import UpsertWriter
        return UpsertWriter(self, context)

    def create_committer(self, context: Any) -> Any:
        return None
