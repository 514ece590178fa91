"""Buffer debloating (FLIP-183, off by default): under backpressure buffers shrink and less data waits in flight."""
import flowlab
from flowlab.common import Configuration, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime.network.debloater import DebloatSettings
from flowlab.sources import GeneratorSource


def _sim(debloat: bool, count: int = 40000) -> flowlab.Simulation:
    conf = Configuration()
    conf.set_string("taskmanager.network.memory.buffer-debloat.enabled", "true" if debloat else "false")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    src = env.from_source(GeneratorSource(lambda i: i, count=count, records_per_second=4000),
                          WatermarkStrategy.no_watermarks(), "gen")
    src.map(lambda x: x).rebalance().add_sink(lambda v: None).set_processing_cost(0.5)   # sink: 2000 rec/s
    return flowlab.Simulation(env, record_trace=False)


def _in_flight_records(sim: flowlab.Simulation) -> int:
    """Records between the producer's output and the sink's input: sender queue, wire, receiver buffers."""
    sub = sim.runtime.tasks["v1"][0].partitions[0].subpartitions[0]
    sink = sim.runtime.tasks["v2"][0]
    return (sum(b.records for b in sub.queue) + sub.current_records + sub.in_flight_records
            + sink.input_queued_records())


def test_debloating_is_off_by_default():
    """Flink's default: buffers keep the configured segment size (32 KiB)."""
    sim = _sim(debloat=False)
    sim.run(until_ms=8000)
    assert sim.runtime.tasks["v1"][0].partitions[0].subpartitions[0].buffer_size == 32 * 1024
    assert _in_flight_records(sim) > 7000


def test_debloating_shrinks_buffers_and_in_flight_data_under_backpressure():
    """The sink consumes ~128 KB/s: with a 1 s target over 10 buffers they shrink to ~13 KB; the sink's input holds
    about 1 s of its 2000 records/s (within the 25 % threshold), and all in flight (with the sender's queue of
    the same buffers) stays under half of the >7000 records of the run without debloating."""
    sim = _sim(debloat=True)
    sim.run(until_ms=8000)
    size = sim.runtime.tasks["v1"][0].partitions[0].subpartitions[0].buffer_size
    assert 8_000 < size < 16_000
    assert 1500 <= sim.runtime.tasks["v2"][0].input_queued_records() <= 2500
    assert _in_flight_records(sim) < 4500


def test_debloating_changes_latency_not_results():
    """Both runs deliver every record, in order, to the sink."""
    for debloat in (False, True):
        sim = _sim(debloat, count=6000)
        sim.run_to_result()
        assert next(iter(sim.runtime.sinks.values())).values == list(range(6000))


def test_settings_follow_flinks_option_names():
    """Target, period, samples and threshold come from taskmanager.network.memory.buffer-debloat.*."""
    s = DebloatSettings({"taskmanager.network.memory.buffer-debloat.enabled": "true",
                         "taskmanager.network.memory.buffer-debloat.target": "500 ms",
                         "taskmanager.network.memory.buffer-debloat.samples": "5",
                         "taskmanager.network.memory.buffer-debloat.threshold-percentages": "50"}, 32768)
    assert (s.enabled, s.target_ms, s.period_ms, s.samples, s.threshold, s.min_size) == (True, 500, 200, 5, 0.5, 256)
