"""Time amounts as PyFlink shows them (``pyflink.common.time``): ``Duration``, ``Time`` and ``Instant``.

All amounts are integers: ``Duration`` counts nanoseconds (like ``java.time.Duration``), ``Time`` counts
milliseconds, so virtual time never meets float rounding.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["Duration", "Instant", "Time"]

_NANOS_PER_MILLI = 1_000_000
_NANOS_PER_SECOND = 1_000_000_000


def _require_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int (Java long), got {type(value).__name__} {value!r}")
    return value


@functools.total_ordering
class Duration:
    """Java's ``java.time.Duration`` as PyFlink exposes it: an amount of time, e.g. an out-of-orderness bound.

    Build it with the ``of_*`` factories. flowlab additions (not in PyFlink): ``to_milliseconds()``,
    ``to_nanos()``, ordering, hashing and a repr that reads back as code.
    """

    def __init__(self, nanos: int = 0):
        self._nanos = _require_int(nanos, "nanos")

    @staticmethod
    def of_days(days: int) -> Duration:
        return Duration(_require_int(days, "days") * 86_400 * _NANOS_PER_SECOND)

    @staticmethod
    def of_hours(hours: int) -> Duration:
        return Duration(_require_int(hours, "hours") * 3_600 * _NANOS_PER_SECOND)

    @staticmethod
    def of_minutes(minutes: int) -> Duration:
        return Duration(_require_int(minutes, "minutes") * 60 * _NANOS_PER_SECOND)

    @staticmethod
    def of_seconds(seconds: int) -> Duration:
        return Duration(_require_int(seconds, "seconds") * _NANOS_PER_SECOND)

    @staticmethod
    def of_millis(millis: int) -> Duration:
        return Duration(_require_int(millis, "millis") * _NANOS_PER_MILLI)

    @staticmethod
    def of_nanos(nanos: int) -> Duration:
        return Duration(_require_int(nanos, "nanos"))

    def to_milliseconds(self) -> int:
        """Whole milliseconds, rounded down like Java's ``Duration.toMillis()`` (flowlab helper)."""
        return self._nanos // _NANOS_PER_MILLI

    def to_nanos(self) -> int:
        """The exact amount in nanoseconds (flowlab helper)."""
        return self._nanos

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and self._nanos == other._nanos

    def __lt__(self, other: Duration) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        return self._nanos < other._nanos

    def __hash__(self) -> int:
        return hash(("Duration", self._nanos))

    def __repr__(self) -> str:
        if self._nanos % _NANOS_PER_MILLI:
            return f"Duration.of_nanos({self._nanos})"
        return f"Duration.of_millis({self._nanos // _NANOS_PER_MILLI})"


@functools.total_ordering
class Time:
    """Flink's (legacy) ``Time`` interval in milliseconds, used by window assigners such as
    ``TumblingEventTimeWindows.of(Time.seconds(5))``.

    flowlab additions (not in PyFlink): ordering, hashing and a repr that reads back as code.
    """

    def __init__(self, milliseconds: int):
        self._milliseconds = _require_int(milliseconds, "milliseconds")

    def to_milliseconds(self) -> int:
        """The interval in milliseconds."""
        return self._milliseconds

    @staticmethod
    def milliseconds(milliseconds: int) -> Time:
        return Time(milliseconds)

    @staticmethod
    def seconds(seconds: int) -> Time:
        return Time(_require_int(seconds, "seconds") * 1000)

    @staticmethod
    def minutes(minutes: int) -> Time:
        return Time(_require_int(minutes, "minutes") * 60_000)

    @staticmethod
    def hours(hours: int) -> Time:
        return Time(_require_int(hours, "hours") * 3_600_000)

    @staticmethod
    def days(days: int) -> Time:
        return Time(_require_int(days, "days") * 86_400_000)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Time) and self._milliseconds == other._milliseconds

    def __lt__(self, other: Time) -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return self._milliseconds < other._milliseconds

    def __hash__(self) -> int:
        return hash(("Time", self._milliseconds))

    def __str__(self) -> str:
        return f"{self._milliseconds} ms"

    def __repr__(self) -> str:
        return f"Time.milliseconds({self._milliseconds})"


class Instant:
    """Java's ``java.time.Instant`` as PyFlink exposes it: a point on the time line (seconds + nanos).

    Simplification: ``to_epoch_milli`` follows Java (floor to whole milliseconds); PyFlink 2.3's Python
    version miscomputes negative instants with a fractional second.
    """

    def __init__(self, seconds: int, nanos: int):
        self.seconds = _require_int(seconds, "seconds")
        self.nanos = _require_int(nanos, "nanos")

    def to_epoch_milli(self) -> int:
        """Milliseconds since the epoch, rounded down."""
        return self.seconds * 1000 + self.nanos // _NANOS_PER_MILLI

    @staticmethod
    def of_epoch_milli(epoch_milli: int) -> Instant:
        """The instant ``epoch_milli`` milliseconds after the epoch."""
        seconds, millis = divmod(_require_int(epoch_milli, "epoch_milli"), 1000)
        return Instant(seconds, millis * _NANOS_PER_MILLI)

    def __eq__(self, other: object) -> bool:
        return type(other) is Instant and (self.seconds, self.nanos) == (other.seconds, other.nanos)

    def __hash__(self) -> int:
        return hash(("Instant", self.seconds, self.nanos))

    def __repr__(self) -> str:
        return f"Instant<{self.seconds}, {self.nanos}>"
