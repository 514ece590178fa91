"""The client side of ``execute_and_collect()`` across restarts (Flink's ``CollectResultIterator`` and its buffers).

Flink 2.3 picks the buffer from the job's checkpointing (``CollectResultIterator.createBuffer``):

* EXACTLY_ONCE checkpointing: ``CheckpointedCollectResultBuffer`` — the iterator hands out a result only once a
  completed checkpoint covers it (or the job has finished), so a restart never shows a result twice and the
  results equal a run without the failure; they arrive about one checkpoint interval late.
* no checkpointing: ``UncheckpointedCollectResultBuffer`` without failure tolerance — results come at once, and
  the first restart of the job makes the iterator fail with ``java.lang.RuntimeException: Job restarted``
  (the job itself recovers; the client cannot tell which results it will send again).
* AT_LEAST_ONCE checkpointing: the uncheckpointed buffer *with* failure tolerance, which in PyFlink 2.3.0 crashes
  the iterator at the first restart (``java.lang.IndexOutOfBoundsException: fromIndex = -N``); flowlab stops the
  same way, saying so.

The sink side (``operators.sink``) numbers each subtask's results (its *offset*, checkpointed and restored) and
records, per subtask, the offset its latest completed checkpoint covers.
"""
from __future__ import annotations

from collections import deque
from typing import Any


class CollectIteratorError(RuntimeError):
    """The ``execute_and_collect()`` iterator failed (the job may still be running or recovering)."""


JOB_RESTARTED = (
    "java.lang.RuntimeException: Job restarted. (The job recovered from a failure, but execute_and_collect() "
    "without checkpointing cannot tell which results the restarted job sends again, so Flink's collect iterator "
    "gives up. Enable checkpointing (EXACTLY_ONCE) to get each result once, from a checkpoint-aware iterator, or "
    "write the results to a sink.)")
AT_LEAST_ONCE_CRASH = (
    "java.lang.IndexOutOfBoundsException: the collect iterator of PyFlink 2.3.0 crashes when the job restarts under "
    "AT_LEAST_ONCE checkpointing (\"fromIndex = -N\" in a real run), and flowlab stops the same way. Use "
    "EXACTLY_ONCE checkpointing for execute_and_collect(), or write the results to a sink.")


class CollectClient:
    """Which results of one collect sink the iterator may hand out now (in the order the sink wrote them)."""

    def __init__(self, rt: Any, sink_id: int) -> None:
        self.rt = rt
        self.sink_id = sink_id
        settings = rt.checkpoint_settings
        self.checkpointed = settings is not None and settings.exactly_once and rt.batch is None
        self.tolerant = settings is not None and not settings.exactly_once
        self.read = 0                                       # entries of the sink's log looked at so far
        self.pending: deque[tuple[int, int, int, Any]] = deque()   # (subtask, attempt, offset, value), in order
        self.committed: dict[int, int] = {}                 # subtask -> offset its latest checkpoint covers
        self.attempt: dict[int, int] = {}

    def poll(self, final: bool = False) -> list[Any]:
        """The results the iterator may hand out now, in order; ``final``: the job is over (FINISHED)."""
        res = self.rt.sinks.get(self.sink_id)
        if res is None:
            return []
        if not self.checkpointed:
            if any(a > 0 for a in res.attempts.values()):
                raise CollectIteratorError(AT_LEAST_ONCE_CRASH if self.tolerant else JOB_RESTARTED)
            rows = res.log.log
            out = [rows[i][1] for i in range(self.read, len(rows))]
            self.read = len(rows)
            return out
        entries = res.offsets.log
        for i in range(self.read, len(entries)):
            entry = entries[i]
            if entry[0] == "row":
                _, subtask, offset, value = entry
                self.pending.append((subtask, self.attempt.get(subtask, 0), offset, value))
            elif entry[0] == "commit":
                self.committed[entry[1]] = entry[2]
            else:                          # a (re)started attempt: what older ones sent from its offset on is void
                _, subtask, attempt, offset = entry
                self.attempt[subtask] = attempt
                self.pending = deque(p for p in self.pending if p[0] != subtask or p[2] < offset)
        self.read = len(entries)
        out = []
        pending = self.pending
        while pending and (final or pending[0][2] < self.committed.get(pending[0][0], 0)):
            out.append(pending.popleft()[3])
        return out
