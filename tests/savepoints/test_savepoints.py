"""Savepoints from the Simulation: Flink's layout, owned by the user, self-contained and relocatable,
stop-with-savepoint with and without drain, and time travel across a savepoint."""
from __future__ import annotations

import os
import shutil

import pytest

import flowlab
from flowlab.runtime.checkpointing.restore_source import read_restore_path
from flowlab.runtime.checkpointing.savepoints import SavepointError
from tests.savepoints.jobs import counting_env, final_counts, window_env


def _uninterrupted_counts() -> dict[str, int]:
    sim = flowlab.Simulation(counting_env(2, interval=0))
    sim.run()
    return final_counts(sim.outputs("out"))


def test_a_savepoint_is_written_in_flinks_layout_and_the_job_goes_on(tmp_path) -> None:
    sim = flowlab.Simulation(counting_env(2, str(tmp_path / "ck"), interval=100))
    sim.run(until_ms=250)
    path = sim.trigger_savepoint(str(tmp_path / "sp"))
    name = os.path.basename(path)
    assert os.path.dirname(path) == str(tmp_path / "sp")
    assert name.startswith(f"savepoint-{sim.job_id[:6]}-") and len(name) == len("savepoint-") + 6 + 1 + 12
    assert os.listdir(path) == ["_metadata"]
    assert sim.job_status == "RUNNING"
    sim.run()
    history = sim.checkpoints()
    assert history[["id", "type"]].values.tolist()[:4] == [
        [1, "CHECKPOINT"], [2, "CHECKPOINT"], [3, "Savepoint"], [4, "CHECKPOINT"]]
    _, contents = read_restore_path(path)
    assert (contents["type"], contents["savepoint_type"], contents["format_type"]) == ("SAVEPOINT", "Savepoint",
                                                                                        "CANONICAL")
    assert sim.job_status == "FINISHED"
    assert os.path.isdir(path)                       # the user's: the job never deletes it
    assert not [d for d in os.listdir(tmp_path / "ck" / sim.job_id) if d.startswith("chk-")]


def test_savepoints_work_with_checkpointing_off_and_default_to_the_configured_directory(tmp_path) -> None:
    sim = flowlab.Simulation(counting_env(2, interval=0, **{"execution.checkpointing.savepoint-dir": tmp_path}))
    sim.run(until_ms=250)
    path = sim.trigger_savepoint()
    assert os.path.dirname(path) == str(tmp_path)
    assert sim.checkpoints()[["id", "status", "type"]].values.tolist() == [[1, "COMPLETED", "Savepoint"]]
    sim.run()
    assert sim.job_status == "FINISHED"


def test_without_any_directory_flinks_message(tmp_path) -> None:
    sim = flowlab.Simulation(counting_env(2, interval=0))
    sim.run(until_ms=100)
    with pytest.raises(SavepointError) as err:
        sim.trigger_savepoint()
    assert str(err.value).startswith(
        "No savepoint directory configured. You can either specify a directory while cancelling via -s "
        ":targetDirectory or configure a cluster-wide default via key 'execution.checkpointing.savepoint-dir'.")


def test_a_savepoint_is_relocatable_and_restores_with_its_state_files(tmp_path) -> None:
    """State above the inline threshold goes to files next to _metadata, named relative to the folder: moved
    elsewhere, the savepoint restores just the same."""
    sim = flowlab.Simulation(counting_env(2, interval=0, **{"execution.checkpointing.data-inline-threshold": "10 b"}))
    sim.run(until_ms=250)
    path = sim.stop_with_savepoint(False, str(tmp_path / "sp"))
    assert len(os.listdir(path)) > 1
    moved = str(tmp_path / "elsewhere" / "my-savepoint")
    shutil.move(path, moved)
    restored = flowlab.Simulation(counting_env(3, interval=0, restore=moved))
    restored.run()
    assert final_counts(restored.outputs("out")) == _uninterrupted_counts()


