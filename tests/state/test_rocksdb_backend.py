"""The RocksDB backend: a real RocksDB on disk, Flink's key layout, byte-order iteration, time travel, clean-up."""
from __future__ import annotations

import copy
import gc
import os

import flowlab
from flowlab.common import Types
from flowlab.datastream.state import MapStateDescriptor, ValueStateDescriptor
from flowlab.graph.key_groups import key_group_for
from tests.state.state_jobs import keyed_backends, run_script, script_job


def raw_rows(backend, name):
    """Every (key bytes, value bytes) of one state's column family, in RocksDB's order."""
    cf = backend.instance.column(name)
    return [(bytes(k), bytes(v)) for k, v in cf.items()]


def test_key_is_key_group_then_key_then_namespace() -> None:
    """LONG key 42 and LONG value 7: key = [key group] + 8 bytes big-endian + void namespace; value = 8 bytes."""
    from flowlab.common import Configuration
    from flowlab.datastream import KeyedProcessFunction, StreamExecutionEnvironment

    class Store(KeyedProcessFunction):
        def open(self, rc):
            self.v = rc.get_state(ValueStateDescriptor("v", Types.LONG()))

        def process_element(self, value, ctx):
            self.v.update(7)
            yield from ()

    conf = Configuration()
    conf.set_string("state.backend.type", "rocksdb")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.from_collection([42], Types.LONG()).key_by(lambda x: x, key_type=Types.LONG()).process(Store()).print()
    sim = flowlab.Simulation(env)
    sim.run()
    (backend,) = keyed_backends(sim)
    kg = key_group_for(42, 128, Types.LONG())
    assert raw_rows(backend, "v") == [(bytes([kg]) + (42).to_bytes(8, "big") + b"\x00", (7).to_bytes(8, "big"))]


def test_key_group_prefix_has_two_bytes_above_128_key_groups() -> None:
    """max parallelism 256: the key-group prefix takes 2 bytes."""
    from flowlab.common import Configuration, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.sources import ScriptedSource
    from tests.state.state_jobs import StateProbe
    conf = Configuration()
    conf.set_string("state.backend.type", "rocksdb")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_max_parallelism(256)
    (env.from_source(ScriptedSource([(0, ("k", "update", 1))]), WatermarkStrategy.no_watermarks(), "s")
        .key_by(lambda r: r[0]).process(StateProbe(lambda: ValueStateDescriptor("v"))).print())
    sim = flowlab.Simulation(env)
    sim.run()
    (backend,) = keyed_backends(sim)
    ((key, _),) = raw_rows(backend, "v")
    assert (backend.prefix_bytes, key[:2]) == (2, key_group_for("k", 256, None).to_bytes(2, "big"))


def test_map_state_iterates_in_serialized_key_order_on_rocksdb_only() -> None:
    """Keys put b, a, c: RocksDB iterates a, b, c (bytes); the heap backend keeps insertion order."""
    script = [(0, "k", "put", ("b", 1)), (1, "k", "put", ("a", 2)), (2, "k", "put", ("c", 3)), (3, "k", "keys", None)]
    make = lambda: MapStateDescriptor("m", Types.STRING(), Types.INT())  # noqa: E731
    assert (run_script(make, script, "rocksdb")[-1][2], run_script(make, script, "hashmap")[-1][2]) == (
        ["a", "b", "c"], ["b", "a", "c"])


def test_rows_are_ordered_by_key_group_first() -> None:
    """Reading the column family front to back visits key groups in ascending order."""
    keys = [f"key{i}" for i in range(12)]
    sim, _ = script_job(lambda: ValueStateDescriptor("v"), [(i, k, "update", i) for i, k in enumerate(keys)], "rocksdb")
    sim.run()
    (backend,) = keyed_backends(sim)
    groups = [k[0] for k, _ in raw_rows(backend, "v")]
    assert groups == sorted(key_group_for(k, 128, None) for k in keys)


