"""What every connector shares (``pyflink.datastream.connectors.base``): the ``Source`` and ``Sink`` bases and
``DeliveryGuarantee``.

A flowlab source is a description (inert, shipped with the job) that the runtime asks for a reader per source
subtask (``create_reader``) and, when it has one, for a split enumerator that runs on the JobMaster
(``create_enumerator``). A flowlab sink is a description the runtime asks for a writer per sink subtask and a
committer (``create_writer``, ``create_committer``): Flink's Sink V2 with ``SupportsCommitter``, the two-phase
commit that ties a sink's output to checkpoints.
"""
from __future__ import annotations

from enum import Enum
from typing import Any


class Source:
    """Base of the unified (FLIP-27) sources that ``env.from_source`` reads."""

    def is_bounded(self) -> bool:
        raise NotImplementedError

    def create_reader(self, subtask: int, parallelism: int, rng: Any) -> Any:
        raise NotImplementedError


class Sink:
    """Base of the unified (Sink V2) sinks that ``ds.sink_to`` writes to."""

    name = "Sink"

    def create_writer(self, context: Any, restored: Any = None) -> Any:
        """The writer of one sink subtask; ``restored`` is its state from the checkpoint it restarts from."""
        raise NotImplementedError

    def create_committer(self, context: Any) -> Any:
        """The committer of a two-phase-commit sink (Flink's ``SupportsCommitter``); None: it has none."""
        return None


class DeliveryGuarantee(Enum):
    """What a sink promises when Flink restarts from a checkpoint (Flink's ``DeliveryGuarantee``).

    ``EXACTLY_ONCE``: output becomes visible only when the checkpoint it belongs to completes (a transaction per
    checkpoint); a reader that sees committed data only sees every record once. ``AT_LEAST_ONCE``: everything is
    flushed at each checkpoint, so nothing is lost, but records after the restored checkpoint are written again.
    ``NONE``: best effort; records may be lost or duplicated.
    """

    EXACTLY_ONCE = 0
    AT_LEAST_ONCE = 1
    NONE = 2


__all__ = ["DeliveryGuarantee", "Sink", "Source"]
