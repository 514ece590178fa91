"""Checkpoint storage: Flink's directory layout, inline and file state, retention when the job ends."""
from __future__ import annotations

import os

import pytest

import flowlab
from flowlab.datastream import ExternalizedCheckpointRetention
from flowlab.runtime.checkpointing import read_checkpoint

from .jobs import env_with, keyed_sum


def _listing(root: str) -> list[str]:
    out = []
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        out += [os.path.normpath(os.path.join(rel, x)) + "/" for x in dirs]
        out += [os.path.normpath(os.path.join(rel, f)) for f in files]
    return sorted(out)


def _sim(tmp_path, count: int = 2000, keys: int = 5, **conf) -> flowlab.Simulation:
    env = keyed_sum(env_with(2, interval=100, execution__checkpointing__dir=f"file://{tmp_path}", **conf),
                    count=count, keys=keys)
    return flowlab.Simulation(env)


def test_flinks_layout_with_state_inline_in_metadata(tmp_path) -> None:
    """<dir>/<job-id>/{shared,taskowned}/ and chk-<n>/_metadata; small state is inside _metadata."""
    sim = _sim(tmp_path)
    sim.run(until_ms=250)
    job_dir = tmp_path / sim.job_id
    assert len(sim.job_id) == 32 and _listing(str(tmp_path)) == sorted(
        [f"{sim.job_id}/", f"{sim.job_id}/shared/", f"{sim.job_id}/taskowned/", f"{sim.job_id}/chk-2/",
         f"{sim.job_id}/chk-2/_metadata"])
    assert open(job_dir / "chk-2" / "_metadata", "rb").read().startswith(b"FLOWLAB-CHECKPOINT-METADATA v1 ")


def test_larger_state_goes_into_a_file_next_to_metadata(tmp_path) -> None:
    """With a 1 KB inline threshold the keyed state of 200 keys is a state file named like a UUID."""
    sim = _sim(tmp_path, keys=200, execution__checkpointing__data___inline___threshold="1 kb")
    sim.run(until_ms=250)
    files = sorted(os.listdir(tmp_path / sim.job_id / "chk-2"))
    files.remove("_metadata")
    assert len(files) == 2 and all(len(f) == 36 and f.count("-") == 4 for f in files)
    state = read_checkpoint(str(tmp_path / sim.job_id / "chk-2"))
    count = next(o for o in state["operators"].values() if o["name"] == "count")
    values = {v for s in count["subtasks"].values() for g in s["state"]["keyed"].values()
              for _, _, v in g["states"]["_op_state"]}
    assert len(values) == 200


def test_metadata_is_renamed_into_place(tmp_path) -> None:
    """No ._metadata.inprogress.* file is left once a checkpoint completed."""
    sim = _sim(tmp_path)
    sim.break_on("checkpoint_completed")
    sim.run()
    assert os.listdir(tmp_path / sim.job_id / "chk-1") == ["_metadata"]


def test_num_retained_keeps_the_newest(tmp_path) -> None:
    """num-retained 2: after checkpoint 3 completed, chk-2 and chk-3 remain."""
    sim = _sim(tmp_path, execution__checkpointing__num___retained=2)
    sim.run(until_ms=350)
    assert sorted(os.listdir(tmp_path / sim.job_id)) == ["chk-2", "chk-3", "shared", "taskowned"]


def test_without_subdirectory(tmp_path) -> None:
    """create-subdir false writes chk-<n> straight into the directory."""
    sim = _sim(tmp_path, execution__checkpointing__create___subdir="false")
    sim.run(until_ms=150)
    assert sorted(os.listdir(tmp_path)) == ["chk-1", "shared", "taskowned"]


def test_jobmanager_storage_with_a_directory_writes_everything_inline(tmp_path) -> None:
    """Storage jobmanager plus a directory: only _metadata, holding all state, like Flink's externalized ones."""
    sim = _sim(tmp_path, keys=200, execution__checkpointing__storage="jobmanager",
               execution__checkpointing__data___inline___threshold="1 kb")
    sim.run(until_ms=250)
    assert os.listdir(tmp_path / sim.job_id / "chk-2") == ["_metadata"]
    assert sim.checkpoint_state(2)["checkpoint_id"] == 2


def test_jobmanager_storage_keeps_checkpoints_in_memory() -> None:
    """Without a directory nothing is written; the checkpoint reads back from memory."""
    env = keyed_sum(env_with(2, interval=100))
    sim = flowlab.Simulation(env)
    sim.run(until_ms=250)
    assert sim.checkpoints().path.tolist() == [None, None]
    assert sim.checkpoint_state(2)["job_id"] == sim.job_id


@pytest.mark.parametrize(("retention", "retained", "kept"), [
    (ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION, 1, ["chk-3"]),
    (ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION, 3, ["chk-1", "chk-2", "chk-3"]),
    (ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION, 1, []),
    (ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS, 1, []),
])
def test_cancel_keeps_or_deletes_per_retention(tmp_path, retention, retained: int, kept: list[str]) -> None:
    """sim.cancel() after checkpoint 3: RETAIN keeps num-retained chk dirs, the others delete them."""
    sim = _sim(tmp_path, count=20000, execution__checkpointing__num___retained=retained,
               execution__checkpointing__externalized___checkpoint___retention=retention.name)
    sim.run(until_ms=350)
    sim.cancel()
    assert sim.job_status == "CANCELED"
    assert sorted(os.listdir(tmp_path / sim.job_id)) == sorted(kept + ["shared", "taskowned"])


@pytest.mark.parametrize(("retention", "kept"), [
    (ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION, ["chk-2"]),
    (ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION, ["chk-2"]),
    (ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS, []),
])
def test_a_failed_job_keeps_its_externalized_checkpoints(tmp_path, retention, kept: list[str]) -> None:
    """A job that FAILED keeps its checkpoint unless checkpoints are not externalized."""
    sim = _sim(tmp_path, count=20000, restart___strategy__type="none",
               execution__checkpointing__externalized___checkpoint___retention=retention.name)
    sim.fail("count", 0, at_ms=250)
    sim.run()
    assert sim.job_status == "FAILED"
    assert sorted(os.listdir(tmp_path / sim.job_id)) == sorted(kept + ["shared", "taskowned"])


def test_a_finished_job_deletes_its_checkpoints_whatever_the_retention(tmp_path) -> None:
    """Every retention mode discards the checkpoints of a job that FINISHED."""
    sim = _sim(tmp_path, execution__checkpointing__externalized___checkpoint___retention="RETAIN_ON_CANCELLATION")
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sorted(os.listdir(tmp_path / sim.job_id)) == ["shared", "taskowned"]


def test_a_second_run_of_the_same_job_starts_from_a_clean_directory(tmp_path) -> None:
    """The job id comes from the seed and name: a new run removes the chk-* an earlier one retained."""
    first = _sim(tmp_path, count=20000, execution__checkpointing__externalized___checkpoint___retention="RETAIN_ON_CANCELLATION")
    first.run(until_ms=250)
    first.cancel()
    assert "chk-2" in os.listdir(tmp_path / first.job_id)
    second = _sim(tmp_path, count=20000)
    assert second.job_id == first.job_id
    assert sorted(os.listdir(tmp_path / second.job_id)) == ["shared", "taskowned"]
