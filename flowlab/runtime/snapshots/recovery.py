"""The recovery part of a snapshot (``snapshot["recovery"]``): restart strategy, failover strategy, every restart.

* ``restart_strategy``: ``restart-strategy.type`` in effect (``none``, ``fixed-delay``, ``failure-rate``,
  ``exponential-delay``); ``restart_strategy_description``: Flink's text for it (as in "Recovery is suppressed
  by ..."); ``restart_strategy_configured``: False when it is Flink's default for the job;
* ``failover_strategy``: ``region`` or ``full``;
* ``restarts``: one entry per restart, oldest first: ``number``, ``cause``, ``failed_task`` (task name, or None
  for a lost TaskManager or a failure of the whole job), ``taskmanager`` (the lost one, or None),
  ``failed_at_ms``, ``region`` (task names restarted), ``restart_at_ms`` (new attempts created; None while
  waiting), ``running_at_ms`` (all of them RUNNING again; None until then), ``restored_checkpoint`` (id, or None:
  from scratch), ``attempt`` (the new attempt number), ``delay_ms`` (the strategy's backoff),
  ``failover_strategy`` (``full`` for a failure of the whole job);
* ``failures``: failures the restart strategy counted; ``replayed_records``: per source vertex name, records
  emitted again after restores (each was emitted before by an earlier attempt).

BATCH jobs restart regions their own way (``snapshot["batch"]``): ``restarts`` is empty here.
"""
from __future__ import annotations

import copy
from typing import Any

from flowlab.runtime.job_runtime import JobRuntime


def recovery_snapshot(rt: JobRuntime) -> dict[str, Any]:
    jm = rt.jobmaster
    tracker = jm.restart_tracker
    recovery = jm.recovery
    return {
        "restart_strategy": tracker.strategy.name,
        "restart_strategy_description": tracker.describe(),
        "restart_strategy_configured": tracker.strategy.configured,
        "failover_strategy": jm.failover_strategy,
        "failures": tracker.failures,
        "restarts": [] if recovery is None else copy.deepcopy(recovery.restarts),
        "replayed_records": {} if recovery is None else recovery.replayed_records(),
    }
