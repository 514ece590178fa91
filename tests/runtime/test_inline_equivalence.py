"""Fast-forward (tasks continuing inline) must not change what happens, only how many kernel calls it takes."""
import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import GeneratorSource


def _build() -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(3)
    env.set_buffer_timeout(5)
    src = env.from_source(GeneratorSource(lambda i, r: (f"k{r.randrange(5)}", i), count=3000,
                                          records_per_second=20000), WatermarkStrategy.no_watermarks(), "gen")
    (src.shuffle().map(lambda t: (t[0], t[1] * 10)).set_processing_cost(0.07)
     .rebalance().key_by(lambda t: t[0]).sum(1).add_sink(lambda v: None))
    return env


def test_fast_forward_equals_stepping() -> None:
    """Every sink row (subtask, value, timestamp, virtual arrival time) is identical in both modes."""
    stepped = flowlab.Simulation(_build(), seed=3)
    stepped.run()
    fast = flowlab.Simulation(_build(), seed=3, record_trace=False)
    fast.run_to_result()
    rows_a = {k: v.rows for k, v in stepped.runtime.sinks.items()}
    rows_b = {k: v.rows for k, v in fast.runtime.sinks.items()}
    assert len(next(iter(rows_a.values()))) == 3000
    assert rows_a == rows_b
    assert stepped.now_us == fast.now_us
