"""The small snapshot interface state and sources offer to checkpoints: per key group, and back."""
from __future__ import annotations

import dataclasses
import os

import pytest

import flowlab
from flowlab.common import Time, Types, WatermarkStrategy
from flowlab.datastream.functions import KeyedProcessFunction
from flowlab.datastream.state import ListStateDescriptor, ValueStateDescriptor
from flowlab.datastream.state_ttl import StateTtlConfig
from flowlab.datastream.window import TimeWindow
from flowlab.graph.key_groups import key_group_for
from flowlab.runtime.checkpointing import read_checkpoint
from flowlab.runtime.checkpointing.config import checkpoint_settings
from flowlab.runtime.checkpointing.metadata import RawJSON
from flowlab.runtime.checkpointing.storage import CheckpointStorage
from flowlab.runtime.operators.timer_service import InternalTimerService
from flowlab.runtime.state.factory import StateBackends
from flowlab.runtime.state.key_group_snapshot import snapshot_key_groups
from flowlab.runtime.state.snapshot_codec import PickleRefusedError, dumps
from flowlab.runtime.state.ttl import TtlValue
from flowlab.runtime.tasks.checkpoint_ack import to_plain_snapshot
from flowlab.sources import GeneratorSource, ScriptedSource

from .jobs import env_with


class _Host:
    """What a keyed backend needs of its subtask: a cost counter and the time."""

    cost = 0

    def now_ms(self) -> int:
        return 0


def _backend(kind: str, tmp_path, groups: range = range(0, 128)):
    conf = {"state.backend.type": kind, "state.backend.rocksdb.localdir": str(tmp_path)}
    return StateBackends(conf, "j" * 32).create_keyed(_Host(), "op", f"op-{kind}", 128, None, groups)


def _fill(b) -> None:
    count = b.get_state(ValueStateDescriptor("count", Types.INT()))
    seen = b.get_state(ListStateDescriptor("seen", Types.STRING()))
    for key in ("a", "b", 1.0, 1):
        b.set_current_key(key)
        count.update(10)
        seen.add(str(key))


@pytest.mark.parametrize("kind", ["hashmap", "rocksdb"])
def test_keyed_state_snapshots_per_key_group(kind: str, tmp_path) -> None:
    """Every entry lands under its key's key group, key groups in order; 1 and 1.0 stay two keys."""
    b = _backend(kind, tmp_path)
    _fill(b)
    snap = snapshot_key_groups(b)
    assert list(snap) == sorted(snap)
    flat = {(name, type(k).__name__, k): (kg, v) for kg, states in snap.items() for name, entries in states.items()
            for k, _, v in entries}
    assert flat[("count", "str", "a")] == (key_group_for("a", 128, None), 10)
    assert flat[("seen", "float", 1.0)][1] == ["1.0"] and flat[("seen", "int", 1)][1] == ["1"]
    assert len(flat) == 8


def test_heap_and_rocksdb_snapshot_the_same_state(tmp_path) -> None:
    """The same writes give the same checkpoint bytes on both backends (entries sorted within a key group)."""
    heap, rocks = _backend("hashmap", tmp_path), _backend("rocksdb", tmp_path)
    _fill(heap)
    _fill(rocks)

    def canonical(b) -> bytes:
        snap = snapshot_key_groups(b)
        return dumps(to_plain_snapshot({"keyed": {kg: {"states": {n: sorted(e, key=repr) for n, e in st.items()}}
                                                  for kg, st in snap.items()}}))
    assert canonical(heap) == canonical(rocks)


def test_timers_snapshot_with_their_key_group_and_restore(tmp_path) -> None:
    """Event and processing timers are grouped by their key's key group and registered again on restore."""
    b = _backend("hashmap", tmp_path)
    b.set_current_key("k")
    ts = InternalTimerService(lambda *a: None, lambda *a: None, lambda t: None, b.set_current_key)
    ts.register_event_time_timer("k", TimeWindow(0, 10), 9)
    ts.register_processing_time_timer("k", None, 5)
    snap = ts.snapshot_key_groups(b.key_group_of)
    kg = key_group_for("k", 128, None)
    assert snap == {kg: {"event_timers": [(9, "k", TimeWindow(0, 10))], "processing_timers": [(5, "k", None)]}}
    fresh = InternalTimerService(lambda *a: None, lambda *a: None, lambda t: None, b.set_current_key)
    fresh.restore_key_groups(snap)
    assert (fresh.event_timers(), fresh.processing_timers()) == ([(9, "k", TimeWindow(0, 10))], [(5, "k", None)])


