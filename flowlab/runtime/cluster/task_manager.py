"""A TaskManager: a worker process with a fixed number of task slots, and the MiniCluster's shape."""
from __future__ import annotations

import math
from typing import Any

from flowlab.common.config_values import read_int


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
