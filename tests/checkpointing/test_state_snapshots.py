"""The small snapshot interface state and sources offer to checkpoints: per key group, and back."""
from __future__ import annotations

import dataclasses

import pytest

from flowlab.common import Types
from flowlab.datastream.state import ListStateDescriptor, ValueStateDescriptor
from flowlab.datastream.window import TimeWindow
from flowlab.graph.key_groups import key_group_for
from flowlab.runtime.checkpointing.config import checkpoint_settings
from flowlab.runtime.checkpointing.metadata import RawJSON
from flowlab.runtime.checkpointing.storage import CheckpointStorage
from flowlab.runtime.keys import TypedKey
from flowlab.runtime.operators.timer_service import InternalTimerService
from flowlab.runtime.state import HeapKeyedStateBackend
from flowlab.runtime.state.snapshot_codec import PickleRefusedError, dumps
from flowlab.runtime.tasks.checkpoint_ack import to_plain_snapshot
from flowlab.sources import ScriptedSource


def _backend(groups: range = range(0, 128)) -> HeapKeyedStateBackend:
    return HeapKeyedStateBackend(128, None, groups)


def test_keyed_state_snapshots_per_key_group_in_insertion_order() -> None:
    """Every entry lands under its key's key group; 1 and 1.0 stay two keys (TypedKey)."""
    b = _backend()
    count = b.get_state(ValueStateDescriptor("count", Types.INT()))
    seen = b.get_state(ListStateDescriptor("seen", Types.STRING()))
    for key in ("a", "b", 1.0, 1):
        b.set_current_key(key)
        count.update(10)
        seen.add(str(key))
    snap = b.snapshot_key_groups()
    assert list(snap) == sorted(snap)
    flat = {(name, k if type(k) is not TypedKey else ("typed", k.key)): (kg, v)
            for kg, states in snap.items() for name, entries in states.items() for k, _, v in entries}
    assert flat[("count", "a")] == (key_group_for("a", 128, None), 10)
    assert flat[("seen", ("typed", 1.0))][1] == ["1.0"] and flat[("seen", 1)][1] == ["1"]


def test_keyed_state_restores_only_the_owned_key_groups() -> None:
    """A backend owning key groups [0, 63] takes those entries of a snapshot and drops the others."""
    full = _backend()
    state = full.get_state(ValueStateDescriptor("v", Types.INT()))
    for i in range(50):
        full.set_current_key(i)
        state.update(i * 2)
    half = _backend(range(0, 64))
    half.restore_key_groups(full.snapshot_key_groups())
    owned = {k: v for (k, _), v in half.tables["v"].items()}
    assert owned == {i: i * 2 for i in range(50) if key_group_for(i, 128, None) < 64}
    assert 0 < len(owned) < 50


def test_timers_snapshot_with_their_key_group_and_restore() -> None:
    """Event and processing timers are grouped by their key's key group and registered again on restore."""
    b = _backend()
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