def test_a_scripted_source_snapshots_and_restores_its_split_offsets() -> None:
    """The reader's position is its split offsets (FLIP-27 split state)."""
    src = ScriptedSource(partitions=[[(0, "a"), (1, "b")], [(0, "c")], [(2, "d")]])
    reader = src.create_reader(0, 2, None)          # splits 0 and 2
    reader.poll()
    reader.poll()
    assert reader.snapshot_position() == {"position": 2, "splits": [[0, 2], [2, 0]]}
    again = src.create_reader(0, 2, None)
    again.restore_position(reader.snapshot_position())
    assert again.offsets == reader.offsets and again.poll() == reader.poll()


def _completed(unpickle: bool, tmp_path) -> tuple[CheckpointStorage, CheckpointStorage, object]:
    conf = {"execution.checkpointing.interval": "100 ms", "execution.checkpointing.dir": str(tmp_path),
            "flowlab.checkpointing.unpickle-foreign-files": str(unpickle).lower()}
    settings = checkpoint_settings(conf)
    writer = CheckpointStorage(settings, "a" * 32)
    fragment = dumps(to_plain_snapshot({"keyed": {3: {"states": {"s": [("k", None, complex(1, 2))]}}},
                                        "operator": None}))
    done = writer.store(1, {"checkpoint_id": 1, "job_id": "a" * 32},
                        [{"operator_id": "op", "name": "op", "vertex": "v1", "parallelism": 1, "max_parallelism": 128,
                          "subtasks": [{"subtask": 0, "finished": False, "state": RawJSON(fragment)}]}], [])
    reader = CheckpointStorage(dataclasses.replace(settings, directory=None), "b" * 32)
    return writer, reader, done


def test_pickled_state_from_another_run_needs_the_opt_in_key(tmp_path) -> None:
    """The run that wrote it reads it; another run refuses unless unpickle-foreign-files is true."""
    writer, reader, done = _completed(False, tmp_path)
    assert writer.read(done)["operators"]["op"]["subtasks"][0]["state"]["keyed"][3]["states"]["s"][0][2] == 1 + 2j
    with pytest.raises(PickleRefusedError):
        reader.read(done)
    _, trusting, done2 = _completed(True, tmp_path / "again")
    assert trusting.read(done2)["operators"]["op"]["subtasks"][0]["state"]["keyed"][3]["states"]["s"][0][2] == 1 + 2j


class _Remember(KeyedProcessFunction):
    """Keeps the last value per key in a ValueState with a time-to-live."""

    def open(self, runtime_context) -> None:
        desc = ValueStateDescriptor("last", Types.INT())
        desc.enable_time_to_live(StateTtlConfig.new_builder(Time.seconds(60)).build())
        self.last = runtime_context.get_state(desc)

    def process_element(self, value, ctx):
        self.last.update(value[1])
        yield value


def test_state_with_a_time_to_live_is_checkpointed_with_its_timestamps_and_without_pickle(tmp_path) -> None:
    """TTL values keep their last-access time in the checkpoint, as tagged JSON."""
    env = env_with(1, interval=50, execution__checkpointing__dir=f"file://{tmp_path}")
    env.from_source(GeneratorSource(lambda i: (i % 3, i), count=300, records_per_second=2000),
                    WatermarkStrategy.no_watermarks(), "gen").key_by(lambda t: t[0], key_type=Types.INT()) \
        .process(_Remember(), output_type=Types.TUPLE([Types.INT(), Types.INT()])).add_sink(lambda v: None)
    sim = flowlab.Simulation(env)
    sim.break_on("checkpoint_completed")
    sim.run()
    data = open(os.path.join(sim.checkpoints().path[0], "_metadata"), "rb").read()
    assert b'{"ttl":[' in data and b'"p":' not in data
    state = read_checkpoint(sim.checkpoints().path[0])
    op = next(o for o in state["operators"].values() if o["name"].startswith("KeyedProcess"))
    values = [v for g in op["subtasks"][0]["state"]["keyed"].values() for _, _, v in g["states"]["last"]]
    assert all(isinstance(v, TtlValue) for v in values) and len(values) == 3
