"""Interactive stepping: step()+redraw latency, back(1)/goto latency deep into a run, and memory.

Prints figures; it is not a test. The job is a p=4 keyed rolling reduce over an unbounded seeded
``GeneratorSource`` (source -> map -> key_by -> reduce -> sink), run as ``flowlab.Simulation(env)``
with the trace on and time travel on (the notebook defaults).

Usage: python benchmarks/bench_stepping.py [--steps 2000] [--deep 100000] [--backs 20]
"""
from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
from pathlib import Path

if "flowlab" not in sys.modules:          # run from a checkout without installing; a pre-imported flowlab wins
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flowlab  # noqa: E402
from flowlab.common import WatermarkStrategy  # noqa: E402
from flowlab.datastream import StreamExecutionEnvironment  # noqa: E402
from flowlab.sources import GeneratorSource  # noqa: E402

STEP_REDRAW_TARGET_MS = 20.0
BACK_TARGET_MS = 100.0


def make_env(parallelism: int = 4) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    (env.from_source(GeneratorSource(count=None, records_per_second=10_000), WatermarkStrategy.no_watermarks(),
                     "generator")
        .map(lambda i: (i % 1000, 1))
        .key_by(lambda t: t[0])
        .reduce(lambda a, b: (a[0], a[1] + b[1]))
        .add_sink(lambda v: None))
    return env


def ms(seconds: float) -> float:
    return seconds * 1000.0


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def verdict(value: float, target: float) -> str:
    return f"target <= {target:.0f} ms: {'ok' if value <= target else 'MISSED'}"


def load_renderers():
    try:
        from flowlab.viz.render.jobgraph_svg import render_job_graph
    except Exception as exc:  # noqa: BLE001 - the viz package is being finished in parallel
        return None, None, f"{type(exc).__name__}: {exc}"
    try:
        from flowlab.viz.render.status_html import render_status
    except Exception:  # noqa: BLE001
        render_status = None
    return render_job_graph, render_status, None


def bench_step_redraw(steps: int) -> None:
    sim = flowlab.Simulation(make_env(4))
    render_job_graph, render_status, why = load_renderers()
    if render_job_graph is not None:               # warm-up: layout cache, imports
        snap = sim.snapshot()
        render_job_graph(snap)
        if render_status:
            render_status(snap)
    t_step, t_snap, t_render, t_total = [], [], [], []
    clock = time.perf_counter
    for _ in range(steps):
        t0 = clock()
        sim.step()
        t1 = clock()
        snap = sim.snapshot()
        t2 = clock()
        if render_job_graph is not None:
            render_job_graph(snap)
            if render_status is not None:
                render_status(snap)
        t3 = clock()
        t_step.append(t1 - t0)
        t_snap.append(t2 - t1)
        t_render.append(t3 - t2)
        t_total.append(t3 - t0)
    print(f"p=4 job, {steps:,} steps (trace on, time travel on, snapshot every 200 steps):")
    print(f"  step()              median {ms(statistics.median(t_step)):7.3f} ms   p95 {ms(pct(t_step, .95)):7.3f} ms"
          f"   max {ms(max(t_step)):7.2f} ms")
    print(f"  snapshot()          median {ms(statistics.median(t_snap)):7.3f} ms   p95 {ms(pct(t_snap, .95)):7.3f} ms")
    if render_job_graph is None:
        print(f"  render: skipped (flowlab.viz.render not importable: {why})")
        med = ms(statistics.median(t_total))
        print(f"  step()+snapshot()   median {med:7.3f} ms   ({verdict(med, STEP_REDRAW_TARGET_MS)}, without render)")
        return
    parts = "render_job_graph + render_status" if render_status else "render_job_graph"
    print(f"  {parts:<19s} median {ms(statistics.median(t_render)):7.3f} ms   p95 {ms(pct(t_render, .95)):7.3f} ms")
    med = ms(statistics.median(t_total))
    print(f"  step()+redraw       median {med:7.3f} ms   p95 {ms(pct(t_total, .95)):7.3f} ms   "
          f"({verdict(med, STEP_REDRAW_TARGET_MS)})")


def bench_deep(deep: int, backs: int) -> None:
    gc.collect()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss        # KiB on Linux
    sim = flowlab.Simulation(make_env(4))
    t0 = time.perf_counter()
    sim.step(deep)
    run_s = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"p=4 job stepped to step {sim.step_count:,} (t = {sim.now_ms:,.0f} ms virtual) in {run_s:.1f} s "
          f"({sim.step_count / run_s:,.0f} steps/s with trace + snapshots); "
          f"{len(sim.events()):,} trace events, {len(sim._travel)} snapshots kept")
    print(f"  peak RSS growth     {(rss1 - rss0) / 1024:7.1f} MiB (ru_maxrss, Simulation + trace + snapshots)")

    times = []
    for _ in range(backs):
        t = time.perf_counter()
        sim.back(1)
        times.append(time.perf_counter() - t)
    med = ms(statistics.median(times))
    print(f"  back(1) x{backs}         median {med:7.1f} ms   max {ms(max(times)):7.1f} ms   "
          f"({verdict(med, BACK_TARGET_MS)})")

    here = sim.step_count
    for target in (here // 2, 1_000):
        t = time.perf_counter()
        sim.goto(target)
        print(f"  goto({target:,}) from {here:,}: {ms(time.perf_counter() - t):8.1f} ms")
        here = sim.step_count
    fwd = min(here + 2_000, deep)
    t = time.perf_counter()
    sim.goto(fwd)
    print(f"  goto({fwd:,}) forward from {here:,}: {ms(time.perf_counter() - t):8.1f} ms (replays every step)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2_000, help="steps timed with a redraw each (default 2000)")
    ap.add_argument("--deep", type=int, default=100_000, help="step to reach before back/goto (default 100000)")
    ap.add_argument("--backs", type=int, default=20, help="back(1) calls to time (default 20)")
    args = ap.parse_args()
    print(f"Python {sys.version.split()[0]}")
    bench_deep(args.deep, args.backs)          # first, so ru_maxrss growth belongs to it
    bench_step_redraw(args.steps)


if __name__ == "__main__":
    main()
