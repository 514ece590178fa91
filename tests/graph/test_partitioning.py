"""Physical partitioning: which consumer subtask receives which record (docs/flink-rules.md §4)."""
from __future__ import annotations

import flowlab
from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.functions import Partitioner
from flowlab.graph.key_groups import assign_key_to_parallel_operator, key_group_for
from flowlab.graph.partitioners import pointwise_targets
from flowlab.sources import GeneratorSource


def _env(parallelism: int) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    return env


def _routed(env: StreamExecutionEnvironment, seed: int = 0) -> dict:
    """Run to the end; ``{value: [subtasks of the sink that got it]}`` for the one sink."""
    sim = flowlab.Simulation(env, seed=seed)
    sim.run()
    assert sim.job_status == "FINISHED"
    (sink,) = sim.runtime.sinks.values()
    out: dict = {}
    for subtask, value, *_ in sink.rows:
        out.setdefault(value, []).append(subtask)
    return out


def _one_each(routed: dict) -> dict:
    assert all(len(v) == 1 for v in routed.values())
    return {k: v[0] for k, v in routed.items()}


def _generated(env: StreamExecutionEnvironment, count: int, parallelism: int):
    ds = env.from_source(GeneratorSource(count=count), WatermarkStrategy.no_watermarks(), "Gen")
    return ds.set_parallelism(parallelism)


def test_key_by_string_keys_a_and_b_go_to_subtask_1_at_p2():
    """PyFlink vectors: "a" -> key group 64, "b" -> 65 (max p 128), both owned by subtask 1 of 2."""
    env = _env(2)
    env.from_collection(["a", "b", "a"], Types.STRING()).key_by(lambda x: x, key_type=Types.STRING()) \
        .map(lambda x: x).print()
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    assert [key_group_for(k, 128, Types.STRING()) for k in ("a", "b")] == [64, 65]
    assert sim.printed_lines() == ["2> a", "2> b", "2> a"]


def test_key_by_integer_keys_route_by_key_group():
    """INT keys 0..3 at p=2 land on the subtasks their key groups dictate, the same on every run."""
    env = _env(2)
    env.from_collection([0, 1, 2, 3], Types.INT()).key_by(lambda x: x, key_type=Types.INT()).map(lambda x: x) \
        .print()
    expected = {k: assign_key_to_parallel_operator(k, 128, 2, Types.INT()) for k in range(4)}
    assert _one_each(_routed(env)) == expected
    assert len(set(expected.values())) == 2


def test_partition_custom_routes_by_user_function():
    """partition_custom(lambda key, n: key % n): value v goes to subtask v % 3."""
    env = _env(3)
    env.from_collection(list(range(7))).partition_custom(lambda key, n: key % n, lambda x: x) \
        .map(lambda x: x).print()
    assert _one_each(_routed(env)) == {v: v % 3 for v in range(7)}


def test_partition_custom_accepts_partitioner_class():
    """A Partitioner subclass routing everything to the last subtask."""
    class Last(Partitioner):
        def partition(self, key, num_partitions):
            return num_partitions - 1

    env = _env(3)
    env.from_collection(["x", "y"]).partition_custom(Last(), lambda x: x).map(lambda x: x).print()
    assert _one_each(_routed(env)) == {"x": 2, "y": 2}


def test_broadcast_duplicates_to_every_subtask():
    """broadcast(): each record reaches all 3 consumer subtasks exactly once."""
    env = _env(3)
    env.from_collection([10, 20]).broadcast().map(lambda x: x).print()
    routed = _routed(env)
    assert {k: sorted(v) for k, v in routed.items()} == {10: [0, 1, 2], 20: [0, 1, 2]}


def test_global_sends_everything_to_subtask_0():
    """global(): every record to consumer subtask 0."""
    env = _env(3)
    _generated(env, 9, 3).global_().map(lambda x: x).print()
    assert _one_each(_routed(env)) == {v: 0 for v in range(9)}


def test_rescale_2_to_4_wiring_and_round_robin_from_first():
    """Producer 0 feeds 0,1 and producer 1 feeds 2,3, each round robin starting at its first consumer."""
    env = _env(4)
    _generated(env, 8, 2).rescale().map(lambda x: x).print()
    # generator subtask s emits s, s+2, s+4, ...
    assert _one_each(_routed(env)) == {0: 0, 2: 1, 4: 0, 6: 1, 1: 2, 3: 3, 5: 2, 7: 3}


