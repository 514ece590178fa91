"""Operator state through the CheckpointedFunction extension (not in PyFlink 2.3), and its redistribution."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Types
from flowlab.datastream import MapFunction, StreamExecutionEnvironment
from flowlab.datastream.functions import CheckpointedFunction
from flowlab.datastream.state import ListStateDescriptor
from flowlab.runtime.state.operator_state import (
    SPLIT_DISTRIBUTE,
    UNION,
    redistribute_broadcast_state,
    redistribute_list_state,
)
from tests.state.state_jobs import ListSink


class BufferingMap(MapFunction, CheckpointedFunction):
    """Keeps every value it saw in a plain list; copies it into operator state on snapshot."""

    def __init__(self, union: bool = False) -> None:
        self.union = union
        self.calls: list = []

    def initialize_state(self, context):
        self.calls.append(("initialize_state", context.is_restored(), context.get_restored_checkpoint_id()))
        store = context.get_operator_state_store()
        d = ListStateDescriptor("seen", Types.LONG())
        self.state = store.get_union_list_state(d) if self.union else store.get_list_state(d)
        self.buffer = list(self.state.get())

    def open(self, runtime_context):
        self.calls.append(("open",))

    def map(self, value):
        self.buffer.append(value)
        return self.calls

    def snapshot_state(self, context):
        self.state.update(self.buffer)
        self.calls.append(("snapshot_state", context.get_checkpoint_id(), context.get_checkpoint_timestamp()))


def run(function) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    out: list = []
    env.from_collection([1, 2, 3]).map(function).add_sink(ListSink(out))
    sim = flowlab.Simulation(env)
    sim.run()
    sim.out = out
    return sim


def map_operator(sim: flowlab.Simulation):
    return next(op for op in sim.runtime.tasks["v1"][0].operators if op.name == "Map")


def test_initialize_state_runs_before_open_not_restored() -> None:
    """initialize_state(context) comes first, with is_restored() False and no checkpoint id; then open()."""
    sim = run(BufferingMap())
    assert sim.out[-1][:2] == [("initialize_state", False, None), ("open",)]


def test_snapshot_copies_the_function_state_into_operator_state() -> None:
    """snapshot_function_state(7, 1234) calls snapshot_state(7, 1234) and returns the list, even-split mode."""
    sim = run(BufferingMap())
    op = map_operator(sim)
    snap = op.snapshot_function_state(7, 1234)
    assert (snap, op.function.calls[-1]) == ({"list": {"seen": (SPLIT_DISTRIBUTE, [1, 2, 3])}, "broadcast": {}},
                                             ("snapshot_state", 7, 1234))


def test_union_list_state_is_marked_union() -> None:
    """get_union_list_state registers the state with union redistribution."""
    sim = run(BufferingMap(union=True))
    assert map_operator(sim).snapshot_function_state(1, 0)["list"]["seen"][0] == UNION


def test_operator_state_shows_in_the_state_snapshot() -> None:
    """sim.snapshot()['state'] lists the operator list state with its mode and elements."""
    sim = run(BufferingMap())
    map_operator(sim).snapshot_function_state(1, 0)
    (entry,) = sim.snapshot()["state"]["operators"]
    assert entry["operator_state"]["lists"] == [{"name": "seen", "mode": "SPLIT_DISTRIBUTE",
                                                 "elements": ["1", "2", "3"], "size": 3}]


def test_one_state_name_has_one_redistribution_mode() -> None:
    """Asking for 'seen' as union after even-split fails, naming both."""
    sim = run(BufferingMap())
    store = map_operator(sim).operator_state()
    with pytest.raises(RuntimeError, match=r"was registered with get_list_state \(SPLIT_DISTRIBUTE redistribution\) "
                                           r"and is now asked for with get_union_list_state \(UNION\)"):
        store.get_union_list_state(ListStateDescriptor("seen", Types.LONG()))


def test_even_split_cuts_the_concatenation_into_contiguous_parts() -> None:
    """[[1,2,3],[4,5]] onto 3 subtasks: [[1,2],[3,4],[5]] (the first len % p parts one longer)."""
    assert redistribute_list_state(SPLIT_DISTRIBUTE, [[1, 2, 3], [4, 5]], 3) == [[1, 2], [3, 4], [5]]


def test_even_split_keeps_lists_when_parallelism_is_unchanged() -> None:
    """Same parallelism: every subtask keeps its own list."""
    assert redistribute_list_state(SPLIT_DISTRIBUTE, [[1, 2, 3], [4]], 2) == [[1, 2, 3], [4]]


def test_union_gives_everyone_everything() -> None:
    """Union: every new subtask gets the concatenation (also at unchanged parallelism)."""
    assert redistribute_list_state(UNION, [[1], [2, 3]], 2) == [[1, 2, 3], [1, 2, 3]]


def test_broadcast_state_scale_up_reads_old_copies_round_robin() -> None:
    """2 -> 3: subtasks 0 and 1 read their own copy, subtask 2 reads copy 0."""
    assert redistribute_broadcast_state([{"r": 1}, {"r": 2}], 3) == [{"r": 1}, {"r": 2}, {"r": 1}]
