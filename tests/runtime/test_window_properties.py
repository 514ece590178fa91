"""Properties of event-time windows: without late records, results do not depend on how the job runs."""
from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import flowlab
from flowlab.common import Duration, Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.functions import ProcessWindowFunction
from flowlab.datastream.window import TumblingEventTimeWindows
from flowlab.sources import ScriptedSource

SIZE, DELAY = 100, 20

# one event: (key, value, advance of the partition's base time, how far behind the base, arrival gap)
_event = st.tuples(st.sampled_from("abc"), st.integers(-50, 50), st.integers(0, 60), st.integers(0, DELAY),
                   st.integers(0, 30))
_partition = st.lists(_event, min_size=1, max_size=12)


def _script(events: list[tuple]) -> list[tuple[int, tuple[str, int], int]]:
    """Timestamps lag a rising base by at most DELAY, so no record is late for its own split's watermark."""
    base = arrival = 0
    out = []
    for key, value, step, behind, gap in events:
        base += step
        arrival += gap
        out.append((arrival, (key, value), base - behind))
    return out


class _Tag(ProcessWindowFunction):
    def process(self, key: Any, context: Any, elements: Any) -> Any:
        for key_, total in elements:
            yield (key_, context.window().start, total)


def _job(partitions: list[list[tuple]], window_parallelism: int) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.get_config().set_auto_watermark_interval(5)
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(DELAY))
    src = env.from_source(ScriptedSource(partitions=partitions), strategy, "src").set_parallelism(2)
    (src.key_by(lambda r: r[0], key_type=Types.STRING())
     .window(TumblingEventTimeWindows.of(SIZE))
     .reduce(lambda a, b: (a[0], a[1] + b[1]), window_function=_Tag())
     .set_parallelism(window_parallelism)
     .print())
    return env


def _expected(partitions: list[list[tuple]]) -> Counter:
    sums: dict[tuple[str, int], int] = {}
    for part in partitions:
        for _, (key, value), ts in part:
            w = ts - ts % SIZE
            sums[(key, w)] = sums.get((key, w), 0) + value
    return Counter((k, w, v) for (k, w), v in sums.items())


@settings(max_examples=30, deadline=None)
@given(p0=_partition, p1=_partition, parallelism=st.sampled_from([1, 2, 3]), seed=st.integers(0, 2**16))
def test_tumbling_sums_do_not_depend_on_parallelism_interleaving_or_seed(
        p0: list[tuple], p1: list[tuple], parallelism: int, seed: int) -> None:
    """Per-key window sums equal the order-free reference, whatever the parallelism, arrivals and seed."""
    partitions = [_script(p0), _script(p1)]
    sim = flowlab.Simulation(_job(partitions, parallelism), seed=seed)
    sim.run()
    assert sim.job_status == "FINISHED"
    (results,) = sim.outputs().values()
    assert Counter(results) == _expected(partitions)
    infos = _window_infos(sim)
    assert len(infos) == parallelism
    assert sum(i["late_records_dropped"] for i in infos) == 0


def _window_infos(sim: flowlab.Simulation) -> list[dict[str, Any]]:
    """``snapshot_info()`` of every window operator subtask."""
    return [op.snapshot_info() for task in sim.runtime.all_tasks() for op in task.operators
            if op.node.kind == "window"]


@settings(max_examples=10, deadline=None)
@given(p0=_partition, p1=_partition, seed=st.integers(0, 2**16))
def test_same_program_and_seed_give_the_same_trace(p0: list[tuple], p1: list[tuple], seed: int) -> None:
    """Two simulations of the same program with the same seed have identical trace digests."""
    partitions = [_script(p0), _script(p1)]
    first = flowlab.Simulation(_job(partitions, 2), seed=seed)
    second = flowlab.Simulation(_job(partitions, 2), seed=seed)
    first.run()
    second.run()
    assert first.trace_digest() == second.trace_digest()
    assert first.outputs() == second.outputs()
