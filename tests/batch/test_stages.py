"""Stages over blocking exchanges: results materialised before the next stage is deployed; slots."""
from __future__ import annotations

import flowlab
from flowlab.runtime.batch import stage_numbers
from tests.batch.jobs import env_in, kinds


def _job(mode: str = "BATCH", p: int = 2, **conf: str) -> flowlab.Simulation:
    env = env_in(mode, parallelism=p, **conf)
    (env.from_collection([(f"k{i % 3}", i) for i in range(30)]).rebalance().map(lambda t: t).name("double")
        .key_by(lambda t: t[0]).sum(1).print())
    sim = flowlab.Simulation(env)
    return sim


def _first(sim: flowlab.Simulation, kind: str, vertex: str, to: str | None = None) -> int:
    """The position in the trace of the first such event."""
    return next(i for i, e in enumerate(sim.events()) if e.kind == kind and e.vertex == vertex
                and (to is None or (e.data or {}).get("to") == to))


def test_stages_are_the_depth_in_blocking_exchanges() -> None:
    """Source 1, the map after rebalance 2, the keyed sum 3."""
    assert stage_numbers(_job().job_graph) == {"v1": 1, "v2": 2, "v3": 3}


def test_a_stage_is_scheduled_only_after_the_one_before_finished() -> None:
    """v2 becomes SCHEDULED only after v1 FINISHED, v3 only after both subtasks of v2 FINISHED."""
    sim = _job()
    sim.run()
    assert _first(sim, "task_state", "v1", "FINISHED") < _first(sim, "task_state", "v2", "SCHEDULED")
    last_v2 = max(i for i, e in enumerate(sim.events())
                  if e.kind == "task_state" and e.vertex == "v2" and e.data["to"] == "FINISHED")
    assert last_v2 < _first(sim, "task_state", "v3", "SCHEDULED")


def test_streaming_schedules_every_task_at_once() -> None:
    """The contrast: every vertex is RUNNING before the first record is emitted."""
    sim = _job("STREAMING")
    sim.run()
    first_emit = _first(sim, "source_emit", "v1")
    assert all(_first(sim, "task_state", v, "RUNNING") < first_emit for v in ("v1", "v2", "v3"))


def test_nothing_leaves_a_producer_before_its_consumer_runs() -> None:
    """A blocking result is sent only once the consumer subtask is RUNNING (then read with credits)."""
    sim = _job()
    sim.run()
    assert _first(sim, "buffer_sent", "v1") > _first(sim, "task_state", "v2", "RUNNING")
    assert _first(sim, "buffer_sent", "v2") > _first(sim, "task_state", "v3", "RUNNING")


def test_a_finished_stage_reports_its_materialised_result() -> None:
    """One stage event per vertex: records materialised and who reads them."""
    sim = _job()
    sim.run()
    assert [e.detail for e in kinds(sim, "stage")] == [
        "Source: Collection Source (stage 1) finished: 30 record(s) materialised in 1 result partition(s) for v2",
        "double (stage 2) finished: 30 record(s) materialised in 2 result partition(s) for v3",
        "Keyed Aggregation -> Print to Std. Out (stage 3) finished"]


def test_slots_are_given_back_and_reused_by_the_next_stage() -> None:
    """Two slots run all three stages: every finished subtask releases its slot, the next stage takes it."""
    sim = _job()
    sim.run()
    snap = sim.snapshot()["batch"]["slots"]
    assert (snap["needed"], snap["total"], snap["peak"], snap["in_use"]) == (2, 2, 2, 0)
    assert len(kinds(sim, "slot_released")) == 5
    assert sim.printed_lines() == ["1> ('k0', 135)", "2> ('k2', 155)", "1> ('k1', 145)"]


def test_one_slot_is_enough_subtasks_queue_for_it() -> None:
    """With a single slot the subtasks of a stage run one after another (all of subtask 1's output comes
    before subtask 2's); the results are the same."""
    sim = _job(taskmanager__numberOfTaskSlots="1")
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sim.snapshot()["batch"]["slots"]["peak"] == 1
    requested = [e.detail for e in kinds(sim, "slot_requested")]
    assert requested[1] == ("JobMaster requests 2 slot(s) for stage 2: v2[0], v2[1]; 1 slot(s) free now, so 1 of "
                            "them wait for a slot that a finishing subtask gives back")
    assert sim.printed_lines() == ["1> ('k0', 135)", "1> ('k1', 145)", "2> ('k2', 155)"]


def test_streaming_with_one_slot_cannot_start() -> None:
    """The contrast: STREAMING needs all its slots at once and fails with NoResourceAvailableException."""
    sim = _job("STREAMING", taskmanager__numberOfTaskSlots="1")
    sim.run()
    assert sim.job_status == "FAILED" and sim.failure.startswith("NoResourceAvailableException")


def test_the_snapshot_lists_stages_and_their_status() -> None:
    """Mid-run: stage 1 finished, 2 running, 3 waiting; the blocking edge counts its materialised records."""
    sim = _job()
    sim.run(until=lambda e: e.kind == "task_state" and e.vertex == "v2" and e.data["to"] == "RUNNING")
    batch = sim.snapshot()["batch"]
    assert [(s["stage"], s["status"]) for s in batch["stages"]] == [(1, "finished"), (2, "running"),
                                                                     (3, "waiting")]
    assert [(e["source"], e["blocking"], e["materialised_records"]) for e in batch["edges"]] == [
        ("v1", True, 30), ("v2", True, 0)]


def test_stepping_and_fast_forward_give_the_same_batch_run() -> None:
    """The same printed lines, end time and number of events with the trace on or off."""
    stepped, fast = _job(), flowlab.Simulation(_job().job_graph, record_trace=False)
    stepped.run()
    fast.run_to_result()
    assert (stepped.printed_lines(), stepped.now_us, stepped.runtime.recorder.count) == \
        (fast.printed_lines(), fast.now_us, fast.runtime.recorder.count)


def test_time_travel_replays_a_batch_run_with_a_restart_exactly() -> None:
    """back() and goto() into the middle of a BATCH run (with a region restart) replay the same events."""
    import warnings
    env = env_in("BATCH", parallelism=2, restart___strategy__type="fixed-delay")
    (env.from_collection([(f"k{i % 3}", i) for i in range(60)]).rebalance().map(lambda t: t).name("double")
        .key_by(lambda t: t[0]).sum(1).print())
    sim = flowlab.Simulation(env, snapshot_interval=20)
    sim.fail("double", 1, at_ms=0.5)
    sim.run()
    digest, steps, lines = sim.trace_digest(), sim.step_count, sim.printed_lines()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sim.goto(steps // 2)
        sim.back(7)
        sim.run()
    assert (sim.trace_digest(), sim.step_count, sim.printed_lines()) == (digest, steps, lines)
    assert len(kinds(sim, "region_restart")) == 1
