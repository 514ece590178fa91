"""``StateTtlConfig``: time-to-live for keyed state, with PyFlink's names (``pyflink.datastream.state``).

A state with TTL stores, next to every value (every list element, every map entry), the processing time
it was last written (``OnCreateAndWrite``, the default) or last read or written (``OnReadAndWrite``). It
has expired when ``last_access + ttl <= now``. An expired value is never returned
(``NeverReturnExpired``, the default) or returned once more while it is still stored
(``ReturnExpiredIfNotCleanedUp``); either way reading it removes it. Background cleanup removes expired
values that are not read: on the heap backend incrementally (a few entries per state access, 5 by
default), on RocksDB in its compaction filter. Only processing time exists (``ProcessingTime``).

PyFlink 2.3 builds the config with ``StateTtlConfig.new_builder(Time.seconds(n))`` — a ``Time``, which
survived in PyFlink although Java removed it; ``Duration`` fails there, so flowlab refuses it with a
clear message.
"""
from __future__ import annotations

from enum import Enum
from typing import Any

from flowlab.common.time import Duration, Time


class StateTtlConfig:
    """Time-to-live settings of one state descriptor (``descriptor.enable_time_to_live(config)``)."""

    class UpdateType(Enum):
        """When the last-access time of a value is renewed."""

        Disabled = 0
        OnCreateAndWrite = 1
        OnReadAndWrite = 2

    class StateVisibility(Enum):
        """Whether an expired value that is still stored may be returned."""

        ReturnExpiredIfNotCleanedUp = 0
        NeverReturnExpired = 1

    class TtlTimeCharacteristic(Enum):
        """The clock TTL uses: processing time only (Flink has no event-time TTL)."""

        ProcessingTime = 0

    def __init__(self, update_type: StateTtlConfig.UpdateType, state_visibility: StateTtlConfig.StateVisibility,
                 ttl_time_characteristic: StateTtlConfig.TtlTimeCharacteristic, ttl: Time,
                 cleanup_strategies: CleanupStrategies) -> None:
        self._update_type = update_type
        self._state_visibility = state_visibility
        self._ttl_time_characteristic = ttl_time_characteristic
        self._ttl = ttl
        self._cleanup_strategies = cleanup_strategies

    @staticmethod
    def new_builder(ttl: Time) -> StateTtlConfig.Builder:
        """A builder for a TTL of ``ttl`` (a ``Time``, e.g. ``Time.seconds(10)``)."""
        return StateTtlConfig.Builder(ttl)

    def get_update_type(self) -> StateTtlConfig.UpdateType:
        return self._update_type

    def get_state_visibility(self) -> StateTtlConfig.StateVisibility:
        return self._state_visibility

    def get_ttl(self) -> Time:
        return self._ttl

    def get_ttl_time_characteristic(self) -> StateTtlConfig.TtlTimeCharacteristic:
        return self._ttl_time_characteristic

    def is_enabled(self) -> bool:
        return self._update_type is not StateTtlConfig.UpdateType.Disabled

    def get_cleanup_strategies(self) -> CleanupStrategies:
        return self._cleanup_strategies

    def ttl_ms(self) -> int:
        """flowlab helper (not in PyFlink): the TTL in milliseconds."""
        return self._ttl.to_milliseconds()

    def __repr__(self) -> str:
        return (f"StateTtlConfig<update_type={self._update_type}, state_visibility={self._state_visibility}, "
                f"ttl_time_characteristic={self._ttl_time_characteristic}, ttl={self._ttl}>")

    class Builder:
        """Builds a ``StateTtlConfig``; defaults: OnCreateAndWrite, NeverReturnExpired, cleanup in background."""

        def __init__(self, ttl: Time) -> None:
            self._ttl = _check_ttl(ttl)
            self._update_type = StateTtlConfig.UpdateType.OnCreateAndWrite
            self._state_visibility = StateTtlConfig.StateVisibility.NeverReturnExpired
            self._ttl_time_characteristic = StateTtlConfig.TtlTimeCharacteristic.ProcessingTime
            self._is_cleanup_in_background = True
            self._strategies: dict[CleanupStrategies.Strategies, Any] = {}

        def set_update_type(self, update_type: StateTtlConfig.UpdateType) -> StateTtlConfig.Builder:
            if not isinstance(update_type, StateTtlConfig.UpdateType):
                raise TypeError(f"set_update_type expects a StateTtlConfig.UpdateType, got {update_type!r}")
            self._update_type = update_type
            return self

        def update_ttl_on_create_and_write(self) -> StateTtlConfig.Builder:
            return self.set_update_type(StateTtlConfig.UpdateType.OnCreateAndWrite)

        def update_ttl_on_read_and_write(self) -> StateTtlConfig.Builder:
            return self.set_update_type(StateTtlConfig.UpdateType.OnReadAndWrite)

        def set_state_visibility(self, state_visibility: StateTtlConfig.StateVisibility) -> StateTtlConfig.Builder:
            if not isinstance(state_visibility, StateTtlConfig.StateVisibility):
                raise TypeError("set_state_visibility expects a StateTtlConfig.StateVisibility, got "
                                f"{state_visibility!r}")
            self._state_visibility = state_visibility
            return self

        def return_expired_if_not_cleaned_up(self) -> StateTtlConfig.Builder:
            return self.set_state_visibility(StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp)

        def never_return_expired(self) -> StateTtlConfig.Builder:
            return self.set_state_visibility(StateTtlConfig.StateVisibility.NeverReturnExpired)

        def set_ttl_time_characteristic(self, ttl_time_characteristic: StateTtlConfig.TtlTimeCharacteristic
                                        ) -> StateTtlConfig.Builder:
            if ttl_time_characteristic is not StateTtlConfig.TtlTimeCharacteristic.ProcessingTime:
                raise ValueError("State TTL supports processing time only "
                                 "(StateTtlConfig.TtlTimeCharacteristic.ProcessingTime); Flink has no event-time TTL")
            self._ttl_time_characteristic = ttl_time_characteristic
            return self

        def use_processing_time(self) -> StateTtlConfig.Builder:
            return self.set_ttl_time_characteristic(StateTtlConfig.TtlTimeCharacteristic.ProcessingTime)

        def cleanup_full_snapshot(self) -> StateTtlConfig.Builder:
            """Drop expired entries from full snapshots (used once checkpoints exist)."""
            self._strategies[CleanupStrategies.Strategies.FULL_STATE_SCAN_SNAPSHOT] = CleanupStrategies.EMPTY_STRATEGY
            return self

        def cleanup_incrementally(self, cleanup_size: int, run_cleanup_for_every_record: bool) -> StateTtlConfig.Builder:
            """Heap backend: check ``cleanup_size`` entries on every access of the state (and per record if
            ``run_cleanup_for_every_record``); no effect on RocksDB, as in Flink."""
            if isinstance(cleanup_size, bool) or not isinstance(cleanup_size, int) or cleanup_size < 0:
                raise ValueError(f"cleanup_size must be an int >= 0, got {cleanup_size!r}")
            self._strategies[CleanupStrategies.Strategies.INCREMENTAL_CLEANUP] = \
                CleanupStrategies.IncrementalCleanupStrategy(cleanup_size, bool(run_cleanup_for_every_record))
            return self

        def cleanup_in_rocksdb_compact_filter(self, query_time_after_num_entries: int,
                                              periodic_compaction_time: Duration | None = None
                                              ) -> StateTtlConfig.Builder:
            """RocksDB: drop expired entries while compacting. Accepted; flowlab runs no compaction filter."""
            self._strategies[CleanupStrategies.Strategies.ROCKSDB_COMPACTION_FILTER] = \
                CleanupStrategies.RocksdbCompactFilterCleanupStrategy(
                    query_time_after_num_entries,
                    periodic_compaction_time if periodic_compaction_time is not None else Duration.of_days(30))
            return self

        def disable_cleanup_in_background(self) -> StateTtlConfig.Builder:
            """No default background cleanup (explicitly configured strategies still apply)."""
            self._is_cleanup_in_background = False
            return self

        def set_ttl(self, ttl: Time) -> StateTtlConfig.Builder:
            self._ttl = _check_ttl(ttl)
            return self

        def build(self) -> StateTtlConfig:
            return StateTtlConfig(self._update_type, self._state_visibility, self._ttl_time_characteristic,
                                  self._ttl, CleanupStrategies(dict(self._strategies), self._is_cleanup_in_background))


