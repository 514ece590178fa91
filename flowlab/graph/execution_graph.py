"""ExecutionGraph: one execution vertex per subtask and one channel per connected subtask pair.

All-to-all partitioners connect every producer subtask to every consumer subtask; FORWARD and
RESCALE are pointwise (``EdgeManagerBuildUtil.connectPointwise``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flowlab.graph.job_graph import JobEdge, JobGraph, JobVertex
from flowlab.graph.partitioners import pointwise_targets


@dataclass(eq=False)
class ExecutionVertex:
    """One parallel instance (subtask) of a job vertex."""

    def __deepcopy__(self, memo: dict) -> ExecutionVertex:
        return self   # built once, never mutated: snapshots share it

    vertex: JobVertex
    index: int

    @property
    def name(self) -> str:
        return f"{self.vertex.id}[{self.index}]"

    def __repr__(self) -> str:
        return f"<ExecutionVertex {self.name}>"


@dataclass(eq=False)
class EdgeWiring:
    """Which consumer subtasks each producer subtask of a job edge is connected to, and back."""

    def __deepcopy__(self, memo: dict) -> EdgeWiring:
        return self   # built once, never mutated: snapshots share it

    edge: JobEdge
    targets: list[list[int]]   # per producer subtask: consumer indices, ascending
    sources: list[list[int]]   # per consumer subtask: producer indices, ascending

    def __repr__(self) -> str:
        return f"<EdgeWiring {self.edge!r} {self.channel_count} channels>"

    @property
    def channel_count(self) -> int:
        return sum(len(t) for t in self.targets)


@dataclass(eq=False)
class ExecutionGraph:
    """The job expanded to subtasks and channels."""

    def __deepcopy__(self, memo: dict) -> ExecutionGraph:
        return self   # built once, never mutated: snapshots share it

    job_graph: JobGraph
    subtasks: dict[str, list[ExecutionVertex]] = field(default_factory=dict)
    wirings: list[EdgeWiring] = field(default_factory=list)

    def __repr__(self) -> str:
        n = sum(len(v) for v in self.subtasks.values())
        return f"<ExecutionGraph {n} subtasks, {sum(w.channel_count for w in self.wirings)} channels>"

    def all_subtasks(self) -> list[ExecutionVertex]:
        return [ev for v in self.job_graph.vertices for ev in self.subtasks[v.id]]


def build_execution_graph(job_graph: JobGraph) -> ExecutionGraph:
    eg = ExecutionGraph(job_graph)
    for v in job_graph.vertices:
        eg.subtasks[v.id] = [ExecutionVertex(v, i) for i in range(v.parallelism)]
    for e in job_graph.edges:
        n_src, n_dst = e.source.parallelism, e.target.parallelism
        if e.partitioner.pointwise:
            targets = [pointwise_targets(i, n_src, n_dst) for i in range(n_src)]
        else:
            targets = [list(range(n_dst)) for _ in range(n_src)]
        sources: list[list[int]] = [[] for _ in range(n_dst)]
        for i, ts in enumerate(targets):
            for j in ts:
                sources[j].append(i)
        eg.wirings.append(EdgeWiring(e, targets, sources))
    return eg
