"""Whether and when a BATCH job re-runs a failed region: Flink's restart strategies (``restart-strategy.type``).

Flink 2.3's default with checkpointing disabled — always the case in BATCH — is ``disable``: the first
failure fails the job ("Recovery is suppressed by NoRestartBackoffTimeStrategy"). With ``fixed-delay``
(``restart-strategy.fixed-delay.attempts``, default 1; ``.delay``, default 1 s), ``failure-rate``
(``.max-failures-per-interval`` 1, ``.failure-rate-interval`` 1 min, ``.delay`` 1 s) or ``exponential-delay``
(``.initial-backoff`` 1 s, ``.max-backoff`` 1 min, ``.backoff-multiplier`` 1.5, ``.reset-backoff-threshold``
1 h, ``.attempts-before-reset-backoff``) the failed region runs again after the delay.

Simplification: ``exponential-delay`` leaves out the jitter (``.jitter-factor``), so its delays are exact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowlab.common.config_values import IllegalConfigurationException, read_duration_ms, read_float, read_int

TYPE_KEY = "restart-strategy.type"
LEGACY_TYPE_KEY = "restart-strategy"
_NAMES = {"none": "none", "off": "none", "disable": "none", "fixed-delay": "fixed-delay",
          "fixeddelay": "fixed-delay", "failure-rate": "failure-rate", "failurerate": "failure-rate",
          "exponential-delay": "exponential-delay", "exponentialdelay": "exponential-delay"}
_INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class RestartStrategy:
    """The configured strategy (times in ms); ``RestartTracker`` applies it to the failures of one run."""

    kind: str                     # none | fixed-delay | failure-rate | exponential-delay
    attempts: int = 0             # fixed-delay: restarts; failure-rate: failures per interval
    delay_ms: float = 0           # fixed-delay / failure-rate delay; exponential-delay: initial backoff
    interval_ms: float = 0        # failure-rate interval
    max_backoff_ms: float = 0
    multiplier: float = 1.0
    reset_threshold_ms: float = 0

    def describe(self) -> str:
        """Flink's name for it, as in "Recovery is suppressed by ..."."""
        if self.kind == "fixed-delay":
            return (f"FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts={self.attempts}, "
                    f"backoffTimeMS={self.delay_ms:g})")
        if self.kind == "failure-rate":
            return (f"FailureRateRestartBackoffTimeStrategy(failuresIntervalMS={self.interval_ms:g},"
                    f"backoffTimeMS={self.delay_ms:g},maxFailuresPerInterval={self.attempts})")
        if self.kind == "exponential-delay":
            return (f"ExponentialDelayRestartBackoffTimeStrategy(initialBackoffMS={self.delay_ms:g}, "
                    f"maxBackoffMS={self.max_backoff_ms:g}, backoffMultiplier={self.multiplier:g}, "
                    f"attemptsBeforeResetBackoff={self.attempts})")
        return "NoRestartBackoffTimeStrategy"


def restart_strategy(conf: dict[str, Any]) -> RestartStrategy:
    """The restart strategy ``conf`` names (BATCH: checkpointing is off, so the default is ``disable``)."""
    raw = conf.get(TYPE_KEY, conf.get(LEGACY_TYPE_KEY, "disable"))
    kind = _NAMES.get(str(raw).strip().lower())
    if kind is None:
        key = TYPE_KEY if TYPE_KEY in conf else LEGACY_TYPE_KEY
        raise IllegalConfigurationException(
            f"Unknown restart strategy '{raw}' in {key}: use none (or off, disable), fixed-delay, failure-rate or "
            "exponential-delay.")
    if kind == "fixed-delay":
        return RestartStrategy(kind, read_int(conf, "restart-strategy.fixed-delay.attempts", 1, minimum=0),
                               read_duration_ms(conf, "restart-strategy.fixed-delay.delay", "1 s", minimum=0))
    if kind == "failure-rate":
        p = "restart-strategy.failure-rate."
        return RestartStrategy(kind, read_int(conf, p + "max-failures-per-interval", 1, minimum=1),
                               read_duration_ms(conf, p + "delay", "1 s", minimum=0),
                               read_duration_ms(conf, p + "failure-rate-interval", "1 min", minimum=1))
    if kind == "exponential-delay":
        p = "restart-strategy.exponential-delay."
        return RestartStrategy(kind, read_int(conf, p + "attempts-before-reset-backoff", _INT_MAX, minimum=1),
                               read_duration_ms(conf, p + "initial-backoff", "1 s", minimum=1),
                               max_backoff_ms=read_duration_ms(conf, p + "max-backoff", "1 min", minimum=1),
                               multiplier=read_float(conf, p + "backoff-multiplier", 1.5, minimum=1),
                               reset_threshold_ms=read_duration_ms(conf, p + "reset-backoff-threshold", "1 h",
                                                                   minimum=1))
    return RestartStrategy("none")


class RestartTracker:
    """The failures of one run under a strategy: ``on_failure(now_ms)`` says after how many ms to restart, or
    None when the strategy gives up (Flink's ``RestartBackoffTimeStrategy``)."""

    def __init__(self, strategy: RestartStrategy) -> None:
        self.strategy = strategy
        self.failures: list[float] = []        # failure times (ms)
        self.backoff_ms = 0.0
        self.since_reset = 0

    def on_failure(self, now_ms: float) -> float | None:
        s = self.strategy
        last = self.failures[-1] if self.failures else None
        self.failures.append(now_ms)
        if s.kind == "fixed-delay":
            return s.delay_ms if len(self.failures) <= s.attempts else None
        if s.kind == "failure-rate":       # Flink keeps the last N failure times; N of them within the interval
            window = self.failures[-s.attempts:]
            full = len(window) >= s.attempts
            return None if full and now_ms - window[0] <= s.interval_ms else s.delay_ms
        if s.kind == "exponential-delay":
            if last is None or now_ms - last >= s.reset_threshold_ms:
                self.backoff_ms, self.since_reset = s.delay_ms, 0
            else:
                self.backoff_ms = min(self.backoff_ms * s.multiplier, s.max_backoff_ms)
            self.since_reset += 1
            return self.backoff_ms if self.since_reset <= s.attempts else None
        return None

    def restarts(self) -> int:
        return len(self.failures)
