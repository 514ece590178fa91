"""State access costs virtual time: 100 ns per heap access; 1500 ns + 2 ns per byte on RocksDB."""
from __future__ import annotations

from flowlab.common import Types
from flowlab.datastream.state import ValueStateDescriptor
from tests.state.state_jobs import script_job

ZERO = {"flowlab.state.heap.access-cost-ns": "0", "flowlab.state.rocksdb.access-cost-ns": "0",
        "flowlab.state.rocksdb.byte-cost-ns": "0"}
SCRIPT = [(i, "k", "update", i) for i in range(20)]


def busy_of_keyed_task(backend: str, conf: dict[str, str] | None) -> int:
    sim, _ = script_job(lambda: ValueStateDescriptor("v", Types.LONG()), SCRIPT, backend, conf)
    sim.run()
    return sim.runtime.tasks["v2"][0].busy_us


def test_heap_update_costs_100_ns() -> None:
    """20 updates x 100 ns = 2 µs more busy time than with free state access."""
    assert busy_of_keyed_task("hashmap", None) - busy_of_keyed_task("hashmap", ZERO) == 2


def test_rocksdb_update_costs_access_plus_bytes() -> None:
    """Each put moves a 5-byte key (key group, "k", void namespace) and an 8-byte LONG: 1500 + 2 x 13 = 1526 ns;
    20 puts = 30.52 µs, charged as 30 µs (the rest carries over)."""
    assert busy_of_keyed_task("rocksdb", None) - busy_of_keyed_task("rocksdb", ZERO) == 30


def test_costs_are_configurable() -> None:
    """flowlab.state.heap.access-cost-ns: 1000 -> 1 µs per update."""
    conf = {"flowlab.state.heap.access-cost-ns": "1000"}
    assert busy_of_keyed_task("hashmap", conf) - busy_of_keyed_task("hashmap", ZERO) == 20


def test_negative_cost_is_refused() -> None:
    """A negative cost is a configuration error naming the key."""
    import pytest

    import flowlab
    from flowlab.datastream import StreamExecutionEnvironment
    from tests.state.state_jobs import configuration
    env = StreamExecutionEnvironment.get_execution_environment(
        configuration("hashmap", **{"flowlab.state.heap.access-cost-ns": "-5"}))
    env.from_collection([1]).print()
    with pytest.raises(ValueError, match=r"flowlab\.state\.heap\.access-cost-ns must be >= 0 ns, got -5"):
        flowlab.Simulation(env)
