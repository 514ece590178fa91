"""``window_all`` as PyFlink 2.3 builds it: keyed by one constant key, at the default parallelism."""
from __future__ import annotations

from typing import Any

import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.functions import AllWindowFunction
from flowlab.datastream.window import TumblingEventTimeWindows
from flowlab.sources import ScriptedSource

MONO = WatermarkStrategy.for_monotonous_timestamps()
RECORDS = [(("a", 1), 1), (("b", 2), 5), (("c", 4), 12)]


class AllSum(AllWindowFunction):
    def apply(self, window: Any, inputs: Any) -> Any:
        yield (window.start, window.end, sum(v for _, v in inputs))


def _job(parallelism: int, sink_parallelism: int | None = None) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    env.get_config().set_auto_watermark_interval(5)
    env.set_buffer_timeout(0)
    script = [(i * 50, r, ts) for i, (r, ts) in enumerate(RECORDS)]
    src = env.from_source(ScriptedSource(script), MONO, "src").set_parallelism(1)
    out = src.window_all(TumblingEventTimeWindows.of(10)).apply(AllSum())
    if sink_parallelism is not None:
        out.set_parallelism(sink_parallelism)
    out.print()
    return env


def _all_window_vertex(sim: flowlab.Simulation) -> Any:
    return next(v for v in sim.job_graph.vertices if v.name.startswith("AllWindow"))


def test_window_all_sums_every_record_together() -> None:
    """Every record, whatever its key, lands in the same windows: [0,10) sums 1+2, [10,20) holds 4."""
    sim = flowlab.Simulation(_job(parallelism=2))
    sim.run()
    assert sim.outputs("Print to Std. Out") == [(0, 10, 3), (10, 20, 4)]


def test_window_all_runs_at_the_default_parallelism_not_one() -> None:
    """PyFlink's window_all keeps the environment's parallelism (Java's windowAll would force 1)."""
    sim = flowlab.Simulation(_job(parallelism=2))
    assert _all_window_vertex(sim).parallelism == 2


def test_window_all_input_is_hash_partitioned_by_one_key() -> None:
    """The edge into the window operator is a HASH edge (key_by(NullByteKeySelector()) in PyFlink)."""
    sim = flowlab.Simulation(_job(parallelism=2))
    (edge,) = _all_window_vertex(sim).in_edges
    assert edge.partitioner.name == "HASH"


def test_window_all_sends_every_record_to_one_subtask() -> None:
    """One subtask receives all three records; the others receive none (only watermarks)."""
    sim = flowlab.Simulation(_job(parallelism=3))
    sim.run()
    vertex = _all_window_vertex(sim)
    received = [st["records_in"] for v in sim.snapshot()["vertices"] if v["id"] == vertex.id
                for st in v["subtasks"]]
    assert sorted(received) == [0, 0, 3]


def test_window_all_parallelism_can_be_set() -> None:
    """set_parallelism on the window_all result is accepted, as in PyFlink (Java refuses anything but 1)."""
    sim = flowlab.Simulation(_job(parallelism=1, sink_parallelism=4))
    assert _all_window_vertex(sim).parallelism == 4
    sim.run()
    assert sorted(sim.outputs("Print to Std. Out")) == [(0, 10, 3), (10, 20, 4)]
