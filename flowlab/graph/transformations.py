"""Transformations: what the user's API calls build (Flink's ``Transformation`` tree).

Physical transformations become StreamGraph nodes; virtual ones (partition, side output, union)
only shape the edges, exactly as in Flink's ``StreamGraphGenerator``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowlab.graph.partitioners import Partitioner

# Chaining strategies (Flink's ``ChainingStrategy``).
ALWAYS = "ALWAYS"
HEAD = "HEAD"
NEVER = "NEVER"
HEAD_WITH_SOURCES = "HEAD_WITH_SOURCES"


@dataclass(eq=False)
class Transformation:
    """One node of the user's program. ``kind`` names the runtime operator that executes it."""

    id: int
    name: str
    kind: str
    inputs: list[Transformation]
    output_type: Any = None
    parallelism: int = 1
    max_parallelism: int | None = None
    uid: str | None = None
    uid_hash: str | None = None
    chaining_strategy: str = ALWAYS
    slot_sharing_group: str | None = None
    processing_cost_us: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    # which physical input (1 or 2) each entry of ``inputs`` feeds, for two-input operators
    input_numbers: list[int] | None = None
    parallelism_fixed: bool = False  # e.g. from_collection, window_all: parallelism 1, not changeable
    bounded: bool = True

    @property
    def is_virtual(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.name!r}>"


@dataclass(eq=False)
class PartitionTransformation(Transformation):
    """A virtual node that changes how records are routed to the next operator."""

    partitioner: Partitioner | None = None

    @property
    def is_virtual(self) -> bool:
        return True


@dataclass(eq=False)
class SideOutputTransformation(Transformation):
    """A virtual node selecting the records an operator emitted to an ``OutputTag``."""

    tag: Any = None

    @property
    def is_virtual(self) -> bool:
        return True


@dataclass(eq=False)
class UnionTransformation(Transformation):
    """A virtual node merging several streams of the same type into one input."""

    @property
    def is_virtual(self) -> bool:
        return True
