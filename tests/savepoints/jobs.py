"""Jobs the savepoint and restore tests share: a keyed count over scripted splits, restorable by uid."""
from __future__ import annotations

from typing import Any

import flowlab
from flowlab.common import Configuration, Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.functions import KeyedProcessFunction, RuntimeContext
from flowlab.datastream.state import ValueStateDescriptor
from flowlab.sources import ScriptedSource

KEYS = [f"k{i}" for i in range(12)]


class Count(KeyedProcessFunction):
    """(key, running count, subtask index) per record: the count lives in keyed ValueState."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))
        self.index = runtime_context.get_index_of_this_subtask()

    def process_element(self, value: Any, ctx: KeyedProcessFunction.Context) -> Any:
        n = (self.count.value() or 0) + 1
        self.count.update(n)
        yield value[0], n, self.index


def splits(n_splits: int = 4, per_split: int = 30, gap_ms: int = 20) -> list[list[tuple]]:
    """Split s emits one record every ``gap_ms`` ms, cycling through the keys."""
    return [[(gap_ms * i, (KEYS[(s * 7 + i) % len(KEYS)], 1)) for i in range(per_split)] for s in range(n_splits)]


def conf(**keys: Any) -> Configuration:
    c = Configuration()
    for k, v in keys.items():
        c.set_string(k, str(v))
    return c


def counting_env(parallelism: int, directory: str | None = None, restore: str | None = None, interval: int = 100,
                 uid: str | None = "count", state_backend: str = "hashmap", parts: list[list[tuple]] | None = None,
                 **extra: Any) -> StreamExecutionEnvironment:
    """The keyed count at ``parallelism``; checkpoints every ``interval`` ms into ``directory``; restored from
    ``restore`` (execution.state-recovery.path) when given."""
    keys: dict[str, Any] = {"state.backend.type": state_backend}
    if directory is not None:
        keys["execution.checkpointing.dir"] = directory
    if restore is not None:
        keys["execution.state-recovery.path"] = restore
    keys.update(extra)
    env = StreamExecutionEnvironment.get_execution_environment(conf(**keys))
    env.set_parallelism(parallelism)
    if interval:
        env.enable_checkpointing(interval)
    src = env.from_source(ScriptedSource(partitions=parts or splits()), WatermarkStrategy.no_watermarks(),
                          "src").uid("src")
    counted = src.key_by(lambda r: r[0], key_type=Types.STRING()).process(
        Count(), output_type=Types.TUPLE([Types.STRING(), Types.LONG(), Types.INT()])).name("count")
    if uid is not None:
        counted = counted.uid(uid)
    counted.add_sink(lambda v: None).name("out")
    return env


def run_to_checkpoint(sim: flowlab.Simulation, n: int) -> str:
    """Run until checkpoint ``n`` completed; its directory (chk-<n>)."""
    sim.break_on("checkpoint_completed", checkpoint_id=n)
    sim.run()
    sim.clear_breakpoints()
    return sim.checkpoints().set_index("id").path[n]


def final_counts(rows: list[tuple]) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, n, _ in rows:
        out[key] = n
    return dict(sorted(out.items()))


def window_rows() -> list[tuple]:
    """(arrival ms, (key, 1), event time): every 100 ms one record for 'a' and one for 'b'; event times
    0..2950, in tumbling windows of 1000 ms."""
    rows = []
    for i in range(30):
        rows.append((i * 100, ("a", 1), i * 100))
        rows.append((i * 100 + 50, ("b", 1), i * 100 + 50))
    return rows


def window_env(restore: str | None = None, parallelism: int = 2, **extra: Any) -> StreamExecutionEnvironment:
    """Per key, the sum of each 1000 ms event-time window; no watermarks until the end of the input (only the
    MAX watermark fires windows), so open windows are state until then."""
    from flowlab.datastream.window import TumblingEventTimeWindows
    keys: dict[str, Any] = dict(extra)
    if restore is not None:
        keys["execution.state-recovery.path"] = restore
    env = StreamExecutionEnvironment.get_execution_environment(conf(**keys))
    env.set_parallelism(parallelism)
    src = env.from_source(ScriptedSource(window_rows()), WatermarkStrategy.no_watermarks(), "events").uid("events")
    (src.key_by(lambda r: r[0], key_type=Types.STRING()).window(TumblingEventTimeWindows.of(1000))
        .sum(1).uid("windows").name("windows").add_sink(lambda v: None).name("out"))
    return env
