"""State TTL with exact times (processing time = arrival + 1 ms in these jobs), on both backends."""
from __future__ import annotations

import pytest

from flowlab.common import Duration, Time, Types
from flowlab.datastream.state import (
    ListStateDescriptor,
    MapStateDescriptor,
    ReducingStateDescriptor,
    StateTtlConfig,
    ValueStateDescriptor,
)
from tests.state.state_jobs import BACKENDS, keyed_backends, run_script, script_job

TTL = Time.milliseconds(1000)


def with_ttl(d, builder=None):
    d.enable_time_to_live((builder or StateTtlConfig.new_builder(TTL)).build())
    return d


@pytest.mark.parametrize("backend", BACKENDS)
def test_value_expires_exactly_at_last_write_plus_ttl(backend: str) -> None:
    """Written at 1 ms with TTL 1000 ms: visible at 1000 ms, gone at 1001 ms (ts + ttl <= now)."""
    out = run_script(lambda: with_ttl(ValueStateDescriptor("v", Types.LONG())), [
        (0, "k", "update", 5), (999, "k", "value", None), (1000, "k", "value", None)], backend)
    assert out == [(1, "update", None), (1000, "value", 5), (1001, "value", None)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_on_create_and_write_reads_do_not_extend(backend: str) -> None:
    """With the default update type a read does not renew: written at 1, read at 601, expired at 1001."""
    out = run_script(lambda: with_ttl(ValueStateDescriptor("v")), [
        (0, "k", "update", 5), (600, "k", "value", None), (1000, "k", "value", None)], backend)
    assert [r for _, op, r in out if op == "value"] == [5, None]


@pytest.mark.parametrize("backend", BACKENDS)
def test_on_read_and_write_reads_extend(backend: str) -> None:
    """OnReadAndWrite: the read at 601 renews, so the value lives until 1601 (gone at 1601, seen at 1600)."""
    builder = StateTtlConfig.new_builder(TTL).update_ttl_on_read_and_write()
    out = run_script(lambda: with_ttl(ValueStateDescriptor("v"), builder), [
        (0, "k", "update", 5), (600, "k", "value", None), (1599, "k", "value", None),
        (3000, "k", "value", None)], backend)
    assert [(t, r) for t, op, r in out if op == "value"] == [(601, 5), (1600, 5), (3001, None)]


@pytest.mark.parametrize(("backend", "background"), [("rocksdb", True), ("hashmap", False)])
def test_return_expired_if_not_cleaned_up_returns_it_once(backend: str, background: bool) -> None:
    """ReturnExpiredIfNotCleanedUp: the expired value is returned by the read that removes it, then None
    (RocksDB; or heap without background cleanup)."""
    builder = StateTtlConfig.new_builder(TTL).return_expired_if_not_cleaned_up()
    if not background:
        builder = builder.disable_cleanup_in_background()
    out = run_script(lambda: with_ttl(ValueStateDescriptor("v"), builder), [
        (0, "k", "update", 5), (1000, "k", "value", None), (1001, "k", "value", None)], backend)
    assert [(t, r) for t, op, r in out if op == "value"] == [(1001, 5), (1002, None)]


def test_return_expired_on_heap_is_cleaned_up_first_by_the_access() -> None:
    """Heap with default cleanup: the access itself first sweeps the expired value away, so nothing is returned."""
    builder = StateTtlConfig.new_builder(TTL).return_expired_if_not_cleaned_up()
    out = run_script(lambda: with_ttl(ValueStateDescriptor("v"), builder), [
        (0, "k", "update", 5), (1000, "k", "value", None)], "hashmap")
    assert out[-1] == (1001, "value", None)


@pytest.mark.parametrize("backend", BACKENDS)
def test_list_elements_expire_one_by_one(backend: str) -> None:
    """Elements added at 1 and 501 expire at 1001 and 1501 respectively."""
    out = run_script(lambda: with_ttl(ListStateDescriptor("l", Types.STRING())), [
        (0, "k", "add", "a"), (500, "k", "add", "b"), (999, "k", "get", None), (1000, "k", "get", None),
        (1500, "k", "get", None)], backend)
    assert [(t, r) for t, op, r in out if op == "get"] == [(1000, ["a", "b"]), (1001, ["b"]), (1501, [])]


@pytest.mark.parametrize("backend", BACKENDS)
def test_map_entries_expire_one_by_one(backend: str) -> None:
    """Entries put at 1 and 501: at 1001 only y is left; contains(x) is False."""
    out = run_script(lambda: with_ttl(MapStateDescriptor("m", Types.STRING(), Types.INT())), [
        (0, "k", "put", ("x", 1)), (500, "k", "put", ("y", 2)), (1000, "k", "items", None),
        (1001, "k", "contains", "x"), (1002, "k", "get", "y")], backend)
    assert [r for _, op, r in out if op != "put"] == [[("y", 2)], False, 2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_reducing_state_starts_afresh_after_expiry(backend: str) -> None:
    """add renews the timestamp; once expired, the next add does not reduce into the old value."""
    out = run_script(lambda: with_ttl(ReducingStateDescriptor("r", lambda a, b: a + b, Types.LONG())), [
        (0, "k", "add", 1), (500, "k", "add", 2), (1400, "k", "get", None), (1500, "k", "add", 10),
        (1501, "k", "get", None)], backend)
    assert [(t, r) for t, op, r in out if op == "get"] == [(1401, 3), (1502, 10)]


def test_heap_incremental_cleanup_removes_other_keys_expired_values() -> None:
    """Heap: accessing the state for key b also checks (up to 5) other entries and drops a's expired value."""
    sim, _ = script_job(lambda: with_ttl(ValueStateDescriptor("v")), [
        (0, "a", "update", 1), (2000, "b", "update", 2)], "hashmap")
    sim.run()
    (backend,) = keyed_backends(sim)
    assert [(k, e.value) for k, _ns, e in backend.entries("v")] == [("b", 2)]


def test_rocksdb_keeps_expired_values_until_read() -> None:
    """RocksDB: no incremental cleanup (as in Flink; its compaction filter is not simulated)."""
    sim, _ = script_job(lambda: with_ttl(ValueStateDescriptor("v")), [
        (0, "a", "update", 1), (2000, "b", "update", 2)], "rocksdb")
    sim.run()
    (backend,) = keyed_backends(sim)
    assert sorted((k, e.value, e.ts) for k, _ns, e in backend.entries("v")) == [("a", 1, 1), ("b", 2, 2001)]


def test_disabled_background_cleanup_keeps_expired_values_on_heap() -> None:
    """disable_cleanup_in_background: the heap backend no longer sweeps other keys."""
    builder = StateTtlConfig.new_builder(TTL).disable_cleanup_in_background()
    sim, _ = script_job(lambda: with_ttl(ValueStateDescriptor("v"), builder), [
        (0, "a", "update", 1), (2000, "b", "update", 2)], "hashmap")
    sim.run()
    (backend,) = keyed_backends(sim)
    assert [(k, e.value) for k, _ns, e in backend.entries("v")] == [("a", 1), ("b", 2)]


@pytest.mark.parametrize(("per_record", "left"), [(True, [("b", 2)]), (False, [("a", 1), ("b", 2)])])
def test_cleanup_for_every_record_runs_without_state_access(per_record: bool, left: list) -> None:
    """cleanup_incrementally(1, True): a record for key c that does not touch the state still sweeps one entry."""
    builder = StateTtlConfig.new_builder(TTL).cleanup_incrementally(1, per_record)
    sim, _ = script_job(lambda: with_ttl(ValueStateDescriptor("v"), builder), [
        (0, "a", "update", 1), (1, "b", "update", 2), (1500, "c", "noop", None)], "hashmap")
    sim.run()
    (backend,) = keyed_backends(sim)
    # a expired at 1001; only the per-record sweep at c's record (1501 ms) looks at it again
    assert [(k, e.value) for k, _ns, e in backend.entries("v")] == left


@pytest.mark.parametrize("backend", BACKENDS)
def test_list_on_read_and_write_renews_every_element(backend: str) -> None:
    """OnReadAndWrite on a list: every get() renews a (added at 1): seen at 801 and 1701, gone at 2702."""
    builder = StateTtlConfig.new_builder(TTL).update_ttl_on_read_and_write()
    out = run_script(lambda: with_ttl(ListStateDescriptor("l"), builder), [
        (0, "k", "add", "a"), (800, "k", "get", None), (1700, "k", "get", None), (2701, "k", "get", None)], backend)
    assert [(t, r) for t, op, r in out if op == "get"] == [(801, ["a"]), (1701, ["a"]), (2702, [])]


def test_new_builder_refuses_duration_with_the_reason() -> None:
    """PyFlink 2.3 reads the TTL with to_milliseconds(), which its Duration lacks: say so."""
    with pytest.raises(TypeError, match=r"new_builder takes a Time, e\.g\. Time\.seconds\(10\).*Duration"):
        StateTtlConfig.new_builder(Duration.of_seconds(10))


def test_ttl_config_defaults_are_flinks() -> None:
    """Defaults: OnCreateAndWrite, NeverReturnExpired, processing time, incremental cleanup of 5 per access."""
    cfg = StateTtlConfig.new_builder(Time.seconds(3)).build()
    inc = cfg.get_cleanup_strategies().get_incremental_cleanup_strategy()
    assert (cfg.get_update_type(), cfg.get_state_visibility(), cfg.get_ttl_time_characteristic(),
            cfg.get_ttl(), inc.get_cleanup_size(), inc.run_cleanup_for_every_record(), cfg.is_enabled()) == (
        StateTtlConfig.UpdateType.OnCreateAndWrite, StateTtlConfig.StateVisibility.NeverReturnExpired,
        StateTtlConfig.TtlTimeCharacteristic.ProcessingTime, Time.seconds(3), 5, False, True)
