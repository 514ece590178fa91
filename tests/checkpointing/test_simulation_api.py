"""What notebooks use: breakpoints on checkpoint events, the history frames, the snapshot, the notify hook."""
from __future__ import annotations

import json

import flowlab
from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream.functions import MapFunction
from flowlab.runtime.simulation.checkpoints import DETAIL_COLUMNS, HISTORY_COLUMNS
from flowlab.sources import GeneratorSource

from .jobs import env_with, keyed_sum


def test_break_on_checkpoint_completed_stops_at_each_completion() -> None:
    """run() stops in the step that completed checkpoint 1, then in the one that completed checkpoint 2."""
    sim = flowlab.Simulation(keyed_sum(env_with(2, interval=100)))
    sim.break_on("checkpoint_completed")
    sim.run()
    assert [(e.kind, e.data["checkpoint_id"]) for e in sim.last_events] == [
        ("checkpoint_ack", 1), ("checkpoint_completed", 1)]
    sim.run()
    assert [(e.kind, e.data["checkpoint_id"]) for e in sim.last_events] == [
        ("checkpoint_ack", 2), ("checkpoint_completed", 2)]


def test_break_on_the_barrier_reaching_an_operator_by_name() -> None:
    """break_on("barrier", vertex="count", checkpoint_id=2) stops when barrier 2 reaches the keyed sum."""
    sim = flowlab.Simulation(keyed_sum(env_with(2, interval=100)))
    sim.break_on("barrier", vertex="count", checkpoint_id=2, action="received")
    sim.run()
    hit = [e for e in sim.last_events if e.kind == "barrier"]
    assert [(e.vertex, e.data["checkpoint_id"], e.data["action"]) for e in hit] == [("v2", 2, "received")]
    assert hit[0].time_ms > 200


def test_the_history_frames_have_the_web_uis_columns() -> None:
    """checkpoints() and checkpoint_details(n) have their documented columns, also with checkpointing off."""
    sim = flowlab.Simulation(keyed_sum(env_with(2, interval=100)))
    sim.run(until_ms=150)
    assert tuple(sim.checkpoints().columns) == HISTORY_COLUMNS
    assert tuple(sim.checkpoint_details(1).columns) == DETAIL_COLUMNS
    off = flowlab.Simulation(keyed_sum(env_with(2, interval=None)))
    assert off.checkpoints().empty and tuple(off.checkpoints().columns) == HISTORY_COLUMNS


def test_an_in_progress_checkpoint_shows_its_acks_so_far() -> None:
    """Stopped at the first ack: checkpoint 1 is IN_PROGRESS with 1 of 4 acknowledged."""
    sim = flowlab.Simulation(keyed_sum(env_with(2, interval=100)))
    sim.break_on("checkpoint_ack")
    sim.run()
    row = sim.checkpoints().iloc[0]
    assert (row.status, row.acknowledged, row.subtasks) == ("IN_PROGRESS", 1, 4)


def test_the_snapshot_section_is_json() -> None:
    """snapshot()["checkpoints"] is plain JSON; with checkpointing off it says so."""
    sim = flowlab.Simulation(keyed_sum(env_with(2, interval=100)))
    sim.run(until_ms=130)
    section = json.loads(json.dumps(sim.snapshot()["checkpoints"]))
    assert (section["enabled"], section["mode"], section["focus"], section["retained"]) == (
        True, "EXACTLY_ONCE", 1, [])
    assert {c["source"] + "->" + c["target"] for c in section["channels"]} == {"v1->v2"}
    off = flowlab.Simulation(keyed_sum(env_with(2, interval=None)))
    assert off.snapshot()["checkpoints"] == {"enabled": False}


class Committer(MapFunction):
    """A function that hears about completed checkpoints (flowlab extension, Java's CheckpointListener)."""

    def __init__(self) -> None:
        self.completed: list[int] = []

    def map(self, value):
        return value

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        self.completed.append(checkpoint_id)


def test_notify_checkpoint_complete_reaches_user_functions() -> None:
    """Each subtask's copy of the function is told of every completed checkpoint, in order."""
    env = env_with(2, interval=100)
    src = env.from_source(GeneratorSource(lambda i: (i % 3, i), count=2000, records_per_second=5000),
                          WatermarkStrategy.no_watermarks(), "gen").set_parallelism(1)
    src.map(Committer(), output_type=Types.TUPLE([Types.INT(), Types.INT()])).add_sink(lambda v: None)
    sim = flowlab.Simulation(env)
    sim.run()
    completed = sim.checkpoints().query("status == 'COMPLETED'").id.tolist()
    copies = [t.operators[0].function for t in sim.runtime.tasks["v2"]]
    assert len(completed) >= 4 and [c.completed for c in copies] == [completed, completed]
