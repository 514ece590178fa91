"""Partitioner descriptions: which downstream channel a record goes to (Flink's ``StreamPartitioner``s).

These are inert descriptions used by the graph; the runtime builds the live channel selectors.
``pointwise`` partitioners connect each producer to a subset of consumers (Flink's POINTWISE
distribution pattern); all others connect every producer subtask to every consumer subtask.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Partitioner:
    """A partitioning strategy. ``name`` is what Flink's Web UI and plan JSON show."""

    name: str
    pointwise: bool = False
    key_selector: Any = field(default=None, compare=False)
    key_type: Any = field(default=None, compare=False)
    custom: Any = field(default=None, compare=False)

    @property
    def is_keyed(self) -> bool:
        return self.name == "HASH"

    def __str__(self) -> str:
        return self.name


FORWARD = Partitioner("FORWARD", pointwise=True)
RESCALE = Partitioner("RESCALE", pointwise=True)
REBALANCE = Partitioner("REBALANCE")
SHUFFLE = Partitioner("SHUFFLE")
BROADCAST = Partitioner("BROADCAST")
GLOBAL = Partitioner("GLOBAL")


def hash_partitioner(key_selector: Any, key_type: Any = None) -> Partitioner:
    """``key_by``: Flink's ``KeyGroupStreamPartitioner`` (key -> key group -> subtask)."""
    return Partitioner("HASH", key_selector=key_selector, key_type=key_type)


def custom_partitioner(partitioner: Any, key_selector: Any) -> Partitioner:
    """``partition_custom``: Flink's ``CustomPartitionerWrapper`` (``partition(key, n)``)."""
    return Partitioner("CUSTOM", key_selector=key_selector, custom=partitioner)


def pointwise_targets(producer: int, n_producers: int, n_consumers: int) -> list[int]:
    """Consumer subtasks one producer feeds on a pointwise edge (``EdgeManagerBuildUtil.connectPointwise``)."""
    if n_producers == n_consumers:
        return [producer]
    if n_producers > n_consumers:
        # consumer j reads producers [j*src/dst, (j+1)*src/dst)
        return [j for j in range(n_consumers)
                if j * n_producers // n_consumers <= producer < (j + 1) * n_producers // n_consumers]
    start = (producer * n_consumers + n_producers - 1) // n_producers
    end = ((producer + 1) * n_consumers + n_producers - 1) // n_producers
    return list(range(start, end))
