"""``JobStatus``: the states of a job (PyFlink's ``pyflink.common.JobStatus``, Flink's ``JobStatus``)."""
from __future__ import annotations

from enum import Enum


class JobStatus(Enum):
    """CREATED → RUNNING → FINISHED (or FAILING → FAILED, CANCELLING → CANCELED); INITIALIZING before CREATED."""

    CREATED = 0
    RUNNING = 1
    FAILING = 2
    FAILED = 3
    CANCELLING = 4
    CANCELED = 5
    FINISHED = 6
    RESTARTING = 7
    SUSPENDED = 8
    RECONCILING = 9
    INITIALIZING = 10

    def is_globally_terminal_state(self) -> bool:
        """FINISHED, CANCELED or FAILED: the job is over for good."""
        return self in (JobStatus.FINISHED, JobStatus.CANCELED, JobStatus.FAILED)

    def is_terminal_state(self) -> bool:
        """Terminal for this JobMaster (SUSPENDED too)."""
        return self.is_globally_terminal_state() or self is JobStatus.SUSPENDED
