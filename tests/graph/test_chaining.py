"""Operator chaining and slot sharing: ``build_job_graph``, ``chaining_verdict``, ``slots_needed`` (docs/flink-rules.md §4)."""
from __future__ import annotations

import json

import pytest

from flowlab.common import Types
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.graph.job_graph import build_job_graph, chaining_verdict
from flowlab.graph.stream_graph import GraphError


def _env(parallelism: int = 1) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    return env


def _names(env: StreamExecutionEnvironment) -> list[str]:
    return [v.name for v in env.get_job_graph().vertices]


def _edge(env: StreamExecutionEnvironment, source: str, target: str):
    sg = env.get_stream_graph()
    return next(e for e in sg.edges if e.source.name == source and e.target.name == target)


def test_forward_equal_parallelism_chains_source_map_sink():
    """Source, map and print at parallelism 1 form one task named like Flink's Web UI."""
    env = _env(1)
    env.from_collection([1, 2]).map(lambda x: x).print()
    assert _names(env) == ["Source: Collection Source -> Map -> Print to Std. Out"]


def test_chain_name_source_and_map():
    """The chain's name joins its operators with ' -> ', head first."""
    env = _env(1)
    env.from_collection([1, 2]).map(lambda x: x).map(lambda x: x).start_new_chain().print()
    assert _names(env) == ["Source: Collection Source -> Map", "Map -> Print to Std. Out"]


def test_forward_edge_verdict_is_none():
    """A FORWARD edge between equal parallelism is chainable: the verdict is None."""
    env = _env(1)
    env.from_collection([1]).map(lambda x: x).print()
    assert chaining_verdict(_edge(env, "Source: Collection Source", "Map")) is None


def test_different_parallelism_defaults_to_rebalance_and_does_not_chain():
    """Collection source (p=1) into a map at p=2: REBALANCE edge, two vertices."""
    env = _env(2)
    env.from_collection([1, 2]).map(lambda x: x).print()
    jg = env.get_job_graph()
    assert [v.name for v in jg.vertices] == ["Source: Collection Source", "Map -> Print to Std. Out"]
    assert [e.partitioner.name for e in jg.edges] == ["REBALANCE"]
    verdict = chaining_verdict(_edge(env, "Source: Collection Source", "Map"))
    assert "REBALANCE" in verdict and "not FORWARD" in verdict


def test_start_new_chain_breaks_before_the_operator():
    """start_new_chain() makes the map a chain head; the verdict names start_new_chain."""
    env = _env(1)
    env.from_collection([1]).map(lambda x: x).start_new_chain().print()
    assert _names(env) == ["Source: Collection Source", "Map -> Print to Std. Out"]
    assert "start_new_chain" in chaining_verdict(_edge(env, "Source: Collection Source", "Map"))


def test_disable_chaining_isolates_the_operator():
    """disable_chaining() on the map: neither input nor output edge chains."""
    env = _env(1)
    env.from_collection([1]).map(lambda x: x).disable_chaining().print()
    assert _names(env) == ["Source: Collection Source", "Map", "Print to Std. Out"]
    assert "disable_chaining" in chaining_verdict(_edge(env, "Map", "Print to Std. Out"))


def test_env_disable_operator_chaining_gives_one_vertex_per_operator():
    """env.disable_operator_chaining(): every operator is its own task."""
    env = _env(1)
    env.disable_operator_chaining()
    env.from_collection([1]).map(lambda x: x).filter(lambda x: True).print()
    assert _names(env) == ["Source: Collection Source", "Map", "Filter", "Print to Std. Out"]
    verdict = chaining_verdict(_edge(env, "Map", "Filter"), chaining_enabled=False)
    assert "disable_operator_chaining" in verdict


def test_different_slot_sharing_groups_do_not_chain():
    """A map in slot sharing group 'g2' after a 'default' source is a separate task."""
    env = _env(1)
    env.from_collection([1]).map(lambda x: x).slot_sharing_group("g2").print()
    jg = env.get_job_graph()
    assert [(v.name, v.slot_sharing_group) for v in jg.vertices] == [
        ("Source: Collection Source", "default"), ("Map -> Print to Std. Out", "g2")]
    verdict = chaining_verdict(_edge(env, "Source: Collection Source", "Map"))
    assert "slot sharing groups" in verdict and "'g2'" in verdict


