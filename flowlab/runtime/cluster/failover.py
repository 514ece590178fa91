"""Which subtasks a STREAMING job restarts after a failure (``jobmanager.execution.failover-strategy``).

* ``region`` (the default): Flink's ``RestartPipelinedRegionFailoverStrategy``. A *pipelined region* is a set of
  subtasks connected by pipelined exchanges — in STREAMING every exchange is pipelined, so a region is a
  connected component of the subtask graph (its channels). A ``key_by``/``rebalance`` connects every subtask
  of both sides, so a connected job is one region and restarts whole; but two disconnected pipelines (or
  the parallel instances of a job made only of ``forward`` edges) are separate regions: a failure in one leaves
  the others running, on attempt 0, never re-processing anything.
* ``full``: Flink's ``RestartAllFailoverStrategy``: every subtask restarts.

An iteration's head and tail of the same subtask exchange records through memory, not a channel; they belong
to the same region. (BATCH computes its regions over blocking exchanges itself: ``batch.failover``.)
"""
from __future__ import annotations

from typing import Any

from flowlab.common.config_values import IllegalConfigurationException

FAILOVER_KEY = "jobmanager.execution.failover-strategy"
STRATEGIES = ("region", "full")

Key = tuple[str, int]          # (job vertex id, subtask index)


def failover_strategy(conf: dict[str, Any]) -> str:
    """``region`` (default) or ``full``; anything else fails the submission (Flink's text first)."""
    raw = conf.get(FAILOVER_KEY, "region")
    value = str(raw).strip().lower()
    if value not in STRATEGIES:
        raise IllegalConfigurationException(
            f"Unknown failover strategy: {raw}. Set {FAILOVER_KEY} to region (the default: restart only the "
            "pipelined region of the failed task) or full (restart every task).")
    return value


def pipelined_regions(job_graph: Any, tasks: dict[str, list[Any]]) -> list[list[Key]]:
    """The connected components of the subtask graph over its channels, each in job order (vertex, subtask),
    ordered by their first subtask."""
    order = [(v.id, i) for v in job_graph.vertices for i in range(len(tasks[v.id]))]
    parent = {k: k for k in order}
    rank = {k: n for n, k in enumerate(order)}

    def find(k: Key) -> Key:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: Key, b: Key) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb, key=rank.__getitem__)] = min(ra, rb, key=rank.__getitem__)

    for v in job_graph.vertices:
        for t in tasks[v.id]:
            for gate, edge in zip(t.gates, v.in_edges, strict=True):
                for ch in gate.channels:
                    union((edge.source.id, ch.producer), (v.id, t.index))
    heads = {(v.id, n.params["iteration"]) for v in job_graph.vertices for n in v.operators
             if n.kind == "source" and "iteration" in n.params}
    tails = {n.params["iteration"]: v.id for v in job_graph.vertices for n in v.operators
             if n.kind == "sink" and "iteration" in n.params}
    for head_vertex, loop in sorted(heads):
        tail_vertex = tails.get(loop)
        if tail_vertex is not None:
            for i in range(min(len(tasks[head_vertex]), len(tasks[tail_vertex]))):
                union((head_vertex, i), (tail_vertex, i))
    groups: dict[Key, list[Key]] = {}
    for k in order:
        groups.setdefault(find(k), []).append(k)
    return list(groups.values())


def subtasks_to_restart(strategy: str, regions: list[list[Key]], failed: list[Key], vertex_order: list[str]) \
        -> list[Key]:
    """The subtasks to restart for failures of ``failed``: their regions (``region``), or all (``full``); in job
    order (``vertex_order``, then subtask)."""
    hit = set(failed)
    chosen = [k for region in regions if strategy == "full" or hit & set(region) for k in region]
    rank = {vid: n for n, vid in enumerate(vertex_order)}
    return sorted(chosen, key=lambda k: (rank[k[0]], k[1]))
