"""Bad checkpoint settings and damaged checkpoint files get clear errors."""
from __future__ import annotations

import os

import pytest

import flowlab
from flowlab.runtime import JobExecutionException
from flowlab.runtime.checkpointing import (
    CheckpointConfigError,
    CheckpointFileError,
    CheckpointStorageError,
    read_checkpoint,
)
from flowlab.runtime.state.snapshot_codec import PickleRefusedError

from .jobs import env_with, keyed_sum


def _sim(env) -> flowlab.Simulation:
    return flowlab.Simulation(env)


def test_unknown_checkpoint_storage() -> None:
    """An unknown storage name lists the two flowlab knows."""
    env = keyed_sum(env_with(execution__checkpointing__storage="s3"))
    with pytest.raises(CheckpointConfigError, match=r"Unknown checkpoint storage 's3' \(execution.checkpointing.storage\)"
                       r"\. flowlab knows 'jobmanager' .* and 'filesystem'"):
        _sim(env)


def test_filesystem_storage_needs_a_directory() -> None:
    """'filesystem' without execution.checkpointing.dir says which key to set."""
    env = keyed_sum(env_with(execution__checkpointing__storage="filesystem"))
    with pytest.raises(CheckpointConfigError, match="needs a directory: set execution.checkpointing.dir"):
        _sim(env)


def test_a_checkpoint_directory_that_cannot_be_written(tmp_path) -> None:
    """A directory below a regular file cannot be created: the job does not start, the path is named."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    env = keyed_sum(env_with(execution__checkpointing__dir=f"file://{blocker}/ckpts"))
    with pytest.raises(CheckpointStorageError) as err:
        env.execute()
    assert str(err.value).startswith(f"Cannot create the checkpoint storage at '{blocker}/ckpts/")
    assert "Choose a directory this process may write (execution.checkpointing.dir" in str(err.value)


def test_only_local_directories() -> None:
    """An s3:// directory is refused: flowlab writes local files only."""
    env = keyed_sum(env_with(execution__checkpointing__dir="s3://bucket/ckpts"))
    with pytest.raises(CheckpointConfigError, match="flowlab writes checkpoints to the local file system only"):
        _sim(env)


def test_unaligned_needs_exactly_once() -> None:
    """Unaligned checkpoints with AT_LEAST_ONCE are refused (Flink would silently fall back)."""
    env = keyed_sum(env_with(mode="AT_LEAST_ONCE"))
    env.get_checkpoint_config().enable_unaligned_checkpoints()
    with pytest.raises(CheckpointConfigError, match=r"^Unaligned checkpoints can only be used with checkpointing mode "
                       "EXACTLY_ONCE, but the mode is AT_LEAST_ONCE"):
        _sim(env)


def test_unaligned_needs_one_checkpoint_at_a_time() -> None:
    """Unaligned checkpoints with max-concurrent-checkpoints 2 are refused with Flink's reason."""
    env = keyed_sum(env_with())
    env.get_checkpoint_config().enable_unaligned_checkpoints().set_max_concurrent_checkpoints(2)
    with pytest.raises(CheckpointConfigError, match=r"max-concurrent-checkpoints = 1, but it is 2 \(Flink: "
                       "\"maxConcurrentCheckpoints can't be > 1 if UnalignedCheckpoints enabled\"\\)"):
        _sim(env)


def test_iterations_are_not_checkpointed() -> None:
    """A job with iterate() and checkpointing is refused, as Flink refuses it by default."""
    env = env_with(1)
    it = env.from_collection([5, 6]).iterate(max_wait_time_ms=10)
    body = it.map(lambda x: x - 1)
    it.close_with(body.filter(lambda x: x > 0))
    body.print()
    with pytest.raises(CheckpointConfigError, match=r"^Checkpointing is not supported for iterative jobs"):
        _sim(env)


def test_custom_partitioners_refuse_unaligned_unless_forced() -> None:
    """partition_custom with unaligned checkpoints is refused; forcing them is accepted."""
    def build(force: bool):
        env = env_with(2)
        env.get_checkpoint_config().enable_unaligned_checkpoints().set_force_unaligned_checkpoints(force)
        env.from_collection(list(range(10))).partition_custom(lambda k, n: k % n, lambda v: v).print()
        return env
    with pytest.raises(CheckpointConfigError, match="not supported for custom partitioners"):
        _sim(build(False))
    assert _sim(build(True)).job_status is None