def test_union_input_never_chains():
    """The operator after a union has two in-edges, so it heads its own task."""
    env = _env(1)
    a = env.from_collection([1])
    b = env.from_collection([2])
    a.union(b).map(lambda x: x).print()
    jg = env.get_job_graph()
    assert [v.name for v in jg.vertices] == ["Source: Collection Source", "Source: Collection Source",
                                              "Map -> Print to Std. Out"]
    verdict = chaining_verdict(_edge(env, "Source: Collection Source", "Map"))
    assert "2 inputs" in verdict


def test_key_by_breaks_the_chain_with_a_hash_edge():
    """key_by() at equal parallelism still puts a HASH edge (network) between the tasks."""
    env = _env(1)
    env.from_collection([1]).map(lambda x: x).key_by(lambda x: x).map(lambda x: x).print()
    jg = env.get_job_graph()
    assert [v.name for v in jg.vertices] == ["Source: Collection Source -> Map", "Map -> Print to Std. Out"]
    assert [e.partitioner.name for e in jg.edges] == ["HASH"]


def test_slots_needed_default_group_is_max_parallelism():
    """One slot sharing group: slots needed = the highest parallelism (3), not the sum."""
    env = _env(2)
    env.from_collection([1]).map(lambda x: x).set_parallelism(3).print()
    assert env.get_job_graph().slots_needed == 3


def test_slots_needed_sums_over_groups():
    """Groups default (max p 2) and 'heavy' (max p 4): 2 + 4 = 6 slots."""
    env = _env(2)
    ds = env.from_collection([1]).map(lambda x: x)
    ds.map(lambda x: x).set_parallelism(4).slot_sharing_group("heavy").print().set_parallelism(3)
    jg = env.get_job_graph()
    groups = {v.name: (v.slot_sharing_group, v.parallelism) for v in jg.vertices}
    assert groups["Print to Std. Out"] == ("heavy", 3)
    assert jg.slots_needed == 6


def test_explicit_forward_with_different_parallelism_raises_flink_message():
    """forward() between p=1 and p=2 is rejected with Flink's message."""
    env = _env(2)
    env.from_collection([1]).forward().map(lambda x: x).print()
    with pytest.raises(GraphError, match="Forward partitioning does not allow change of parallelism"):
        env.get_job_graph()


def test_execution_plan_json_has_ship_strategies():
    """get_execution_plan(): nodes with pact, parallelism and predecessors' ship_strategy."""
    env = _env(2)
    env.from_collection([1], Types.INT()).key_by(lambda x: x).map(lambda x: x).print()
    plan = json.loads(env.get_execution_plan())
    nodes = plan["nodes"]
    assert [n["type"] for n in nodes] == ["Source: Collection Source", "Map", "Print to Std. Out"]
    assert nodes[0]["pact"] == "Data Source" and nodes[2]["pact"] == "Data Sink"
    assert "predecessors" not in nodes[0]
    assert nodes[1]["predecessors"] == [{"id": nodes[0]["id"], "ship_strategy": "HASH", "side": "first"}]
    assert nodes[2]["predecessors"][0]["ship_strategy"] == "FORWARD"
    assert [n["parallelism"] for n in nodes] == [1, 2, 2]


def test_build_job_graph_marks_chained_edges():
    """build_job_graph on a StreamGraph marks exactly the intra-chain edges as chained."""
    env = _env(1)
    env.from_collection([1]).map(lambda x: x).rebalance().map(lambda x: x).print()
    jg = build_job_graph(env.get_stream_graph())
    assert [(e.source.name, e.target.name) for e in jg.chained_edges] == [
        ("Source: Collection Source", "Map"), ("Map", "Print to Std. Out")]
    assert [e.partitioner.name for e in jg.edges] == ["REBALANCE"]
