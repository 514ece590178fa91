"""A TaskManager: a worker process with a fixed number of task slots, and the MiniCluster's shape."""
from __future__ import annotations

import math
from typing import Any

from flowlab.common.config_values import read_duration_ms, read_int

REPLACEMENT_KEY = "flowlab.cluster.taskmanager-replacement-delay"


class TaskManager:
    """A worker with a fixed number of slots."""

    def __init__(self, tm_id: str, num_slots: int) -> None:
        self.id = tm_id
        self.slots: list[list[str]] = [[] for _ in range(num_slots)]   # subtask names per slot
        self.allocated: list[str | None] = [None] * num_slots         # slot sharing group slot id


def cluster_shape(conf: dict[str, Any], slots_needed: int) -> tuple[int, int]:
    """(number of TaskManagers, slots each): Flink's option names; by default enough slots for the job."""
    n_tms = read_int(conf, "minicluster.number-of-taskmanagers", 1, minimum=1)
    if "taskmanager.numberOfTaskSlots" in conf:
        slots = read_int(conf, "taskmanager.numberOfTaskSlots", 1, minimum=1)
    else:
        slots = max(1, math.ceil(slots_needed / n_tms))
    return n_tms, slots


def replacement_delay_us(conf: dict[str, Any]) -> int | None:
    """How long after a TaskManager is lost its replacement registers (flowlab extension: the deployment — a
    Kubernetes operator, YARN, a supervisor — starts a new TaskManager process; a MiniCluster has none). Default
    2 s; ``none`` (or ``never``/``off``): no replacement, so a job whose slots are gone waits for them until
    ``slot.request.timeout``."""
    raw = conf.get(REPLACEMENT_KEY, "2 s")
    if str(raw).strip().lower() in ("none", "never", "off"):
        return None
    return round(read_duration_ms(conf, REPLACEMENT_KEY, "2 s", minimum=0) * 1000)
