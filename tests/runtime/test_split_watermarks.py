"""A source subtask reading several splits emits the minimum of its per-split watermarks (FLIP-27)."""
import flowlab
from flowlab.common import Duration, WatermarkStrategy
from flowlab.datastream import KeyedProcessFunction, StreamExecutionEnvironment
from flowlab.sources import ScriptedSource


class Probe(KeyedProcessFunction):
    def process_element(self, value, ctx):
        yield (value, ctx.timer_service().current_watermark())


def _job(idle_ms=None, end_ms=5000):
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)                       # one source subtask reads both partitions
    env.get_config().set_auto_watermark_interval(10)
    busy = [(i * 100, f"p0-{i}", i * 100) for i in range(10)]
    silent = [(0, "p1-0", 0), (50, "p1-1", 50)]  # falls silent after 50 ms
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(0))
    if idle_ms is not None:
        strategy = strategy.with_idleness(Duration.of_millis(idle_ms))
    src = env.from_source(ScriptedSource(partitions=[busy, silent], end_ms=end_ms), strategy, "two partitions")
    src.key_by(lambda v: "k").process(Probe()).print()
    sim = flowlab.Simulation(env)
    sim.run()
    return dict(eval(line) for line in sim.printed_lines())  # noqa: S307 - our own printed tuples


def test_a_silent_split_holds_back_the_whole_subtask():
    """Without idleness the subtask's watermark stays at the silent split's 50 - 0 - 1 = 49."""
    seen = _job()
    assert seen["p0-2"] == 49
    assert seen["p0-9"] == 49


def test_an_idle_split_is_left_out_of_the_minimum():
    """With idleness the silent split goes idle and the busy split's watermark passes through."""
    seen = _job(idle_ms=200)
    assert seen["p0-3"] == 199
    assert seen["p0-9"] == 799


def test_a_finished_split_is_released():
    """Once the silent split has ended (end_ms) it no longer holds the watermark back."""
    seen = _job(end_ms=350)
    assert seen["p0-3"] == 49
    assert seen["p0-4"] == 299
    assert seen["p0-9"] == 799
