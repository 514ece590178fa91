"""``get_execution_plan()``: the StreamGraph as JSON shaped like Flink's ``JSONGenerator`` output."""
from __future__ import annotations

import json

from flowlab.graph.stream_graph import StreamGraph

_PACT = {"source": "Data Source", "sink": "Data Sink"}


def execution_plan(graph: StreamGraph) -> str:
    """Nodes with id, type, pact, contents, parallelism and predecessors (ship strategy), as Flink prints."""
    nodes = []
    for n in graph.nodes:
        node = {"id": n.id, "type": n.name, "pact": _PACT.get(n.kind, "Operator"),
                "contents": n.name, "parallelism": n.parallelism}
        if n.in_edges:
            node["predecessors"] = [{"id": e.source.id, "ship_strategy": e.partitioner.name,
                                     "side": "second" if e.input_number == 2 else "first"}
                                    for e in n.in_edges]
        nodes.append(node)
    return json.dumps({"nodes": nodes}, indent=2)
