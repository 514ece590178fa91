"""The Simulation tells its listeners after every move, whoever made it, and holds them weakly."""
from __future__ import annotations

import gc

import flowlab
from flowlab.common import Types
from flowlab.datastream import StreamExecutionEnvironment


def _sim() -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection(list(range(20)), Types.INT()).map(lambda x: x + 1).print()
    return flowlab.Simulation(env, snapshot_interval=5)


class Recorder:
    def __init__(self) -> None:
        self.seen: list[int] = []

    def on_move(self, sim: flowlab.Simulation) -> None:
        self.seen.append(sim.step_count)


def test_every_move_notifies_once_with_the_new_position():
    """step, run(until_ms), back, goto and reset each notify exactly once, after the move."""
    sim = _sim()
    rec = Recorder()
    sim.add_listener(rec.on_move)
    sim.step(3)
    sim.goto(10)
    sim.back(4)
    sim.run(until_ms=0.5)
    at = sim.step_count
    sim.reset()
    assert rec.seen == [3, 10, 6, at, 0]


def test_a_listener_is_held_weakly():
    """A listener object nobody references any more is dropped, not called."""
    sim = _sim()
    rec = Recorder()
    sim.add_listener(rec.on_move)
    del rec
    gc.collect()
    sim.step()
    assert len(sim._listeners) == 0


def test_removed_listener_is_not_called():
    """remove_listener stops the calls."""
    sim = _sim()
    rec = Recorder()
    sim.add_listener(rec.on_move)
    sim.step()
    sim.remove_listener(rec.on_move)
    sim.step()
    assert rec.seen == [1]


def test_a_move_that_raises_is_not_announced_twice():
    """A move rejected by its arguments notifies nothing extra: the listener sees only the real moves."""
    sim = _sim()
    rec = Recorder()
    sim.add_listener(rec.on_move)
    sim.step(2)
    try:
        sim.step(-1)
    except ValueError:
        pass
    assert rec.seen == [2]
