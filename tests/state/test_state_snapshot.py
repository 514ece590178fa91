"""sim.snapshot()['state']: per subtask its key groups and, per state, keys, namespaces, values and sizes."""
from __future__ import annotations

import json

import pytest

import flowlab
from flowlab.common import Configuration, Time, Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.state import StateTtlConfig, ValueStateDescriptor
from flowlab.datastream.window import TumblingEventTimeWindows
from flowlab.sources import ScriptedSource
from tests.state.state_jobs import BACKENDS, script_job


def window_job(backend: str) -> flowlab.Simulation:
    """Key a: 1 and 2 in window [0, 1000); key b: 5 in [1000, 2000); the watermark never passes 1000."""
    conf = Configuration()
    conf.set_string("state.backend.type", backend)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_buffer_timeout(0)
    src = ScriptedSource([(0, ("a", 1), 10), (1, ("b", 5), 1500), (2, ("a", 2), 20)], end_ms=50)
    (env.from_source(src, WatermarkStrategy.no_watermarks(), "s").key_by(lambda r: r[0], key_type=Types.STRING())
        .window(TumblingEventTimeWindows.of(Time.milliseconds(1000))).process(Collect()).print())
    sim = flowlab.Simulation(env)
    sim.run(until_ms=40)
    return sim


class Collect(flowlab.datastream.ProcessWindowFunction):
    def process(self, key, context, elements):
        yield key, list(elements)


@pytest.mark.parametrize("backend", BACKENDS)
def test_window_contents_are_listed_per_key_and_window(backend: str) -> None:
    """The window operator's 'window-contents' state: one entry per (key, window) with its buffered elements."""
    (op,) = window_job(backend).snapshot()["state"]["operators"]
    (contents,) = [s for s in op["keyed"] if s["name"] == "window-contents"]
    entries = sorted(contents["entries"], key=lambda e: (e["key"], e["namespace"]))
    assert [(e["key"], e["namespace"], e["value"]) for e in entries] == [
        ("a", "[0, 1000)", ["(('a', 1), 10)", "(('a', 2), 20)"]), ("b", "[1000, 2000)", ["(('b', 5), 1500)"])]
    assert (contents["kind"], contents["size"]["entries"], contents["size"]["keys"], contents["size"]["elements"]) == (
        "list", 2, 2, 3)


def test_subtask_key_group_ranges_and_key_groups_of_keys() -> None:
    """At parallelism 2 subtask 0 owns key groups [0, 63], subtask 1 [64, 127]; each key shows its group."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.from_collection([("a", 1), ("b", 2), ("c", 3)]).key_by(lambda r: r[0]).reduce(
        lambda x, y: (x[0], x[1] + y[1])).print()
    sim = flowlab.Simulation(env)
    sim.run()
    ops = sim.snapshot()["state"]["operators"]
    assert [op["key_groups"] for op in ops] == [[0, 63], [64, 127]]
    for op in ops:
        for e in op["keyed"][0]["entries"]:
            assert op["key_groups"][0] <= e["key_group"] <= op["key_groups"][1]
    assert sorted(e["key"] for op in ops for e in op["keyed"][0]["entries"]) == ["a", "b", "c"]


def test_ttl_values_show_their_last_access_time() -> None:
    """A TTL value is shown with ts, the processing time of its last write."""
    def make():
        d = ValueStateDescriptor("v", Types.LONG())
        d.enable_time_to_live(StateTtlConfig.new_builder(Time.seconds(5)).build())
        return d
    sim, _ = script_job(make, [(10, "k", "update", 3)], "hashmap")
    sim.run()
    (op,) = sim.snapshot()["state"]["operators"]
    assert op["keyed"][0]["ttl_ms"] == 5000 and op["keyed"][0]["entries"] == [
        {"key": "k", "key_group": op["keyed"][0]["entries"][0]["key_group"], "namespace": None,
         "value": {"value": "3", "ts": 11}}]


def test_rocksdb_sizes_count_bytes_and_name_the_instance_directory() -> None:
    """On RocksDB: size.bytes is keys + values (5 + 8 for one LONG), and rocksdb_path points at the instance."""
    sim, _ = script_job(lambda: ValueStateDescriptor("v", Types.LONG()), [(0, "k", "update", 3)], "rocksdb")
    sim.run()
    snap = sim.snapshot()["state"]
    (op,) = snap["operators"]
    assert (snap["backend"], op["keyed"][0]["size"]["bytes"], op["rocksdb_path"].startswith(snap["directory"])) == (
        "rocksdb", 13, True)


def test_state_snapshot_is_json_and_changes_nothing() -> None:
    """The section serialises to JSON, and taking it twice gives the same answer (no TTL cleanup, no cost)."""
    sim = window_job("hashmap")
    first = json.dumps(sim.snapshot()["state"], sort_keys=True)
    busy = [t.busy_us for t in sim.runtime.all_tasks()]
    assert json.dumps(sim.snapshot()["state"], sort_keys=True) == first
    assert [t.busy_us for t in sim.runtime.all_tasks()] == busy
