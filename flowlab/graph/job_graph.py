"""JobGraph: operators chained into job vertices (tasks) by Flink's chaining rules.

``is_chainable`` is ``StreamingJobGraphGenerator.isChainable``: the downstream operator has exactly
one input edge, chaining is enabled, both are in the same slot sharing group, the strategies allow
it (upstream not NEVER; downstream ALWAYS, or HEAD_WITH_SOURCES right after a source), the edge is
FORWARD, and parallelism (and max parallelism) are equal. One chain = one task = one thread.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from flowlab.graph.operator_ids import assign_operator_ids
from flowlab.graph.stream_graph import StreamEdge, StreamGraph, StreamNode
from flowlab.graph.transformations import ALWAYS, HEAD_WITH_SOURCES, NEVER


def chaining_verdict(edge: StreamEdge, chaining_enabled: bool | None = None) -> str | None:
    """Why ``edge`` cannot be chained, or None when it can (the lessons quote these reasons).

    flowlab extension (an analysis helper; PyFlink 2.3 has no such function).

    ``chaining_enabled`` defaults to the job's own setting, recorded on the edge."""
    up, down = edge.source, edge.target
    if chaining_enabled is None:
        chaining_enabled = edge.chaining_enabled
    if len(down.in_edges) != 1:
        return f"'{down.name}' has {len(down.in_edges)} inputs; only single-input operators chain"
    if not chaining_enabled:
        return "operator chaining is disabled for the whole job (disable_operator_chaining)"
    for node in (up, down):
        if "iteration" in node.params and node.kind in ("source", "sink"):
            return f"'{node.name}' is an iteration head or tail: Flink runs it as a task of its own"
    if up.slot_sharing_group != down.slot_sharing_group:
        return (f"different slot sharing groups ('{up.slot_sharing_group}' vs "
                f"'{down.slot_sharing_group}')")
    if up.chaining_strategy == NEVER:
        return f"'{up.name}' has chaining disabled (disable_chaining)"
    if down.chaining_strategy == NEVER:
        return f"'{down.name}' has chaining disabled (disable_chaining)"
    if down.chaining_strategy == HEAD_WITH_SOURCES and not up.is_source:
        return f"'{down.name}' only chains directly after a source"
    if down.chaining_strategy not in (ALWAYS, HEAD_WITH_SOURCES):
        return f"'{down.name}' starts a new chain (start_new_chain)"
    if edge.partitioner.name != "FORWARD":
        return f"the edge is {edge.partitioner.name}, not FORWARD: records cross the network"
    if up.parallelism != down.parallelism:
        return f"parallelism differs ({up.parallelism} vs {down.parallelism})"
    if up.max_parallelism != down.max_parallelism and (up.max_parallelism_set or down.max_parallelism_set):
        return f"max parallelism differs ({up.max_parallelism} vs {down.max_parallelism})"
    return None


@dataclass(eq=False)
class JobVertex:
    """A task: a chain of operators that runs in one thread per subtask."""

    def __deepcopy__(self, memo: dict) -> JobVertex:
        return self   # built once, never mutated: snapshots share it

    id: str
    operators: list[StreamNode]           # chain order (head first, then depth-first)
    parallelism: int
    max_parallelism: int
    slot_sharing_group: str
    in_edges: list[JobEdge] = field(default_factory=list)
    out_edges: list[JobEdge] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<JobVertex {self.id} {self.name!r} p={self.parallelism}>"

    @property
    def head(self) -> StreamNode:
        return self.operators[0]

    @property
    def name(self) -> str:
        return " -> ".join(op.name for op in self.operators)

    @property
    def is_source(self) -> bool:
        return self.head.is_source


@dataclass(eq=False)
class JobEdge:
    """A network connection between two tasks: one intermediate result, one input gate."""

    def __deepcopy__(self, memo: dict) -> JobEdge:
        return self   # built once, never mutated: snapshots share it

    index: int
    source: JobVertex
    target: JobVertex
    stream_edge: StreamEdge

    def __repr__(self) -> str:
        return f"<JobEdge {self.source.id}->{self.target.id} {self.partitioner}>"

    @property
    def partitioner(self) -> Any:
        return self.stream_edge.partitioner


