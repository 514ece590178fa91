"""Restart strategies as Flink 2.3 has them: defaults, the give-up texts, every strategy's delays, bad values."""
from __future__ import annotations

import pytest

from flowlab.common.config_values import IllegalConfigurationException
from flowlab.runtime.cluster.restart_strategies import RestartTracker, restart_strategy

FIXED = {"restart-strategy.type": "fixed-delay"}


def test_the_default_depends_on_checkpointing() -> None:
    """Flink 1.19+: none without checkpointing, exponential-delay with it; both marked as not configured."""
    off = restart_strategy({})
    on = restart_strategy({}, checkpointing=True)
    assert (off.kind, off.configured, off.describe()) == ("none", False, "NoRestartBackoffTimeStrategy")
    assert (on.kind, on.configured) == ("exponential-delay", False)
    assert on.describe() == ("ExponentialDelayRestartBackoffTimeStrategy(initialBackoffMS=1000, maxBackoffMS=60000, "
                             "backoffMultiplier=1.5, resetBackoffThresholdMS=3600000, jitterFactor=0.1, "
                             "attemptsBeforeResetBackoff=2147483647, currentRestartAttempt=0, "
                             "nextRestartTimestamp=-2147483648)")


@pytest.mark.parametrize("name", ["none", "off", "disable", "NONE"])
def test_the_names_of_none(name: str) -> None:
    assert restart_strategy({"restart-strategy.type": name}, checkpointing=True).kind == "none"


def test_the_legacy_key_is_read() -> None:
    assert restart_strategy({"restart-strategy": "fixeddelay"}).kind == "fixed-delay"


def test_give_up_texts_are_flinks() -> None:
    """The exact toString of each strategy (the failure-rate one is nested and unbalanced, as Flink's)."""
    fixed = restart_strategy({**FIXED, "restart-strategy.fixed-delay.attempts": "1",
                              "restart-strategy.fixed-delay.delay": "100 ms"})
    rate = restart_strategy({"restart-strategy.type": "failure-rate", "restart-strategy.failure-rate.delay": "100 ms"})
    assert fixed.describe() == "FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1, backoffTimeMS=100)"
    assert rate.describe() == ("FailureRateRestartBackoffTimeStrategy(FailureRateRestartBackoffTimeStrategy("
                               "failuresIntervalMS=60000,backoffTimeMS=100,maxFailuresPerInterval=1)")


def test_fixed_delay_one_attempt_means_two_executions() -> None:
    """attempts=1: the first failure restarts (after the delay), the second gives up."""
    t = RestartTracker(restart_strategy({**FIXED, "restart-strategy.fixed-delay.delay": "10 ms"}))
    assert [t.on_failure(x) for x in (0, 500)] == [10, None]
    assert (t.failures, t.restarts) == (2, 1)


def test_fixed_delay_defaults() -> None:
    """Default attempts 1 and delay 1 s; attempts 0 gives up at once."""
    assert RestartTracker(restart_strategy(FIXED)).on_failure(0) == 1000
    assert RestartTracker(restart_strategy({**FIXED, "restart-strategy.fixed-delay.attempts": "0"})).on_failure(0) \
        is None


def test_failure_rate_counts_failures_within_the_interval() -> None:
    """max 2 per 10 s: a third failure within 10 s of the first gives up; spread out, they never do."""
    conf = {"restart-strategy.type": "failure-rate", "restart-strategy.failure-rate.max-failures-per-interval": "2",
            "restart-strategy.failure-rate.failure-rate-interval": "10 s"}
    close = RestartTracker(restart_strategy(conf))
    assert [close.on_failure(t) for t in (0, 4000, 9000)] == [1000, 1000, None]
    spread = RestartTracker(restart_strategy(conf))
    assert [spread.on_failure(t) for t in (0, 20_000, 25_000, 40_000)] == [1000, 1000, 1000, 1000]


def test_exponential_delay_grows_resets_and_merges() -> None:
    """1 s × 1.5 per restart up to the maximum; a failure while a restart still waits joins it; after the reset
    threshold the backoff starts again at 1 s."""
    t = RestartTracker(restart_strategy({"restart-strategy.type": "exponential-delay",
                                         "restart-strategy.exponential-delay.max-backoff": "3 s"}))
    assert t.on_failure(0) == 1000
    assert t.on_failure(400) == 600                # joins the restart due at 1000
    assert [t.on_failure(x) for x in (2000, 5000, 10_000)] == [1500, 2250, 3000]
    assert t.on_failure(13_000 + 3_600_000) == 1000
    assert (t.failures, t.restarts) == (6, 5)


