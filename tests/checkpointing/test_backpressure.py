"""Under backpressure aligned barriers wait behind the buffered data, so checkpoints slow down and expire;
unaligned barriers overtake it and store it instead, so checkpoints stay fast."""
from __future__ import annotations

import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.sources import GeneratorSource

from .jobs import env_with


def _run(unaligned: bool) -> flowlab.Simulation:
    """20 000 records/s into a keyed sum that manages 10 000/s; checkpoints every 200 ms, timeout 500 ms."""
    env = env_with(2, interval=200)
    config = env.get_checkpoint_config().set_checkpoint_timeout(500).set_tolerable_checkpoint_failure_number(100)
    if unaligned:
        config.enable_unaligned_checkpoints()
    src = env.from_source(GeneratorSource(lambda i: (i % 10, 1), count=30000, records_per_second=20000),
                          WatermarkStrategy.no_watermarks(), "gen")
    (src.map(lambda x: x).set_processing_cost(0.01).rebalance().key_by(lambda t: t[0]).sum(1).name("count")
        .set_processing_cost(0.2).add_sink(lambda v: None))
    sim = flowlab.Simulation(env, record_trace=False)
    sim.run_to_result()
    return sim


def test_aligned_checkpoints_wait_for_the_backlog_and_expire() -> None:
    """The first takes 291.7 ms (its barriers queue behind full buffers); the next five expire after 500 ms."""
    frame = _run(False).checkpoints()
    assert frame[["id", "status", "trigger_time_ms", "duration_ms"]].head(6).values.tolist() == [
        [1, "COMPLETED", 200.0, 291.718], [2, "FAILED", 491.718, 500.0], [3, "FAILED", 991.718, 500.0],
        [4, "FAILED", 1491.718, 500.0], [5, "FAILED", 1991.718, 500.0], [6, "FAILED", 2491.718, 500.0]]
    assert set(frame.failure[1:6]) == {"Checkpoint expired before completing."}


def test_unaligned_checkpoints_stay_fast_and_persist_the_backlog() -> None:
    """Every 200 ms a checkpoint completes within 6 ms, storing the in-flight data, which grows with the backlog
    and shrinks as it drains after the input ended."""
    frame = _run(True).checkpoints()
    assert frame.status.tolist() == ["COMPLETED"] * 16
    assert frame.trigger_time_ms.tolist() == [200.0 * k for k in range(1, 17)]
    assert frame.duration_ms.max() < 6
    assert frame.in_flight_persisted.tolist()[:4] == [183552, 312320, 441088, 569856]
    assert frame.in_flight_persisted.tolist()[-3:] == [192288, 65056, 0]


def _run_with_timeout(segment: str) -> flowlab.Simulation:
    env = env_with(2, interval=200, taskmanager__memory__segment___size=segment)
    (env.get_checkpoint_config().set_checkpoint_timeout(5000).set_tolerable_checkpoint_failure_number(100)
        .enable_unaligned_checkpoints())
    from flowlab.common import Duration
    env.get_checkpoint_config().set_aligned_checkpoint_timeout(Duration.of_millis(100))
    src = env.from_source(GeneratorSource(lambda i: (i % 10, 1), count=30000, records_per_second=20000),
                          WatermarkStrategy.no_watermarks(), "gen")
    (src.map(lambda x: x).set_processing_cost(0.01).rebalance().key_by(lambda t: t[0]).sum(1).name("count")
        .set_processing_cost(0.2).add_sink(lambda v: None))
    sim = flowlab.Simulation(env, record_trace=False)
    sim.run_to_result()
    return sim


def test_aligned_timeout_counts_while_the_barrier_waits_in_the_input_queue() -> None:
    """With 32 KiB buffers the barriers of checkpoint 2 wait behind a long input queue; the 100 ms aligned-
    checkpoint timeout still switches it to unaligned about 100 ms after the trigger (the barrier is announced
    on arrival, as in Flink), not only once the queue ahead of it has drained."""
    frame = _run_with_timeout("32kb").checkpoints()
    assert frame.status.tolist()[:4] == ["COMPLETED"] * 4
    assert (frame.duration_ms.head(4) < 110).all(), frame.duration_ms.head(4).tolist()