@dataclass(eq=False)
class JobGraph:
    """Job vertices and edges plus the job's settings; ``slots_needed`` per Flink's slot sharing."""

    def __deepcopy__(self, memo: dict) -> JobGraph:
        return self   # built once, never mutated: snapshots share it

    job_name: str
    stream_graph: StreamGraph
    vertices: list[JobVertex]
    edges: list[JobEdge]
    chained_edges: list[StreamEdge]
    settings: dict[str, Any]

    def __repr__(self) -> str:
        tasks = "; ".join(f"{v.id}: {v.name} (p={v.parallelism})" for v in self.vertices)
        return f"<JobGraph {self.job_name!r} — {tasks}; {self.slots_needed} slot(s) needed>"

    def vertex_of(self, node: StreamNode) -> JobVertex:
        for v in self.vertices:
            if node in v.operators:
                return v
        raise KeyError(node.name)

    def vertex(self, ref: str) -> JobVertex:
        """Find a vertex by id ("v2"), by exact name or by the name of one of its operators."""
        for v in self.vertices:
            if ref in (v.id, v.name):
                return v
        matches = [v for v in self.vertices if any(op.name == ref for op in v.operators)]
        if len(matches) == 1:
            return matches[0]
        names = ", ".join(f"{v.id} ({v.name})" for v in self.vertices)
        raise KeyError(f"no single job vertex matches {ref!r}; vertices: {names}")

    @property
    def execution_mode(self) -> str:
        """``STREAMING`` or ``BATCH``: ``execution.runtime-mode`` as resolved for this job (AUTOMATIC decided)."""
        return self.settings.get("execution_mode", "STREAMING")

    @property
    def slots_needed(self) -> int:
        """Σ over slot sharing groups of the highest parallelism in the group; in BATCH the highest parallelism
        of one vertex, as its stages run one after another and each subtask's slot is freed when it finishes."""
        if self.execution_mode == "BATCH":
            return max(v.parallelism for v in self.vertices)
        per_group: dict[str, int] = {}
        for v in self.vertices:
            per_group[v.slot_sharing_group] = max(per_group.get(v.slot_sharing_group, 0), v.parallelism)
        return sum(per_group.values())

    def to_networkx(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        for v in self.vertices:
            g.add_node(v.id, name=v.name, parallelism=v.parallelism)
        for e in self.edges:
            g.add_edge(e.source.id, e.target.id, partitioner=e.partitioner.name)
        return g


def build_job_graph(stream_graph: StreamGraph) -> JobGraph:
    """Chain the StreamGraph's operators into job vertices."""
    enabled = stream_graph.settings.get("chaining_enabled", True)
    chained: list[StreamEdge] = []
    head_of: dict[int, StreamNode] = {}
    for node in stream_graph.nodes:               # ids are creation order, i.e. topological
        chain_edge = None
        if len(node.in_edges) == 1 and chaining_verdict(node.in_edges[0], enabled) is None:
            chain_edge = node.in_edges[0]
        if chain_edge is None:
            head_of[node.id] = node
        else:
            head_of[node.id] = head_of[chain_edge.source.id]
            chain_edge.chained = True
            chained.append(chain_edge)
    vertices: list[JobVertex] = []
    vertex_by_head: dict[int, JobVertex] = {}
    for node in stream_graph.nodes:
        if head_of[node.id] is node:
            v = JobVertex(f"v{len(vertices) + 1}", _chain_order(node, head_of), node.parallelism,
                          node.max_parallelism, node.slot_sharing_group)
            vertex_by_head[node.id] = v
            vertices.append(v)
    edges: list[JobEdge] = []
    for e in stream_graph.edges:
        if e.chained:
            continue
        src = vertex_by_head[head_of[e.source.id].id]
        dst = vertex_by_head[head_of[e.target.id].id]
        je = JobEdge(len(edges), src, dst, e)
        edges.append(je)
        src.out_edges.append(je)
        dst.in_edges.append(je)
    assign_operator_ids(stream_graph.nodes, {n.id: [chaining_verdict(e, enabled) is None for e in n.out_edges]
                                             for n in stream_graph.nodes})
    return JobGraph(stream_graph.job_name, stream_graph, vertices, edges, chained, stream_graph.settings)


def with_max_parallelism(job_graph: JobGraph, overrides: dict[int, int]) -> JobGraph:
    """The same job with the max parallelism of some operators (node id -> value) replaced: what Flink does when
    it restores state into operators whose max parallelism was derived, not set (the stored one wins)."""
    old = job_graph.stream_graph
    nodes = {n.id: dataclasses.replace(n, max_parallelism=overrides.get(n.id, n.max_parallelism), in_edges=[],
                                       out_edges=[], operator_hash="") for n in old.nodes}
    edges = [dataclasses.replace(e, source=nodes[e.source.id], target=nodes[e.target.id], chained=False)
             for e in old.edges]
    for e in edges:
        e.source.out_edges.append(e)
        e.target.in_edges.append(e)
    return build_job_graph(StreamGraph(old.job_name, [nodes[n.id] for n in old.nodes], edges, old.settings))


def _chain_order(head: StreamNode, head_of: dict[int, StreamNode]) -> list[StreamNode]:
    """Operators of one chain: the head first, then its chained successors depth-first."""
    order: list[StreamNode] = []
    stack = [head]
    while stack:
        n = stack.pop()
        order.append(n)
        nxt = [e.target for e in n.out_edges
               if head_of[e.target.id] is head and e.target.in_edges == [e]]
        stack.extend(reversed(nxt))
    return order