def test_stop_with_savepoint_finishes_the_job_and_counts_continue_after_a_restore(tmp_path) -> None:
    sim = flowlab.Simulation(counting_env(2, interval=0))
    sim.run(until_ms=250)
    path = sim.stop_with_savepoint(savepoint_directory=str(tmp_path))
    assert sim.job_status == "FINISHED"
    t = sim.trace
    assert t[t.kind == "checkpoint_triggered"].detail.tolist() == [
        "CheckpointCoordinator triggers stop-with-savepoint 1 (no drain) at v1[0], v1[1]; 4 subtask(s) must "
        "acknowledge"]
    restored = flowlab.Simulation(counting_env(2, interval=0, restore=path))
    restored.run()
    assert final_counts(restored.outputs("out")) == _uninterrupted_counts()


def test_stop_with_savepoint_on_a_finished_job_is_refused(tmp_path) -> None:
    sim = flowlab.Simulation(counting_env(2, interval=0))
    sim.run()
    with pytest.raises(SavepointError) as err:
        sim.stop_with_savepoint(True, str(tmp_path))
    assert str(err.value) == (
        f"Job {sim.job_id} is FINISHED: a savepoint can only be taken of a running job (Flink: \"Could not find "
        "Flink job\" / \"is not in state RUNNING\"). Take it before the job ends, e.g. stop_with_savepoint(...) "
        "while it runs.")


def _windows(sim: flowlab.Simulation) -> list:
    return sorted(sim.outputs("out"))


def test_without_drain_open_windows_travel_in_the_savepoint(tmp_path) -> None:
    """Stopped at 1525 ms: nothing fires (no watermark came yet); restored, the windows fire at the end of the
    input with the records of both runs — exactly the sums of a run that was never stopped."""
    whole = flowlab.Simulation(window_env())
    whole.run()
    first = flowlab.Simulation(window_env())
    first.run(until_ms=1525)
    path = first.stop_with_savepoint(False, str(tmp_path))
    assert first.outputs("out") == []
    second = flowlab.Simulation(window_env(restore=path))
    second.run()
    assert _windows(second) == _windows(whole) == [("a", 10), ("a", 10), ("a", 10), ("b", 10), ("b", 10),
                                                     ("b", 10)]


def test_with_drain_every_window_fires_at_the_stop(tmp_path) -> None:
    """Drained at 1525 ms: the MAX watermark fires the windows [0,1000) and [1000,2000) (partly filled); the
    restored job's first watermark is Long.MIN_VALUE again, so the rest of [1000,2000) fires a second time."""
    first = flowlab.Simulation(window_env())
    first.run(until_ms=1525)
    path = first.stop_with_savepoint(True, str(tmp_path))
    assert _windows(first) == [("a", 6), ("a", 10), ("b", 5), ("b", 10)]
    second = flowlab.Simulation(window_env(restore=path))
    second.run()
    assert _windows(second) == [("a", 4), ("a", 10), ("b", 5), ("b", 10)]


def _files(path: str) -> dict[str, bytes]:
    out = {}
    for name in sorted(os.listdir(path)):
        with open(os.path.join(path, name), "rb") as f:
            out[name] = f.read()
    return out


def test_time_travel_across_a_savepoint_removes_and_rewrites_its_folder(tmp_path) -> None:
    sim = flowlab.Simulation(counting_env(2, interval=0, **{"execution.checkpointing.data-inline-threshold": "10 b"}),
                             snapshot_interval=20)
    sim.run(until_ms=250)
    before = sim.step_count
    path = sim.trigger_savepoint(str(tmp_path))
    written = _files(path)
    after = sim.step_count
    sim.goto(before)
    assert not os.path.exists(path)
    assert os.listdir(tmp_path) == []
    sim.goto(after)
    assert _files(path) == written
    sim.back(after - before)
    assert not os.path.exists(path)
    sim.run()
    assert _files(path) == written and sim.job_status == "FINISHED"