def test_exponential_delay_gives_up_after_its_attempts() -> None:
    """attempts-before-reset-backoff 2: the third restart without a reset is refused; the text shows the counters."""
    t = RestartTracker(restart_strategy({"restart-strategy.type": "exponential-delay",
                                         "restart-strategy.exponential-delay.attempts-before-reset-backoff": "2",
                                         "restart-strategy.exponential-delay.jitter-factor": "0"}))
    assert [t.on_failure(x) for x in (0, 5000, 10_000)] == [1000, 1500, None]
    assert t.describe().endswith("jitterFactor=0.0, attemptsBeforeResetBackoff=2, currentRestartAttempt=3, "
                                 "nextRestartTimestamp=12250)")


@pytest.mark.parametrize(("conf", "message"), [
    ({"restart-strategy.type": "sometimes"},
     "Unknown restart strategy 'sometimes' in restart-strategy.type: use none (or off, disable), fixed-delay, "
     "failure-rate or exponential-delay."),
    ({**FIXED, "restart-strategy.fixed-delay.attempts": "-1"},
     "Invalid value '-1' for key 'restart-strategy.fixed-delay.attempts': it must be at least 0."),
    ({**FIXED, "restart-strategy.fixed-delay.delay": "soon"},
     "Could not parse value 'soon' for key 'restart-strategy.fixed-delay.delay': expected a duration such as 200 ms, "
     "1 s or 2 min."),
    ({"restart-strategy.type": "failure-rate", "restart-strategy.failure-rate.max-failures-per-interval": "0"},
     "Invalid value '0' for key 'restart-strategy.failure-rate.max-failures-per-interval': it must be at least 1."),
    ({"restart-strategy.type": "exponential-delay", "restart-strategy.exponential-delay.initial-backoff": "2 min"},
     "Initial backoff cannot be higher than maximum backoff: restart-strategy.exponential-delay.initial-backoff is "
     "2 min, restart-strategy.exponential-delay.max-backoff is 1 min. Lower the first or raise the second."),
    ({"restart-strategy.type": "exponential-delay", "restart-strategy.exponential-delay.backoff-multiplier": "1"},
     "Backoff multiplier must be greater than 1: restart-strategy.exponential-delay.backoff-multiplier is 1. Use e.g. "
     "1.5 (the default) or 2."),
    ({"restart-strategy.type": "exponential-delay", "restart-strategy.exponential-delay.jitter-factor": "2"},
     "Jitter factor must be >= 0 and <= 1: restart-strategy.exponential-delay.jitter-factor is 2."),
])
def test_bad_values_are_refused_with_the_key(conf: dict, message: str) -> None:
    with pytest.raises(IllegalConfigurationException) as info:
        restart_strategy(conf)
    assert str(info.value) == message


def _failing_env(**conf: str):
    from flowlab.common import Configuration
    from flowlab.datastream import StreamExecutionEnvironment
    c = Configuration()
    for k, v in conf.items():
        c.set_string(k, v)
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.from_collection([1, 2, 3]).map(_explode).print()
    return env


def _explode(x: int) -> int:
    if x == 2:
        raise ValueError("two is not allowed")
    return x


def test_streaming_without_checkpointing_gives_up_at_once() -> None:
    """The job FAILS with Flink's JobException, the task's failure and the user's traceback after it."""
    import flowlab
    sim = flowlab.Simulation(_failing_env())
    sim.run()
    assert sim.job_status == "FAILED"
    first, second = sim.failure.splitlines()[:2]
    assert first == ("JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy (restart-strategy.type is "
                     "none, Flink's default without checkpointing: set it, e.g. to fixed-delay, or enable "
                     "checkpointing to let the job restart)")
    assert second == ("Task Source: Collection Source -> Map -> Print to Std. Out (1/1) failed with ValueError: two "
                      "is not allowed")
    assert 'raise ValueError("two is not allowed")' in sim.failure


def test_execute_raises_with_the_cause_chain() -> None:
    """execute() raises JobExecutionException("Job execution failed. ..."), caused by the JobException, caused by
    the user's error."""
    from flowlab.runtime.cluster.restart_strategies import JobException
    from flowlab.runtime.simulation.errors import JobExecutionException
    with pytest.raises(JobExecutionException) as info:
        _failing_env(**{"restart-strategy.type": "none"}).execute()
    assert str(info.value).startswith("Job execution failed.\nJobException: Recovery is suppressed by "
                                      "NoRestartBackoffTimeStrategy")
    cause = info.value.__cause__
    assert isinstance(cause, JobException) and isinstance(cause.__cause__, ValueError)


def test_a_bad_restart_strategy_fails_the_submission() -> None:
    """Simulation(env) / execute() read the strategy before anything runs."""
    import flowlab
    with pytest.raises(IllegalConfigurationException, match="Unknown restart strategy 'often'"):
        flowlab.Simulation(_failing_env(**{"restart-strategy.type": "often"}))
