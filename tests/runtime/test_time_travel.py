"""Time travel at scale: snapshots that share the run's logs, spacing by cost, no recursion limit."""
from __future__ import annotations

import copy

import flowlab
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime.deferred_copy import deep_copy_counted
from flowlab.runtime.shared_log import SharedLog
from flowlab.runtime.simulation.time_travel import KEEP, RECENT


def _rolling(n: int, parallelism: int = 1) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    (env.from_collection(range(n)).map(lambda i: (i % 50, 1)).key_by(lambda t: t[0])
        .reduce(lambda a, b: (a[0], a[1] + b[1])).print())
    return env


def test_shared_log_snapshot_is_a_mark_and_restoring_cuts_back() -> None:
    """A deep copy of a log keeps its length; deep-copying that again truncates the same list."""
    log = SharedLog([1, 2, 3])
    mark = copy.deepcopy(log)
    log.extend([4, 5])
    restored = copy.deepcopy(mark)
    assert restored is log and log == [1, 2, 3]


def test_back_restores_sink_rows_and_printed_lines_then_replays_them() -> None:
    """Going back cuts the shared logs to the past; stepping on appends exactly the same rows again."""
    sim = flowlab.Simulation(_rolling(400), snapshot_interval=10)
    sim.run()
    lines, rows = sim.printed_lines(), list(sim.runtime.sinks[next(iter(sim.runtime.sinks))].rows)
    sim.goto(sim.step_count * 3 // 4)
    cut = sim.printed_lines()
    assert 0 < len(cut) < len(lines) and cut == lines[:len(cut)]
    sim.run()
    assert sim.printed_lines() == lines
    assert list(sim.runtime.sinks[next(iter(sim.runtime.sinks))].rows) == rows


def test_snapshot_count_stays_bounded_and_spacing_follows_the_copy_cost() -> None:
    """A long run keeps at most KEEP + RECENT snapshots; consecutive ones lie at least min_interval apart."""
    sim = flowlab.Simulation(_rolling(20_000, parallelism=2), snapshot_interval=50)
    sim.run()
    steps = [s for s, _ in sim._travel.snapshots]
    assert len(steps) <= KEEP + RECENT
    assert steps[0] == 0 and all(b - a >= 50 for a, b in zip(steps, steps[1:]))
    _, visits = deep_copy_counted(sim.runtime)
    assert visits > 100           # the cost measure counts the objects a copy visits


def test_goto_far_back_then_forward_gives_the_same_digest() -> None:
    """goto(half) then run to the end reproduces the run exactly."""
    sim = flowlab.Simulation(_rolling(5_000, parallelism=2))
    sim.run()
    digest, end = sim.trace_digest(), sim.step_count
    sim.goto(end // 2)
    assert sim.step_count == end // 2
    sim.run()
    assert (sim.trace_digest(), sim.step_count) == (digest, end)


def test_a_chain_of_200_unchained_operators_travels_in_time() -> None:
    """Snapshots of a 200-task chain do not hit Python's recursion limit."""
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_collection(range(30))
    for _ in range(200):
        ds = ds.map(lambda x: x + 1).disable_chaining()
    ds.print()
    sim = flowlab.Simulation(env, snapshot_interval=20)
    sim.run(max_steps=3000)
    at = sim.step_count
    sim.back(500)
    assert sim.step_count == at - 500
    sim.run(max_steps=500)
    assert sim.step_count == at


def test_an_all_to_all_job_at_parallelism_32_travels_in_time() -> None:
    """32 x 32 channels between two vertices: snapshots and back() work."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(32)
    env.from_collection(range(2000)).rebalance().map(lambda x: x).key_by(lambda x: x % 7).map(lambda x: x).print()
    sim = flowlab.Simulation(env, snapshot_interval=20)
    sim.run()
    lines = sim.printed_lines()
    sim.goto(sim.step_count // 2)
    sim.run()
    assert sorted(sim.printed_lines()) == sorted(lines) and len(lines) == 2000


def test_going_back_keeps_a_snapshot_just_before_the_target() -> None:
    """After goto(k) a snapshot exists at k - min_interval, so the next back(1) replays fewer than min_interval steps."""
    sim = flowlab.Simulation(_rolling(4_000), snapshot_interval=50)
    sim.run(max_steps=6_000)
    sim.goto(4_321)
    steps = [s for s, _ in sim._travel.snapshots]
    assert steps[-1] == 4_271
    sim.back(1)
    assert sim.step_count == 4_320 and [s for s, _ in sim._travel.snapshots][-1] == 4_271
