"""``ExternalizedCheckpointRetention``: what becomes of retained checkpoints when a job ends (PyFlink 2.3)."""
from __future__ import annotations

from enum import Enum

__all__ = ["ExternalizedCheckpointRetention"]


class ExternalizedCheckpointRetention(Enum):
    """Cleanup of externalized checkpoints when the job is cancelled (PyFlink's enum of this name).

    ``DELETE_ON_CANCELLATION``: deleted when the job is cancelled, kept when it FAILED.
    ``RETAIN_ON_CANCELLATION``: kept when the job is cancelled or FAILED (delete them yourself).
    ``NO_EXTERNALIZED_CHECKPOINTS`` (the default): deleted whenever the job ends.
    Every mode deletes the checkpoints of a job that FINISHED, and a newer checkpoint always subsumes the
    older ones beyond ``execution.checkpointing.num-retained``.
    """

    DELETE_ON_CANCELLATION = 0
    RETAIN_ON_CANCELLATION = 1
    NO_EXTERNALIZED_CHECKPOINTS = 2