def test_instances_live_under_localdir_and_are_removed_with_the_simulation(tmp_path) -> None:
    """state.backend.rocksdb.localdir holds one directory per run with one instance per subtask (db/CURRENT);
    all of it is gone once the Simulation is."""
    sim, _ = script_job(lambda: ValueStateDescriptor("v"), [(0, "k", "update", 1)], "rocksdb",
                        conf={"state.backend.rocksdb.localdir": str(tmp_path)})
    sim.run()
    (run_dir,) = os.listdir(tmp_path)
    (backend,) = keyed_backends(sim)
    assert run_dir.startswith("flowlab-rocksdb-")
    assert os.path.exists(os.path.join(backend.instance.path, "db", "CURRENT"))
    assert os.path.basename(backend.instance.path).startswith(f"job_{sim.job_id}_op_KeyedProcessOperator_n3__1_1__")
    del sim, backend
    gc.collect()
    assert os.listdir(tmp_path) == []


def test_deepcopy_is_an_independent_copy_of_the_database() -> None:
    """A deep copy of the runtime keeps the values of that moment while the original goes on changing."""
    sim, _ = script_job(lambda: ValueStateDescriptor("v"), [(0, "k", "update", 1), (50, "k", "update", 2)], "rocksdb")
    sim.run(until_ms=20)
    twin = copy.deepcopy(sim.runtime)
    sim.run()
    (orig,) = keyed_backends(sim)
    copied = [op.backend for op in twin.tasks["v2"][0].operators if getattr(op, "backend", None) is not None][0]
    assert ([v for _, _, v in orig.entries("v")], [v for _, _, v in copied.entries("v")],
            orig.instance.path != copied.instance.path) == ([2], [1], True)


def test_back_and_goto_restore_rocksdb_state_exactly() -> None:
    """back() to a step before an update shows the old value; stepping forward again replays the same events."""
    script = [(i * 10, "k", "update", i) for i in range(30)]
    sim, _ = script_job(lambda: ValueStateDescriptor("v", Types.LONG()), script, "rocksdb")
    straight, _ = script_job(lambda: ValueStateDescriptor("v", Types.LONG()), script, "rocksdb")
    straight.run()
    sim.step(40)
    state_at_40 = [op["keyed"] for op in sim.snapshot()["state"]["operators"]]
    sim.step(60)
    assert [op["keyed"] for op in sim.snapshot()["state"]["operators"]] != state_at_40
    sim.back(60)
    assert [op["keyed"] for op in sim.snapshot()["state"]["operators"]] == state_at_40
    sim.goto(5)
    sim.run()
    assert sim.trace_digest() == straight.trace_digest()


def test_typed_state_never_pickles(monkeypatch) -> None:
    """Types.* state on RocksDB is written without pickle (pickle.dumps would fail the job here)."""
    import flowlab.runtime.state.untyped as ser

    def no_pickle(*_a, **_k):
        raise AssertionError("pickle used for typed state")

    monkeypatch.setattr(ser.pickle, "dumps", no_pickle)
    row = Types.ROW_NAMED(["name", "n"], [Types.STRING(), Types.LONG()])
    from flowlab.common import Row
    out = run_script(lambda: ValueStateDescriptor("r", row), [
        (0, "k", "update", Row(name="x", n=3)), (1, "k", "value", None)], "rocksdb")
    assert out[-1] == (2, "value", Row(name="x", n=3))


def test_rocksdb_runs_are_deterministic() -> None:
    """Same program, same seed, RocksDB with its default costs: byte-identical traces."""
    script = [(i * 3, "k%d" % (i % 3), "update", i) for i in range(20)]
    digests = []
    for _ in range(2):
        sim, _ = script_job(lambda: ValueStateDescriptor("v", Types.LONG()), script, "rocksdb")
        sim.run()
        digests.append(sim.trace_digest())
    assert digests[0] == digests[1]
