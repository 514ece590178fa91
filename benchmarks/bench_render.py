"""Median time to render the job-graph SVG (and the status line) for a 6-task, parallelism-4 snapshot, to
redraw the checkpoint views for a simulated parallelism-4 job while a checkpoint aligns, and to redraw the
end-to-end views (key groups, recovery timeline, Kafka topics).

Target: at most 5 ms per job-graph render and per checkpoint-view redraw, so Play can redraw every step. The
layout is computed once per graph shape and cached, as in the views; the first (cold) render is reported
separately.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "viz"))   # the synthetic snapshot fixture

from samples import synthetic_snapshot  # noqa: E402

from flowlab.viz.render import render_job_graph, render_status  # noqa: E402
from flowlab.viz.render.layout import clear_layout_cache  # noqa: E402

TARGET_MS = 5.0
ROUNDS = 200


def median_ms(fn, args: list, rounds: int = ROUNDS) -> float:
    """Median wall time of ``fn(a)`` in ms, cycling through ``args``."""
    times = []
    for k in range(rounds):
        a = args[k % len(args)]
        t0 = time.perf_counter()
        fn(a)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    snaps = [synthetic_snapshot(6, 4, step=s) for s in range(20, 40)]
    worst = 0.0
    for chained in (True, False):
        view = "chained" if chained else "unchained"
        clear_layout_cache()
        t0 = time.perf_counter()
        svg = render_job_graph(snaps[0], chained=chained)
        cold = (time.perf_counter() - t0) * 1000
        med = median_ms(lambda snap, c=chained: render_job_graph(snap, chained=c), snaps)
        worst = max(worst, med)
        print(f"job graph ({view:9}): median {med:6.2f} ms   cold (with layout) {cold:6.2f} ms   "
              f"{len(svg) / 1024:5.1f} KiB")
    print(f"status line          : median {median_ms(render_status, snaps):6.3f} ms")
    worst = max(worst, bench_checkpoint_views())
    worst = max(worst, bench_end_to_end_views())
    verdict = "OK" if worst <= TARGET_MS else "SLOWER THAN TARGET"
    print(f"target <= {TARGET_MS} ms per job-graph render and checkpoint-view redraw: {verdict}")
    return 0


def checkpointed_sim():
    """A keyed sum at parallelism 4 (4 × 4 hash channels, 1 KB buffers, a slow sum) stopped while checkpoint 1
    aligns: barriers in channels, a channel blocked."""
    import flowlab
    from flowlab.common import Configuration, Types, WatermarkStrategy
    from flowlab.datastream import CheckpointingMode, StreamExecutionEnvironment
    from flowlab.sources import GeneratorSource

    conf = Configuration()
    conf.set_string("taskmanager.memory.segment-size", "1kb")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(4)
    env.enable_checkpointing(20, CheckpointingMode.EXACTLY_ONCE)
    src = env.from_source(GeneratorSource(lambda i: (i % 7, 1), count=4000, records_per_second=20000),
                          WatermarkStrategy.no_watermarks(), "gen")
    src.key_by(lambda t: t[0], key_type=Types.INT()).sum(1).name("count").set_processing_cost(0.3) \
        .add_sink(lambda v: None).name("out")
    sim = flowlab.Simulation(env)
    sim.break_on("channel_blocked")
    for _ in range(3):
        sim.run()
    return sim


def bench_checkpoint_views() -> float:
    """Median redraw of CheckpointView (pure renderers, then the widget) and of the consistent cut; returns the
    CheckpointView widget redraw (the figure with the target)."""
    from flowlab.viz import CheckpointView, ConsistentCutView, StateView
    from flowlab.viz.render.checkpoint_html import (
        render_barrier_channels,
        render_checkpoint_history,
        render_checkpoint_summary,
        render_subtask_phases,
    )
    from flowlab.viz.render.checkpoint_svg import render_barrier_graph

    sim = checkpointed_sim()
    snap = sim.snapshot()
    ck = snap["checkpoints"]
    barriers = sum(len(c["barriers"]) for c in ck["channels"])
    blocked = sum(1 for c in ck["channels"] if c["blocked"])
    print(f"checkpoint views: p=4 keyed sum at step {sim.step_count}, {len(ck['channels'])} channels, "
          f"{barriers} barriers in them, {blocked} blocked")

    def pure(s):
        return (render_checkpoint_summary(s), render_barrier_graph(s), render_barrier_channels(s),
                render_subtask_phases(s), render_checkpoint_history(s))

    print(f"  sim.snapshot()      : median {median_ms(lambda _: sim.snapshot(), [0], 50):6.2f} ms")
    print(f"  barrier renderers   : median {median_ms(pure, [snap]):6.2f} ms")
    view = CheckpointView(sim, follow=False)
    widget_ms = median_ms(view.refresh, [snap])
    print(f"  CheckpointView redraw: median {widget_ms:6.2f} ms")
    cut = ConsistentCutView(sim, follow=False)
    print(f"  ConsistentCutView   : median {median_ms(cut.refresh, [snap], 50):6.2f} ms "
          f"(trace of {len(sim.events())} events)")
    state = StateView(sim, follow=False)
    print(f"  StateView redraw    : median {median_ms(state.refresh, [snap]):6.2f} ms")
    return widget_ms


def bench_end_to_end_views() -> float:
    """KeyGroupView (p=4 -> 6) on the keyed sum above; RecoveryTimelineView on a job that failed after 10 000
    records (the first drawing reads the whole trace; a redraw reads only new events);
    KafkaTopicView on a topic of 400 records. Returns the slowest warm redraw."""
    import flowlab
    from flowlab.common import SimpleStringSchema, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.datastream.connectors.kafka import KafkaSource, SimulatedKafka
    from flowlab.sources import GeneratorSource
    from flowlab.viz import KafkaTopicView, KeyGroupView, RecoveryTimelineView

    sim = checkpointed_sim()
    snap = sim.snapshot()
    kg = KeyGroupView(sim, "count", rescale_to=6, follow=False)
    kg_ms = median_ms(kg.refresh, [snap])
    print(f"end-to-end views: KeyGroupView p=4 -> 6 redraw: median {kg_ms:6.2f} ms")

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.enable_checkpointing(50)
    env.from_source(GeneratorSource(lambda i: (i % 5, 1), count=None, records_per_second=20000),
                    WatermarkStrategy.no_watermarks(), "gen").key_by(lambda t: t[0]).sum(1).add_sink(lambda v: None)
    failing = flowlab.Simulation(env)
    failing.fail("v1", 1, at_ms=500)
    failing.run(until_ms=600)
    t0 = time.perf_counter()
    view = RecoveryTimelineView(failing, follow=False)              # draws once: reads the whole trace
    cold = (time.perf_counter() - t0) * 1000
    fsnap = failing.snapshot()
    rt_ms = median_ms(view.refresh, [fsnap], 50)
    print(f"  RecoveryTimelineView: first draw {cold:6.1f} ms (trace of {len(failing.events())} events read), "
          f"redraw median {rt_ms:6.2f} ms")

    kafka = SimulatedKafka("bench:9092")
    kafka.create_topic("in", 2)
    for i in range(400):
        kafka.produce("in", f"value-{i}", key=f"k{i % 9}", at_ms=i)
    env = StreamExecutionEnvironment.get_execution_environment()
    source = (KafkaSource.builder().set_bootstrap_servers("bench:9092").set_topics("in").set_group_id("g")
              .set_value_only_deserializer(SimpleStringSchema()).build())
    env.from_source(source, WatermarkStrategy.no_watermarks(), "kafka").add_sink(lambda v: None)
    ksim = flowlab.Simulation(env)
    ksim.run(until_ms=450)
    ksnap = ksim.snapshot()
    kv = KafkaTopicView(ksim, follow=False)
    k_ms = median_ms(kv.refresh, [ksnap])
    print(f"  KafkaTopicView (2 partitions, 400 records) redraw: median {k_ms:6.2f} ms")
    return max(kg_ms, rt_ms, k_ms)


if __name__ == "__main__":
    raise SystemExit(main())