def test_state_over_the_jobmanager_limit_fails_the_job() -> None:
    """A state larger than the jobmanager storage accepts fails the checkpoint and, with no failure tolerated,
    the job; the message gives the sizes and the cure."""
    env = keyed_sum(env_with(1), keys=40)
    env.get_configuration().set_string("flowlab.checkpointing.jobmanager.max-state-size", "100 b")
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    text = str(err.value)
    assert "Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to v2[0] declined: the " \
           "state of operator 'count' in v2[0] is" in text
    assert "more than the 100 bytes the jobmanager checkpoint storage accepts per state" in text
    assert "set execution.checkpointing.dir" in text


def _one_checkpoint(tmp_path, **conf) -> flowlab.Simulation:
    env = keyed_sum(env_with(1, interval=50, execution__checkpointing__dir=f"file://{tmp_path}", **conf), count=400)
    sim = flowlab.Simulation(env)
    sim.break_on("checkpoint_completed")
    sim.run()
    return sim


def test_a_truncated_metadata_file_is_named_and_refused(tmp_path) -> None:
    """Cutting _metadata short is detected before anything is parsed."""
    sim = _one_checkpoint(tmp_path)
    path = sim.checkpoints().path[0]
    meta = os.path.join(path, "_metadata")
    data = open(meta, "rb").read()
    open(meta, "wb").write(data[:-10])
    body = len(data) - data.index(b"\n") - 1
    with pytest.raises(CheckpointFileError) as err:
        read_checkpoint(path)
    assert str(err.value) == (f"checkpoint file '{meta}' is truncated: it holds {body - 10:,} of the {body:,} bytes its "
                              "header announces (a crash while writing, or a copy cut short); use another checkpoint")


def test_a_corrupted_metadata_file_fails_its_checksum(tmp_path) -> None:
    """One changed byte in the body fails the SHA-256 check."""
    sim = _one_checkpoint(tmp_path)
    meta = os.path.join(sim.checkpoints().path[0], "_metadata")
    data = bytearray(open(meta, "rb").read())
    data[-3] ^= 1
    open(meta, "wb").write(bytes(data))
    with pytest.raises(CheckpointFileError, match="is corrupted: its content does not match the SHA-256 checksum"):
        read_checkpoint(meta)


def test_a_file_that_is_no_checkpoint(tmp_path) -> None:
    """A foreign file is recognised as such."""
    meta = tmp_path / "_metadata"
    meta.write_bytes(b"\x89PNG\r\n\x1a\n....")
    with pytest.raises(CheckpointFileError, match=r"is not a flowlab checkpoint file \(it starts with"):
        read_checkpoint(str(tmp_path))


def test_a_checkpoint_directory_without_metadata(tmp_path) -> None:
    """chk-<n> without _metadata is not a usable checkpoint."""
    (tmp_path / "chk-4").mkdir()
    with pytest.raises(FileNotFoundError, match="a chk-<n> directory without _metadata is not a usable checkpoint"):
        read_checkpoint(str(tmp_path / "chk-4"))


class Box:
    """A user object kept in state: not plain data, so it is pickled into the checkpoint."""

    def __init__(self, n: int) -> None:
        self.n = n


def test_pickled_state_is_read_back_by_the_run_that_wrote_it_but_not_by_a_stranger(tmp_path) -> None:
    """sim.checkpoint_state reads this run's pickled state; read_checkpoint refuses it unless unpickle=True."""
    env = env_with(1, interval=50, execution__checkpointing__dir=f"file://{tmp_path}")
    env.from_collection([("a", i) for i in range(300)]).key_by(lambda t: t[0]).map(lambda t: t) \
        .key_by(lambda t: t[0]).reduce(lambda a, b: (a[0], Box(1))).add_sink(lambda v: None)
    sim = flowlab.Simulation(env)
    sim.break_on("checkpoint_completed")
    sim.run()
    n = int(sim.checkpoints().id.iloc[-1])
    state = sim.checkpoint_state(n)
    reduce_op = next(o for o in state["operators"].values() if o["name"].startswith("Keyed Reduce"))
    (kg, group), = reduce_op["subtasks"][0]["state"]["keyed"].items()
    assert isinstance(group["states"]["_op_state"][0][2][1], Box)
    with pytest.raises(PickleRefusedError, match="this run did not write it"):
        read_checkpoint(sim.checkpoints().path.iloc[-1])
    assert read_checkpoint(sim.checkpoints().path.iloc[-1], unpickle=True)["checkpoint_id"] == n


def test_typed_state_needs_no_pickle(tmp_path) -> None:
    """A keyed sum of INT keys writes nothing pickled: read_checkpoint reads it without trust."""
    sim = _one_checkpoint(tmp_path)
    assert b'"p":' not in open(os.path.join(sim.checkpoints().path[0], "_metadata"), "rb").read()
    assert read_checkpoint(sim.checkpoints().path[0])["checkpoint_id"] == 1
