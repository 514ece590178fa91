"""The barrier protocol per mode: which records are in the snapshot, blocking (aligned), none (at-least-once),
overtaken in-flight data stored as channel state (unaligned).

The job: source subtask 0 emits one 'a' a millisecond (flushed every millisecond); subtask 1 emits a burst of 800 'b' at 45 ms that
back-pressures it (1 KB buffers), so its barrier of checkpoint 1 (triggered at 50 ms) queues behind 'b's while
the barrier of subtask 0 arrives at once; one keyed-sum subtask reads both channels.
"""
from __future__ import annotations

from typing import Any

import flowlab
from flowlab.common import Duration

from .jobs import env_with, two_channels


def _sim(mode: str = "EXACTLY_ONCE", unaligned: bool = False, timeout_ms: int | None = None) -> flowlab.Simulation:
    env = env_with(1, interval=50, mode=mode, taskmanager__memory__segment___size="1kb",
                   execution__checkpointing__num___retained=10)
    env.set_buffer_timeout(1)
    if unaligned:
        env.get_checkpoint_config().enable_unaligned_checkpoints()
    if timeout_ms is not None:
        env.get_checkpoint_config().set_aligned_checkpoint_timeout(Duration.of_millis(timeout_ms))
    two_channels(env, fast=list(range(120)), slow=[45] * 800)
    return flowlab.Simulation(env)


def _cut(sim: flowlab.Simulation, n: int) -> tuple[dict[str, int], dict[int, int], dict[str, Any]]:
    """(counts per key in the snapshot, source positions, the checkpoint)."""
    state = sim.checkpoint_state(n)
    ops = {o["name"]: o for o in state["operators"].values()}
    counts = {k: v[1] for g in ops["count"]["subtasks"][0]["state"]["keyed"].values()
              for k, _, v in g["states"]["_op_state"]}
    positions = {i: s["state"]["operator"]["position"] for i, s in ops["Source: script"]["subtasks"].items()}
    return counts, positions, state


def _events(sim: flowlab.Simulation, kind: str, **data: Any) -> Any:
    t = sim.trace
    t = t[t.kind == kind]
    return t[t.data.apply(lambda d: all(d.get(k) == v for k, v in data.items()))]


# -- aligned ------------------------------------------------------------------------------------------------
def test_aligned_snapshot_holds_exactly_the_records_before_the_barriers() -> None:
    """Checkpoint 1 counts 51 'a' and 354 'b': exactly what the sources had emitted when they took it."""
    sim = _sim()
    sim.run(until_ms=120)
    counts, positions, _ = _cut(sim, 1)
    assert counts == {"a": 51, "b": 354} and positions == {0: 51, 1: 354}


def test_aligned_blocks_the_early_channel_until_the_late_barrier_arrives() -> None:
    """The channel from v1[0] is blocked from 53.43 to 65.77 ms; no record of it is processed meanwhile."""
    sim = _sim()
    sim.run(until_ms=120)
    blocked = _events(sim, "channel_blocked", checkpoint_id=1, **{"from": 0})
    unblocked = _events(sim, "channel_unblocked", checkpoint_id=1, **{"from": 0})
    (t0,), (t1,) = blocked.time_ms.tolist(), unblocked.time_ms.tolist()
    assert (t0, t1, unblocked.data.iloc[0]["blocked_ms"]) == (53.43, 65.77, 12.34)
    t = sim.trace
    during = t[(t.kind == "process") & (t.vertex == "v2") & (t.time_ms > t0) & (t.time_ms < t1)]
    assert len(during) > 100 and {d["from"] for d in during.data} == {1}
    assert sim.checkpoint_details(1).set_index("vertex").alignment_ms["v2"] == 12.34


