"""The lesson 08 checker passes settings that keep checkpoints short under backpressure and explains the rest."""
from __future__ import annotations

import pytest

from flowlab.common import Configuration, Duration
from flowlab.datastream import CheckpointingMode
from flowlab.exercises.lesson08 import check_checkpoint_settings, simulate


def unaligned(env):
    env.get_checkpoint_config().enable_unaligned_checkpoints()


def aligned_timeout(ms):
    def tune(env):
        env.get_checkpoint_config().enable_unaligned_checkpoints().set_aligned_checkpoint_timeout(
            Duration.of_millis(ms))
    return tune


def test_untuned_checkpoints_are_slow():
    """With nothing tuned the aligned checkpoints grow from 314.573 ms to 883.11 ms; 7 complete in 6 s."""
    sim = simulate()
    sim.run(until_ms=6000)
    frame = sim.checkpoints()
    done = frame[frame.status == "COMPLETED"]
    assert done.duration_ms.tolist() == [314.573, 598.445, 804.922, 837.0, 869.076, 881.104, 883.11]


@pytest.mark.parametrize("tune, longest", [(unaligned, "3.875"), (aligned_timeout(100), "102.405")])
def test_unaligned_or_an_aligned_timeout_passes(tune, longest):
    """Unaligned checkpoints, or aligned ones switching after 100 ms: 11 complete, each within 200 ms."""
    result = check_checkpoint_settings(tune)
    assert result.passed, result.messages
    assert result.messages[0] == f"11 checkpoints completed, the longest in {longest} ms (at most 200) ✓"


def _debloat(env):
    conf = Configuration()
    conf.set_string("taskmanager.network.memory.buffer-debloat.enabled", "true")
    env.configure(conf)


@pytest.mark.parametrize("tune, expected_messages", [
    (lambda env: None, ["7 of 7 completed checkpoints took longer than 200 ms; the slowest, checkpoint 7, took "
                        "883.11 ms", "only 7 checkpoints completed in 6000 ms; at least 10 must",
                        "hint: let the barriers overtake the buffered data"]),
    (lambda env: env.get_checkpoint_config().set_checkpoint_timeout(60_000),
     ["7 of 7 completed checkpoints took longer than 200 ms", "A longer timeout, more tolerated failures or more "
      "concurrent checkpoints only wait longer"]),
    (lambda env: env.get_checkpoint_config().set_max_concurrent_checkpoints(3),
     ["10 of 10 completed checkpoints took longer than 200 ms; the slowest, checkpoint 7, took 741.249 ms"]),
    (lambda env: env.get_checkpoint_config().set_checkpointing_mode(CheckpointingMode.AT_LEAST_ONCE),
     ["the mode is AT_LEAST_ONCE: keep EXACTLY_ONCE. At-least-once only skips the alignment — its barriers still "
      "queue behind the buffered data"]),
    (lambda env: env.get_checkpoint_config().set_checkpoint_timeout(200).set_tolerable_checkpoint_failure_number(100),
     ["11 checkpoint(s) failed, the first (checkpoint 1, triggered at 500 ms): Checkpoint expired before completing."]),
    (lambda env: env.get_checkpoint_config().set_checkpoint_timeout(200),
     ["the job failed: FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold."]),
    (lambda env: env.enable_checkpointing(2000), ["the interval is 2000 ms: keep 500 ms"]),
    (lambda env: env.get_checkpoint_config().set_aligned_checkpoint_timeout(Duration.of_millis(100)),
     ["hint: set_aligned_checkpoint_timeout (100 ms) has no effect while unaligned checkpoints are off"]),
    (aligned_timeout(300), ["11 of 11 completed checkpoints took longer than 200 ms; the slowest, checkpoint 9, took "
                            "302.389 ms", "hint: your checkpoints start aligned and switch to unaligned after 300 ms"]),
    (_debloat, ["7 of 7 completed checkpoints took longer than 200 ms"]),
    (lambda env: env.get_checkpoint_config().enable_unaligned_checkpoints().set_max_concurrent_checkpoints(2),
     ["the job could not start: CheckpointConfigError: Unaligned checkpoints need "
      "execution.checkpointing.max-concurrent-checkpoints = 1, but it is 2"]),
    (None, ["pass a function tune(env) that changes the checkpoint settings"]),
])
def test_typical_mistakes_get_a_specific_hint(tune, expected_messages):
    """Each setting that does not keep checkpoints short fails with what happened and what to change."""
    result = check_checkpoint_settings(tune)
    assert not result.passed
    for expected_message in expected_messages:
        assert any(expected_message in m for m in result.messages), (expected_message, result.messages)


def test_a_broken_tune_is_reported_not_raised():
    """An exception in tune(env) is reported by the check."""
    def broken(env):
        raise RuntimeError("oops")
    result = check_checkpoint_settings(broken)
    assert not result.passed and result.messages == ["the job could not start: RuntimeError: oops"]
