"""StreamGraph: one node per physical operator as the user wrote it (Flink's ``StreamGraphGenerator``).

Virtual transformations (partitioning, side outputs, union) are folded into edges. The default
partitioner is FORWARD between equal parallelism and REBALANCE otherwise; an explicit FORWARD
between different parallelism is rejected with Flink's message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from flowlab.graph import partitioners as P
from flowlab.graph.key_groups import check_parallelism, compute_default_max_parallelism
from flowlab.graph.runtime_mode import apply_mode, default_job_name, execution_mode
from flowlab.graph.transformations import (
    PartitionTransformation,
    SideOutputTransformation,
    Transformation,
    UnionTransformation,
)


class GraphError(ValueError):
    """The program cannot be turned into a job (Flink raises these while building the graph)."""


@dataclass(eq=False)
class StreamNode:
    """One physical operator with its settings resolved."""

    def __deepcopy__(self, memo: dict) -> StreamNode:
        return self   # built once, never mutated: snapshots share it

    id: int
    name: str
    kind: str
    parallelism: int
    max_parallelism: int
    max_parallelism_set: bool
    chaining_strategy: str
    slot_sharing_group: str
    uid: str | None
    processing_cost_us: int | None
    output_type: Any
    params: dict[str, Any]
    bounded: bool
    in_edges: list[StreamEdge] = field(default_factory=list)
    out_edges: list[StreamEdge] = field(default_factory=list)
    uid_hash: str | None = None
    # Flink's OperatorID (32 hex), set when the JobGraph is built (see ``operator_ids``): what checkpoints and
    # savepoints key state by; ``operator_id`` (``n<id>``) stays the readable id the trace and views use
    operator_hash: str = ""

    @property
    def is_source(self) -> bool:
        return self.kind == "source"

    @property
    def operator_id(self) -> str:
        return f"n{self.id}"

    def __repr__(self) -> str:
        return f"<StreamNode {self.operator_id} {self.name!r} p={self.parallelism}>"


@dataclass(eq=False)
class StreamEdge:
    """A data connection between two operators (before chaining)."""

    def __deepcopy__(self, memo: dict) -> StreamEdge:
        return self   # built once, never mutated: snapshots share it

    source: StreamNode
    target: StreamNode
    partitioner: P.Partitioner
    input_number: int = 1      # 1 or 2 for two-input operators
    side_output_tag: Any = None
    chained: bool = False       # set by the JobGraph builder
    chaining_enabled: bool = True   # the job-wide switch (env.disable_operator_chaining())

    def __repr__(self) -> str:
        tag = f" [{self.side_output_tag.tag_id}]" if self.side_output_tag is not None else ""
        return f"<StreamEdge {self.source.name}->{self.target.name} {self.partitioner}{tag}>"


@dataclass(eq=False)
class StreamGraph:
    """The program as a graph of operators; ``settings`` carries the job's configuration values."""

    def __deepcopy__(self, memo: dict) -> StreamGraph:
        return self   # built once, never mutated: snapshots share it

    job_name: str
    nodes: list[StreamNode]
    edges: list[StreamEdge]
    settings: dict[str, Any]

    def __repr__(self) -> str:
        return f"<StreamGraph {self.job_name!r}: {len(self.nodes)} operators, {len(self.edges)} edges>"

    def node(self, node_id: int) -> StreamNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def to_networkx(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        for n in self.nodes:
            g.add_node(n.id, name=n.name, kind=n.kind, parallelism=n.parallelism)
        for e in self.edges:
            g.add_edge(e.source.id, e.target.id, partitioner=e.partitioner.name)
        return g


def generate_stream_graph(transformations: list[Transformation], job_name: str | None,
                          settings: dict[str, Any]) -> StreamGraph:
    """Translate the environment's transformations into a StreamGraph (in the runtime mode it resolves:
    ``settings["execution_mode"]`` is BATCH or STREAMING, see ``flowlab.graph.runtime_mode``)."""
    physical = _reachable_physical(transformations)
    if not physical:
        raise GraphError("No operators defined in streaming topology. Cannot execute. "
                         "Add a source, some operators and a sink (e.g. ds.print()) before executing. "
                         "(Like Flink, env.execute() and execute_and_collect() clear the environment's "
                         "operators: build the job again, or create flowlab.Simulation(env) before executing.)")
    env_max_p = settings.get("max_parallelism", -1)
    nodes: dict[int, StreamNode] = {}
    for t in physical:
        max_p_set = t.max_parallelism is not None or env_max_p > 0
        max_p = t.max_parallelism or (env_max_p if env_max_p > 0 else
                                      compute_default_max_parallelism(t.parallelism))
        try:
            check_parallelism(t.parallelism, max_p)
        except ValueError as exc:
            raise GraphError(f"Operator '{t.name}': {exc}") from None
        nodes[t.id] = StreamNode(
            id=t.id, name=t.name, kind=t.kind, parallelism=t.parallelism, max_parallelism=max_p,
            max_parallelism_set=max_p_set, chaining_strategy=t.chaining_strategy,
            slot_sharing_group="", uid=t.uid, processing_cost_us=t.processing_cost_us,
            output_type=t.output_type, params=t.params, bounded=t.bounded, uid_hash=t.uid_hash)
    edges: list[StreamEdge] = []
    for t in physical:
        target = nodes[t.id]
        numbers = t.input_numbers or [1] * len(t.inputs)
        for inp, number in zip(t.inputs, numbers, strict=True):
            for src_id, partitioner, tag in _resolve(inp, None, None):
                source = nodes[src_id]
                edges.append(_make_edge(source, target, partitioner, number, tag))
    for e in edges:
        e.chaining_enabled = settings.get("chaining_enabled", True)
        e.source.out_edges.append(e)
        e.target.in_edges.append(e)
    ordered = [nodes[t.id] for t in physical]
    _assign_slot_sharing_groups(ordered, {t.id: t.slot_sharing_group for t in physical})
    _pair_iterations(ordered)
    settings = dict(settings)
    mode = execution_mode(settings.get("configuration", {}), [n for n in ordered if n.is_source])
    apply_mode(settings, mode)
    return StreamGraph(job_name or default_job_name(mode), ordered, edges, settings)


def _reachable_physical(transformations: list[Transformation]) -> list[Transformation]:
    """All physical transformations registered or used as inputs, in id (= creation) order."""
    seen: dict[int, Transformation] = {}
    stack = list(transformations)
    while stack:
        t = stack.pop()
        if t.id in seen:
            continue
        seen[t.id] = t
        stack.extend(t.inputs)
    return [t for _, t in sorted(seen.items()) if not t.is_virtual]


def _resolve(t: Transformation, partitioner: P.Partitioner | None,
             tag: Any) -> list[tuple[int, P.Partitioner | None, Any]]:
    """Walk through virtual nodes; the partitioner applied last (outermost) wins, as in Flink."""
    if isinstance(t, PartitionTransformation):
        return _resolve(t.inputs[0], partitioner or t.partitioner, tag)
    if isinstance(t, SideOutputTransformation):
        return _resolve(t.inputs[0], partitioner, tag if tag is not None else t.tag)
    if isinstance(t, UnionTransformation):
        out: list[tuple[int, P.Partitioner | None, Any]] = []
        for inp in t.inputs:
            out.extend(_resolve(inp, partitioner, tag))
        return out
    return [(t.id, partitioner, tag)]


def _make_edge(source: StreamNode, target: StreamNode, partitioner: P.Partitioner | None,
               number: int, tag: Any) -> StreamEdge:
    if partitioner is None:
        partitioner = P.FORWARD if source.parallelism == target.parallelism else P.REBALANCE
    elif partitioner.name == "FORWARD" and source.parallelism != target.parallelism:
        raise GraphError(
            "Forward partitioning does not allow change of parallelism. Upstream operation: "
            f"{source.name} parallelism: {source.parallelism}, downstream operation: {target.name} "
            f"parallelism: {target.parallelism} You must use another partitioning strategy, such as "
            "broadcast, rebalance, shuffle or global.")
    return StreamEdge(source, target, partitioner, number, tag)


def _assign_slot_sharing_groups(nodes: list[StreamNode], explicit: dict[int, str | None]) -> None:
    """Explicit group, else the inputs' group when they all agree, else "default"."""
    for n in nodes:
        group = explicit.get(n.id)
        if group is None:
            groups = [e.source.slot_sharing_group for e in n.in_edges]
            group = groups[0] if groups and all(g == groups[0] for g in groups) else "default"
        n.slot_sharing_group = group


def _pair_iterations(nodes: list[StreamNode]) -> None:
    """Each iteration head needs its tail; both join the feedback's slot sharing group (co-located).

    Flink's ``transformFeedback``: an iteration without feedback edges is an error, and the head and tail
    take the slot sharing group of the feedback streams, so subtask i of each lands in the same slot.
    """
    tails = {n.params["iteration"]: n for n in nodes if n.kind == "sink" and "iteration" in n.params}
    for head in nodes:
        if head.kind != "source" or "iteration" not in head.params:
            continue
        loop_id = head.params["iteration"]
        tail = tails.get(loop_id)
        if tail is None:
            raise GraphError(f"Iteration FeedbackTransformation{{id={loop_id}, name='Feedback', "
                             f"parallelism={head.parallelism}}} does not have any feedback edges. Close the loop "
                             "with it.close_with(feedback_stream) on the IterativeStream returned by iterate().")
        head.slot_sharing_group = tail.slot_sharing_group
