"""Flink's restart strategies (``restart-strategy.type``): whether, and how long after a failure, a job restarts.

One module for both execution modes: the JobMaster reads the strategy when the job is submitted (a bad value
fails the submission) and hands a ``RestartTracker`` to whatever recovers the job — the STREAMING recovery
(``cluster.recovery``) or the BATCH stage scheduler (``batch.failover``).

* Default (Flink 1.19+, so 2.3): ``none`` (also spelled ``off``/``disable``) when checkpointing is off — the first
  failure fails the job — and ``exponential-delay`` when it is on. BATCH never checkpoints: ``none``.
* ``fixed-delay``: ``.attempts`` restarts (default 1: two executions, attempt 0 and 1), ``.delay`` apart
  (default 1 s); the next failure gives up.
* ``failure-rate``: restart after ``.delay`` (1 s) unless more than ``.max-failures-per-interval`` (1) failures
  fell within ``.failure-rate-interval`` (1 min).
* ``exponential-delay``: ``.initial-backoff`` (1 s) times ``.backoff-multiplier`` (1.5) per restart, at most
  ``.max-backoff`` (1 min), back to the initial backoff after ``.reset-backoff-threshold`` (1 h) without a
  failure; it gives up after ``.attempts-before-reset-backoff`` (unlimited) restarts without a reset. A failure
  while a restart is still waiting joins that restart (Flink 1.19+, FLIP-364).

When it gives up, the job fails with Flink's ``JobException: Recovery is suppressed by <strategy>`` (the
strategy's own ``toString``, e.g. ``FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1,
backoffTimeMS=100)``).

Simplification: ``exponential-delay`` leaves out the jitter (``.jitter-factor`` is checked and named in the
give-up text, but every backoff is exact), so a restart's time can be read off the configuration.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowlab.common.config_values import IllegalConfigurationException, read_duration_ms, read_float, read_int

TYPE_KEY = "restart-strategy.type"
LEGACY_TYPE_KEY = "restart-strategy"
FIXED = "restart-strategy.fixed-delay."
RATE = "restart-strategy.failure-rate."
EXPO = "restart-strategy.exponential-delay."
_NAMES = {"none": "none", "off": "none", "disable": "none", "fixed-delay": "fixed-delay",
          "fixeddelay": "fixed-delay", "failure-rate": "failure-rate", "failurerate": "failure-rate",
          "exponential-delay": "exponential-delay", "exponentialdelay": "exponential-delay"}
_INT_MAX = 2**31 - 1


class JobException(RuntimeError):
    """The job cannot recover (Flink's ``org.apache.flink.runtime.JobException``): "Recovery is suppressed by ..."."""


@dataclass(frozen=True)
class RestartStrategy:
    """The configured strategy (times in whole ms, as Flink's ``Duration.toMillis``)."""

    kind: str                     # none | fixed-delay | failure-rate | exponential-delay
    attempts: int = 0             # fixed-delay: restarts; failure-rate: failures per interval;
                                  # exponential-delay: attempts before reset backoff
    delay_ms: int = 0             # fixed-delay / failure-rate delay; exponential-delay: initial backoff
    interval_ms: int = 0          # failure-rate interval
    max_backoff_ms: int = 0
    multiplier: float = 1.0
    reset_threshold_ms: int = 0
    jitter: float = 0.0
    configured: bool = True       # False: Flink's default for the job (none / exponential-delay)

    @property
    def name(self) -> str:
        """The ``restart-strategy.type`` value, as the configuration spells it."""
        return self.kind

    def describe(self, tracker: RestartTracker | None = None) -> str:
        """Flink's ``toString`` of the strategy, as in "Recovery is suppressed by ..." (the exponential one shows
        its counters, from ``tracker``)."""
        if self.kind == "fixed-delay":
            return (f"FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts={self.attempts}, "
                    f"backoffTimeMS={self.delay_ms})")
        if self.kind == "failure-rate":       # sic: Flink's text nests the name and leaves a parenthesis open
            return (f"FailureRateRestartBackoffTimeStrategy(FailureRateRestartBackoffTimeStrategy(failuresIntervalMS="
                    f"{self.interval_ms},backoffTimeMS={self.delay_ms},maxFailuresPerInterval={self.attempts})")
        if self.kind == "exponential-delay":
            attempt = 0 if tracker is None else tracker.current_attempt
            nxt = -2**31 if tracker is None or tracker.next_restart_ms is None else tracker.next_restart_ms
            return (f"ExponentialDelayRestartBackoffTimeStrategy(initialBackoffMS={self.delay_ms}, "
                    f"maxBackoffMS={self.max_backoff_ms}, backoffMultiplier={_java_double(self.multiplier)}, "
                    f"resetBackoffThresholdMS={self.reset_threshold_ms}, jitterFactor={_java_double(self.jitter)}, "
                    f"attemptsBeforeResetBackoff={self.attempts}, currentRestartAttempt={attempt}, "
                    f"nextRestartTimestamp={nxt})")
        return "NoRestartBackoffTimeStrategy"


def _java_double(x: float) -> str:
    return repr(float(x))


def _ms(conf: dict[str, Any], key: str, default: str, minimum: float) -> int:
    return int(read_duration_ms(conf, key, default, minimum=minimum))


def restart_strategy(conf: dict[str, Any], checkpointing: bool = False) -> RestartStrategy:
    """The restart strategy ``conf`` names, or Flink's default (``none`` without checkpointing, else
    ``exponential-delay``). Bad values raise ``IllegalConfigurationException`` naming the key."""
    raw = conf.get(TYPE_KEY, conf.get(LEGACY_TYPE_KEY))
    configured = raw is not None
    if raw is None:
        kind = "exponential-delay" if checkpointing else "none"
    else:
        kind = _NAMES.get(str(raw).strip().lower())
        if kind is None:
            key = TYPE_KEY if TYPE_KEY in conf else LEGACY_TYPE_KEY
            raise IllegalConfigurationException(
                f"Unknown restart strategy '{raw}' in {key}: use none (or off, disable), fixed-delay, failure-rate or "
                "exponential-delay.")
    if kind == "fixed-delay":
        return RestartStrategy(kind, read_int(conf, FIXED + "attempts", 1, minimum=0),
                               _ms(conf, FIXED + "delay", "1 s", 0), configured=configured)
    if kind == "failure-rate":
        return RestartStrategy(kind, read_int(conf, RATE + "max-failures-per-interval", 1, minimum=1),
                               _ms(conf, RATE + "delay", "1 s", 0),
                               _ms(conf, RATE + "failure-rate-interval", "1 min", 1), configured=configured)
    if kind == "exponential-delay":
        strategy = RestartStrategy(
            kind, read_int(conf, EXPO + "attempts-before-reset-backoff", _INT_MAX, minimum=1),
            _ms(conf, EXPO + "initial-backoff", "1 s", 1), max_backoff_ms=_ms(conf, EXPO + "max-backoff", "1 min", 1),
            multiplier=read_float(conf, EXPO + "backoff-multiplier", 1.5),
            reset_threshold_ms=_ms(conf, EXPO + "reset-backoff-threshold", "1 h", 1),
            jitter=read_float(conf, EXPO + "jitter-factor", 0.1, minimum=0), configured=configured)
        _check_exponential(conf, strategy)
        return strategy
    return RestartStrategy("none", configured=configured)


def _check_exponential(conf: dict[str, Any], s: RestartStrategy) -> None:
    """Flink's own checks of the exponential-delay settings (its texts first)."""
    if s.delay_ms > s.max_backoff_ms:
        raise IllegalConfigurationException(
            f"Initial backoff cannot be higher than maximum backoff: {EXPO}initial-backoff is "
            f"{conf.get(EXPO + 'initial-backoff', '1 s')}, {EXPO}max-backoff is {conf.get(EXPO + 'max-backoff', '1 min')}. "
            "Lower the first or raise the second.")
    if s.multiplier <= 1:
        raise IllegalConfigurationException(
            f"Backoff multiplier must be greater than 1: {EXPO}backoff-multiplier is "
            f"{conf.get(EXPO + 'backoff-multiplier')}. Use e.g. 1.5 (the default) or 2.")
    if s.jitter > 1:
        raise IllegalConfigurationException(
            f"Jitter factor must be >= 0 and <= 1: {EXPO}jitter-factor is {conf.get(EXPO + 'jitter-factor')}.")


class RestartTracker:
    """The failures of one run under a strategy (Flink's ``RestartBackoffTimeStrategy``): ``on_failure(now_ms)``
    says after how many ms to restart, or None when the strategy gives up."""

    def __init__(self, strategy: RestartStrategy) -> None:
        self.strategy = strategy
        self.failures = 0                         # failures notified
        self.restarts = 0                         # restarts granted (a failure merged into a waiting one: none)
        self.timestamps: list[int] = []           # failure-rate: the latest max + 1 failure times
        self.current_attempt = 0                  # exponential-delay
        self.next_restart_ms: int | None = None   # exponential-delay: when the waiting restart happens

    def on_failure(self, now_ms: float) -> int | None:
        now = int(now_ms)
        s = self.strategy
        self.failures += 1
        delay: int | None = None
        if s.kind == "fixed-delay":
            delay = s.delay_ms if self.failures <= s.attempts else None
        elif s.kind == "failure-rate":
            if len(self.timestamps) > s.attempts:
                self.timestamps.pop(0)
            self.timestamps.append(now)
            full = len(self.timestamps) > s.attempts
            delay = s.delay_ms if not full or now - self.timestamps[0] > s.interval_ms else None
        elif s.kind == "exponential-delay":
            if self.next_restart_ms is not None and now <= self.next_restart_ms:
                return self.next_restart_ms - now          # joins the restart already waiting
            if self.next_restart_ms is None or now - self.next_restart_ms >= s.reset_threshold_ms:
                self.current_attempt = 0
            backoff = max(s.delay_ms, min(int(s.delay_ms * s.multiplier ** self.current_attempt), s.max_backoff_ms))
            self.next_restart_ms = now + backoff
            self.current_attempt += 1
            delay = backoff if self.current_attempt <= s.attempts else None
        if delay is not None:
            self.restarts += 1
        return delay

    def describe(self) -> str:
        return self.strategy.describe(self)
