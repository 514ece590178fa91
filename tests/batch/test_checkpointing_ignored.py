"""Checkpointing in BATCH is ignored, as in Flink 2.3: the job runs, and flowlab says so."""
from __future__ import annotations

import warnings

import flowlab
from flowlab.runtime.batch import CheckpointingIgnoredWarning
from tests.batch.jobs import env_in, kinds

NOTE = ("Checkpointing is ignored in BATCH mode (Flink 2.3 logs: \"Disabled Checkpointing. Checkpointing is not "
        "supported and not needed when executing jobs in BATCH mode.\"): no checkpoint is taken; a failed task is "
        "recovered by re-running its region from the materialised results of the stages before it.")


def _env(checkpoints: bool) -> flowlab.Simulation:
    env = env_in("BATCH", parallelism=2)
    if checkpoints:
        env.enable_checkpointing(10)
    env.from_collection([(f"k{i % 3}", 1) for i in range(300)]).key_by(lambda t: t[0]).sum(1) \
        .set_processing_cost(0.2).print()
    return env


def test_the_job_finishes_with_the_same_output_and_no_checkpoint() -> None:
    """Enabled checkpoints change nothing: same lines, no checkpoint events, an empty history."""
    with_cp, without = flowlab.Simulation(_env(True)), flowlab.Simulation(_env(False))
    with_cp.run()
    without.run()
    assert with_cp.job_status == "FINISHED"
    assert with_cp.printed_lines() == without.printed_lines() == ["1> ('k0', 100)", "2> ('k2', 100)",
                                                                  "1> ('k1', 100)"]
    assert not kinds(with_cp, "checkpoint_triggered", "barrier", "checkpoint_completed")
    assert len(with_cp.checkpoints()) == 0


def test_the_simulation_notes_it_from_the_start() -> None:
    """sim.notes holds the note before the first step; the end of run() repeats it."""
    sim = flowlab.Simulation(_env(True))
    assert sim.notes == [NOTE]
    assert sim.run().note == NOTE
    assert flowlab.Simulation(_env(False)).notes == []


def test_execute_warns() -> None:
    """env.execute() runs the job and warns with CheckpointingIgnoredWarning."""
    env = _env(True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = env.execute()
    assert [(w.category, str(w.message)) for w in caught] == [(CheckpointingIgnoredWarning, NOTE)]
    assert result.notes == [NOTE]