def test_rescale_edges_are_pointwise_in_the_execution_graph():
    """The rescale edge 2->4 has 4 channels (not 8): (0,0) (0,1) (1,2) (1,3)."""
    env = _env(4)
    _generated(env, 8, 2).rescale().map(lambda x: x).print()
    sim = flowlab.Simulation(env)
    (edge,) = sim.snapshot()["edges"]
    assert [(c["from"], c["to"]) for c in edge["channels"]] == [(0, 0), (0, 1), (1, 2), (1, 3)]


def _rebalance_assignment(seed: int) -> dict:
    env = _env(4)
    env.from_collection(list(range(12))).rebalance().map(lambda x: x).print()
    return _one_each(_routed(env, seed))


def test_rebalance_is_round_robin_from_a_start():
    """Record i goes to (start + 1 + i) % 4 for one start value."""
    got = _rebalance_assignment(0)
    start = (got[0] - 1) % 4
    assert got == {i: (start + 1 + i) % 4 for i in range(12)}


def test_rebalance_same_seed_same_assignment():
    """The random start comes from the seed: two runs with seed 3 agree."""
    assert _rebalance_assignment(3) == _rebalance_assignment(3)


def test_rebalance_start_depends_on_seed():
    """Across seeds 0..7 the first record does not always land on the same subtask."""
    firsts = {_rebalance_assignment(seed)[0] for seed in range(8)}
    assert len(firsts) > 1


def _shuffle_assignment(seed: int) -> dict:
    env = _env(4)
    env.from_collection(list(range(40))).shuffle().map(lambda x: x).print()
    return _one_each(_routed(env, seed))


def test_shuffle_same_seed_same_assignment():
    """shuffle() is random but seeded: the same seed gives the same routing."""
    assert _shuffle_assignment(5) == _shuffle_assignment(5)


def test_shuffle_differs_between_seeds_and_uses_all_channels():
    """Seeds 1 and 2 route 40 records differently, and all 4 subtasks receive some."""
    a, b = _shuffle_assignment(1), _shuffle_assignment(2)
    assert a != b
    assert set(a.values()) == {0, 1, 2, 3}


def test_forward_is_one_to_one():
    """forward() at equal parallelism: generator subtask s's records stay on subtask s."""
    env = _env(2)
    _generated(env, 6, 2).forward().map(lambda x: x).disable_chaining().print()
    assert _one_each(_routed(env)) == {v: v % 2 for v in range(6)}


def test_pointwise_targets_4_to_2():
    """4 producers -> 2 consumers: producers 0,1 feed consumer 0; 2,3 feed consumer 1."""
    assert [pointwise_targets(i, 4, 2) for i in range(4)] == [[0], [0], [1], [1]]


def test_pointwise_targets_2_to_4():
    """2 producers -> 4 consumers: 0 -> {0,1}, 1 -> {2,3}."""
    assert [pointwise_targets(i, 2, 4) for i in range(2)] == [[0, 1], [2, 3]]


def test_pointwise_targets_3_to_2():
    """3 -> 2 (connectPointwise): consumer j reads [j*3//2, (j+1)*3//2): 0 <- {0}, 1 <- {1, 2}."""
    assert [pointwise_targets(i, 3, 2) for i in range(3)] == [[0], [1], [1]]


def test_pointwise_targets_equal_is_identity():
    """3 -> 3: producer i feeds consumer i only."""
    assert [pointwise_targets(i, 3, 3) for i in range(3)] == [[0], [1], [2]]


def test_tuple_keys_with_equal_but_differently_typed_fields_route_as_java_would():
    """(1, 'x') and (1.0, 'x') are equal in Python but hash as Row(LONG, STRING) / Row(DOUBLE, STRING)."""
    from flowlab.graph.key_groups import assign_key_to_parallel_operator
    from flowlab.runtime.network.partitioning import KeyGroupSelector
    sel = KeyGroupSelector(lambda v: v, None, 128, 4)
    expected = [assign_key_to_parallel_operator(k, 128, 4) for k in [(1, "x"), (1.0, "x")]]
    assert expected[0] != expected[1]
    assert [sel.select((1, "x"))[0], sel.select((1.0, "x"))[0]] == expected
