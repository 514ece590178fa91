"""env.enable_checkpointing / get_checkpoint_config(): PyFlink 2.3's API over the execution.checkpointing.* keys."""
from __future__ import annotations

import pytest

from flowlab.common import Configuration, Duration
from flowlab.datastream import (
    CheckpointingMode,
    ExternalizedCheckpointRetention,
    StreamExecutionEnvironment,
)
from flowlab.datastream.checkpoint_storage import FileSystemCheckpointStorage, JobManagerCheckpointStorage


def _env(conf: Configuration | None = None) -> StreamExecutionEnvironment:
    return StreamExecutionEnvironment.get_execution_environment(conf)


def _keys(env: StreamExecutionEnvironment) -> dict[str, str]:
    return {k: v for k, v in env.get_configuration().to_dict().items() if k.startswith("execution.checkpointing.")}


def test_checkpointing_is_off_by_default() -> None:
    """Without enable_checkpointing the interval is -1 and the config says disabled."""
    env = _env()
    assert env.get_checkpoint_interval() == -1
    assert env.get_checkpoint_config().is_checkpointing_enabled() is False


def test_enable_checkpointing_writes_the_interval_and_mode_keys() -> None:
    """enable_checkpointing(500, AT_LEAST_ONCE) is execution.checkpointing.interval/mode, as in Flink 2.x."""
    env = _env()
    env.enable_checkpointing(500, CheckpointingMode.AT_LEAST_ONCE)
    assert _keys(env) == {"execution.checkpointing.interval": "500 ms", "execution.checkpointing.mode": "AT_LEAST_ONCE"}
    assert env.get_checkpoint_interval() == 500
    assert env.get_checkpointing_mode() is CheckpointingMode.AT_LEAST_ONCE
    assert env.get_checkpointing_consistency_mode() is CheckpointingMode.AT_LEAST_ONCE


def test_defaults_are_flinks() -> None:
    """Timeout 10 min, no pause, one at a time, no tolerated failure, no externalized checkpoints, aligned."""
    config = _env().enable_checkpointing(100).get_checkpoint_config()
    assert (config.get_checkpointing_mode(), config.get_checkpoint_timeout(),
            config.get_min_pause_between_checkpoints(), config.get_max_concurrent_checkpoints(),
            config.get_tolerable_checkpoint_failure_number(), config.get_externalized_checkpoint_retention(),
            config.is_externalized_checkpoints_enabled(), config.is_unaligned_checkpoints_enabled(),
            config.get_aligned_checkpoint_timeout(), config.is_force_unaligned_checkpoints()) == (
        CheckpointingMode.EXACTLY_ONCE, 600_000, 0, 1, 0, ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS,
        False, False, Duration.of_millis(0), False)


def test_setters_write_the_configuration_keys() -> None:
    """Each setter writes the key it stands for; the getters read them back."""
    env = _env()
    config = env.get_checkpoint_config()
    (config.set_checkpoint_interval(250).set_checkpoint_timeout(60_000).set_min_pause_between_checkpoints(30)
     .set_max_concurrent_checkpoints(1).set_tolerable_checkpoint_failure_number(3)
     .set_externalized_checkpoint_retention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION)
     .enable_unaligned_checkpoints().set_aligned_checkpoint_timeout(Duration.of_millis(40)))
    assert _keys(env) == {
        "execution.checkpointing.interval": "250 ms", "execution.checkpointing.timeout": "60000 ms",
        "execution.checkpointing.min-pause": "30 ms", "execution.checkpointing.max-concurrent-checkpoints": "1",
        "execution.checkpointing.tolerable-failed-checkpoints": "3",
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.unaligned.enabled": "true",
        "execution.checkpointing.aligned-checkpoint-timeout": "40 ms"}
    assert (config.get_checkpoint_interval(), config.get_checkpoint_timeout(), config.get_aligned_checkpoint_timeout(),
            config.is_externalized_checkpoints_enabled()) == (250, 60_000, Duration.of_millis(40), True)


def test_deprecated_keys_are_still_read() -> None:
    """Flink 1.x key names (state.checkpoints.num-retained, ...unaligned, ...alignment-timeout) still count."""
    conf = Configuration.from_dict({"execution.checkpointing.interval": "2 s", "execution.checkpointing.unaligned": "true",
                                    "execution.checkpointing.alignment-timeout": "1 s"})
    config = _env(conf).get_checkpoint_config()
    assert (config.get_checkpoint_interval(), config.is_unaligned_checkpoints_enabled(),
            config.get_aligned_checkpoint_timeout()) == (2000, True, Duration.of_millis(1000))


def test_fail_on_checkpointing_errors_maps_to_the_tolerable_number() -> None:
    """The deprecated setter: False tolerates 2147483647 failures, True none."""
    config = _env().get_checkpoint_config()
    assert config.set_fail_on_checkpointing_errors(False).get_tolerable_checkpoint_failure_number() == 2147483647
    assert config.set_fail_on_checkpointing_errors(True).is_fail_on_checkpointing_errors() is True


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.set_checkpoint_interval(5), "Checkpoint interval must be larger than or equal to 10 ms (got 5)"),
    (lambda c: c.set_checkpoint_timeout(2), "Checkpoint timeout must be larger than or equal to 10 ms (got 2)"),
    (lambda c: c.set_min_pause_between_checkpoints(-1), "Pause value must be zero or positive (got -1)"),
    (lambda c: c.set_max_concurrent_checkpoints(0),
     "The maximum number of concurrent attempts must be at least one. (got 0)"),
    (lambda c: c.set_tolerable_checkpoint_failure_number(-2),
     "The tolerable failure checkpoint number must be non-negative. (got -2)"),
])
def test_setters_refuse_what_flink_refuses(call, message: str) -> None:
    """Flink's argument checks, with its messages."""
    with pytest.raises(ValueError) as err:
        call(_env().get_checkpoint_config())
    assert str(err.value) == message


def test_aligned_checkpoint_timeout_takes_a_duration() -> None:
    """A bare number is refused, naming the Duration to pass."""
    with pytest.raises(TypeError, match=r"takes a Duration \(e.g. Duration.of_millis\(100\)\), got 100"):
        _env().get_checkpoint_config().set_aligned_checkpoint_timeout(100)


def test_externalized_checkpoint_retention_has_pyflinks_members() -> None:
    """The three members with PyFlink 2.3's values."""
    assert [(m.name, m.value) for m in ExternalizedCheckpointRetention] == [
        ("DELETE_ON_CANCELLATION", 0), ("RETAIN_ON_CANCELLATION", 1), ("NO_EXTERNALIZED_CHECKPOINTS", 2)]


def test_checkpoint_storages_spell_out_their_keys() -> None:
    """The storages PyFlink 2.3 names cannot be installed; to_configuration() gives the keys that select them."""
    fs = FileSystemCheckpointStorage("file:///tmp/ck", file_state_size_threshold=1024)
    assert fs.to_configuration().to_dict() == {"execution.checkpointing.data-inline-threshold": "1024 b",
                                                "execution.checkpointing.dir": "file:///tmp/ck",
                                                "execution.checkpointing.storage": "filesystem"}
    jm = JobManagerCheckpointStorage(max_state_size=1000)
    assert (jm.get_max_state_size(), str(jm)) == (
        1000, "JobManagerCheckpointStorage (checkpoints to JobManager) ( maxStateSize: 1000)")
    assert JobManagerCheckpointStorage().get_max_state_size() == 5 * 1024 * 1024
