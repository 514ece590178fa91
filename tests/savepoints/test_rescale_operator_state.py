"""Rescaling operator state: list state even-split or union (CheckpointedFunction, a flowlab extension), and
broadcast state copied to every new subtask."""
from __future__ import annotations

from typing import Any

import pytest

import flowlab
from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream import KeyedBroadcastProcessFunction, MapFunction, StreamExecutionEnvironment
from flowlab.datastream.functions import CheckpointedFunction
from flowlab.datastream.state import ListStateDescriptor, MapStateDescriptor
from flowlab.sources import ScriptedSource
from tests.savepoints.jobs import conf

RULES = MapStateDescriptor("rules", Types.STRING(), Types.INT())


class Remember(MapFunction, CheckpointedFunction):
    """Keeps every value it saw in operator list state (even-split, or union)."""

    def __init__(self, union: bool) -> None:
        self.union = union

    def initialize_state(self, context: Any) -> None:
        store = context.get_operator_state_store()
        d = ListStateDescriptor("seen", Types.LONG())
        self.state = store.get_union_list_state(d) if self.union else store.get_list_state(d)
        self.restored = list(self.state.get()) if context.is_restored() else None
        self.buffer = list(self.state.get())

    def map(self, value: Any) -> Any:
        self.buffer.append(value)
        return value

    def snapshot_state(self, context: Any) -> None:
        self.state.update(self.buffer)


def _list_env(parallelism: int, union: bool, restore: str | None = None) -> StreamExecutionEnvironment:
    keys = {} if restore is None else {"execution.state-recovery.path": restore}
    env = StreamExecutionEnvironment.get_execution_environment(conf(**keys))
    env.set_parallelism(parallelism)
    rows = [[(10 * i, s * 100 + i) for i in range(10)] for s in range(2)]
    (env.from_source(ScriptedSource(partitions=rows), WatermarkStrategy.no_watermarks(), "src").uid("src")
        .map(Remember(union), output_type=Types.LONG()).uid("remember").name("remember").add_sink(lambda v: None))
    return env


def _restored_lists(sim: flowlab.Simulation) -> list[list[int]]:
    sim.break_on("task_state", to="RUNNING")
    sim.run()
    rt = sim.runtime
    out = []
    for task in rt.tasks[rt.find_vertex("remember")]:
        op = next(o for o in task.operators if o.name == "remember")
        out.append(op.function.restored)
    return out


@pytest.mark.parametrize("union", [False, True])
def test_list_state_is_split_evenly_or_unioned_on_rescale(tmp_path, union: bool) -> None:
    first = flowlab.Simulation(_list_env(2, union))
    first.run(until_ms=45)
    path = first.stop_with_savepoint(False, str(tmp_path))
    seen = [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]               # subtask 0's list, then subtask 1's
    lists = _restored_lists(flowlab.Simulation(_list_env(3, union, path)))
    if union:
        assert lists == [seen, seen, seen]
    else:
        assert lists == [[0, 1, 2, 3], [4, 100, 101], [102, 103, 104]]


class Rules(KeyedBroadcastProcessFunction):
    def process_element(self, value: Any, ctx: Any) -> Any:
        yield value, dict(ctx.get_broadcast_state(RULES).items())

    def process_broadcast_element(self, value: Any, ctx: Any) -> Any:
        ctx.get_broadcast_state(RULES).put(value[0], value[1])
        return []


def _rules_env(parallelism: int, restore: str | None = None, with_rules: bool = True) -> StreamExecutionEnvironment:
    keys = {} if restore is None else {"execution.state-recovery.path": restore}
    env = StreamExecutionEnvironment.get_execution_environment(conf(**keys))
    env.set_parallelism(parallelism)
    rules = [(0, ("limit", 2)), (5, ("window", 10))] if with_rules else []
    r = env.from_source(ScriptedSource(rules, end_ms=1000), WatermarkStrategy.no_watermarks(), "rules").uid("rules")
    e = env.from_source(ScriptedSource([(100 + 10 * i, f"k{i}") for i in range(12)]),
                        WatermarkStrategy.no_watermarks(), "events").uid("events")
    (e.key_by(lambda x: x, key_type=Types.STRING()).connect(r.broadcast(RULES)).process(Rules()).uid("alert")
        .name("alert").add_sink(lambda v: None).name("out"))
    return env


def test_broadcast_state_reaches_every_new_subtask(tmp_path) -> None:
    """Saved at parallelism 2 once both rules arrived; at parallelism 3 every subtask, the new one too, sees both."""
    first = flowlab.Simulation(_rules_env(2))
    first.run(until_ms=50)
    path = first.stop_with_savepoint(False, str(tmp_path))
    second = flowlab.Simulation(_rules_env(3, path))
    second.run()
    rows = second.outputs("out")
    assert len(rows) == 12 and all(seen == {"limit": 2, "window": 10} for _, seen in rows)
    assert sorted({second.runtime.tasks[second.runtime.find_vertex("alert")][i].operators[0]
                   .operator_state().broadcast_states["rules"].map["window"] for i in range(3)}) == [10]