def test_aligned_barrier_stops_its_producer_until_resumed() -> None:
    """While v2 aligns, v1[0]'s subpartition is blocked and its records wait at the sender."""
    sim = _sim()
    sim.break_on("channel_blocked")
    sim.run()
    sim.run(until_ms=60)
    channel = next(c for c in sim.snapshot()["checkpoints"]["channels"] if c["from"] == 0)
    assert channel["sender_blocked"] is True and channel["records"] >= 5
    sent = sim.trace[(sim.trace.kind == "buffer_sent") & (sim.trace.vertex == "v1") & (sim.trace.subtask == 0)]
    assert sent[(sent.time_ms > 51) & (sent.time_ms <= 60)].empty


def test_subtask_phases_while_aligning() -> None:
    """At the first channel_blocked the sources have acknowledged and the keyed subtask is aligning."""
    sim = _sim()
    sim.break_on("channel_blocked")
    sim.run()
    phases = {(s["vertex"], s["subtask"]): s["phase"] for s in sim.snapshot()["checkpoints"]["subtasks"]}
    assert phases == {("v1", 0): "acknowledged", ("v1", 1): "acknowledged", ("v2", 0): "aligning"}


# -- at-least-once ------------------------------------------------------------------------------------------
def test_at_least_once_never_blocks() -> None:
    """No channel is ever blocked."""
    sim = _sim("AT_LEAST_ONCE")
    sim.run(until_ms=120)
    assert _events(sim, "channel_blocked").empty and len(sim.checkpoints()) == 2


def test_at_least_once_snapshot_includes_records_after_the_early_barrier() -> None:
    """'a' records that came after v1[0]'s barrier, while v1[1]'s was still on its way, are in checkpoint 1:
    the count exceeds the source position by exactly the crossed records the details report."""
    sim = _sim("AT_LEAST_ONCE")
    sim.run(until_ms=120)
    counts, positions, _ = _cut(sim, 1)
    crossed = sim.checkpoint_details(1).set_index("vertex").crossed_records["v2"]
    assert counts["b"] == positions[1] and counts["a"] == positions[0] + crossed and crossed == 13


# -- unaligned ----------------------------------------------------------------------------------------------
def _channel_records(state: dict[str, Any], key: str) -> int:
    """Records of ``key`` in all channel state of the checkpoint (input of v2 and output of the sources)."""
    n = 0
    for cs in state["channel_state"].values():
        for _, _, elements in cs["input"] + cs["output"]:
            n += sum(1 for e in elements if type(e) is tuple and e[0][0] == key)
    return n


def test_unaligned_snapshot_plus_channel_state_is_the_cut() -> None:
    """State + the in-flight records stored with it = everything the sources emitted before the barriers."""
    sim = _sim(unaligned=True)
    sim.run(until_ms=120)
    counts, positions, state = _cut(sim, 1)
    assert counts["b"] < positions[1]
    assert counts["a"] + _channel_records(state, "a") == positions[0]
    assert counts["b"] + _channel_records(state, "b") == positions[1]


def test_unaligned_barrier_overtakes_and_is_fast() -> None:
    """The 'b' backlog is persisted (bytes reported) instead of waited for: no alignment, no blocking."""
    unaligned, aligned = _sim(unaligned=True), _sim()
    unaligned.run(until_ms=120)
    aligned.run(until_ms=120)
    row = unaligned.checkpoints().iloc[0]
    assert (bool(row.unaligned), row.in_flight_persisted > 0, row.alignment_ms) == (True, True, 0.0)
    assert row.duration_ms < aligned.checkpoints().duration_ms[0]
    assert _events(unaligned, "channel_blocked").empty


def test_aligned_checkpoint_timeout_switches_to_unaligned() -> None:
    """With a 3 ms aligned-checkpoint timeout checkpoint 1 starts aligned and turns unaligned."""
    sim = _sim(unaligned=True, timeout_ms=3)
    sim.run(until_ms=120)
    switched = _events(sim, "barrier", action="timeout", checkpoint_id=1)
    assert switched.vertex.tolist() == ["v2"]
    assert bool(sim.checkpoints().unaligned[0]) is True
    counts, positions, state = _cut(sim, 1)
    assert counts["b"] + _channel_records(state, "b") == positions[1]
