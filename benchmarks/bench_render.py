"""Median time to render the job-graph SVG (and the status line) for a 6-task, parallelism-4 snapshot, and to
redraw the checkpoint views for a simulated parallelism-4 job while a checkpoint aligns.

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


if __name__ == "__main__":
    raise SystemExit(main())