class CleanupStrategies:
    """Which background cleanups are configured (``StateTtlConfig.CleanupStrategies``)."""

    class Strategies(Enum):
        FULL_STATE_SCAN_SNAPSHOT = 0
        INCREMENTAL_CLEANUP = 1
        ROCKSDB_COMPACTION_FILTER = 2

    class CleanupStrategy:
        """Base of the strategy settings."""

    class EmptyCleanupStrategy(CleanupStrategy):
        pass

    class IncrementalCleanupStrategy(CleanupStrategy):
        def __init__(self, cleanup_size: int, run_cleanup_for_every_record: bool) -> None:
            self._cleanup_size = cleanup_size
            self._run_cleanup_for_every_record = run_cleanup_for_every_record

        def get_cleanup_size(self) -> int:
            return self._cleanup_size

        def run_cleanup_for_every_record(self) -> bool:
            return self._run_cleanup_for_every_record

    class RocksdbCompactFilterCleanupStrategy(CleanupStrategy):
        def __init__(self, query_time_after_num_entries: int, periodic_compaction_time: Duration) -> None:
            self._query_time_after_num_entries = query_time_after_num_entries
            self._periodic_compaction_time = periodic_compaction_time

        def get_query_time_after_num_entries(self) -> int:
            return self._query_time_after_num_entries

        def get_periodic_compaction_time(self) -> Duration:
            return self._periodic_compaction_time

    EMPTY_STRATEGY = EmptyCleanupStrategy()

    def __init__(self, strategies: dict[Any, Any], is_cleanup_in_background: bool) -> None:
        self._strategies = strategies
        self._is_cleanup_in_background = is_cleanup_in_background

    def is_cleanup_in_background(self) -> bool:
        return self._is_cleanup_in_background

    def in_full_snapshot(self) -> bool:
        return CleanupStrategies.Strategies.FULL_STATE_SCAN_SNAPSHOT in self._strategies

    def get_incremental_cleanup_strategy(self) -> CleanupStrategies.IncrementalCleanupStrategy | None:
        """The configured incremental cleanup, else Flink's default (5 entries, not per record) when cleanup
        in background is on, else None."""
        default = CleanupStrategies.IncrementalCleanupStrategy(5, False) if self._is_cleanup_in_background else None
        return self._strategies.get(CleanupStrategies.Strategies.INCREMENTAL_CLEANUP, default)

    def get_rocksdb_compact_filter_cleanup_strategy(self) -> CleanupStrategies.RocksdbCompactFilterCleanupStrategy | None:
        default = (CleanupStrategies.RocksdbCompactFilterCleanupStrategy(1000, Duration.of_days(30))
                   if self._is_cleanup_in_background else None)
        return self._strategies.get(CleanupStrategies.Strategies.ROCKSDB_COMPACTION_FILTER, default)


StateTtlConfig.CleanupStrategies = CleanupStrategies  # type: ignore[attr-defined]  # PyFlink's nesting


def _check_ttl(ttl: Any) -> Time:
    if isinstance(ttl, Duration):
        raise TypeError(
            "StateTtlConfig.new_builder takes a Time, e.g. Time.seconds(10) (from flowlab.common import Time). "
            "PyFlink 2.3 reads the TTL with ttl.to_milliseconds(), which its Duration does not have, so "
            "new_builder(Duration.of_seconds(10)) — as in Flink's docs — fails there.")
    if not isinstance(ttl, Time):
        raise TypeError(f"StateTtlConfig.new_builder takes a Time, e.g. Time.seconds(10); got {ttl!r}")
    if ttl.to_milliseconds() <= 0:
        raise ValueError(f"The TTL must be positive, got {ttl.to_milliseconds()} ms")
    return ttl
