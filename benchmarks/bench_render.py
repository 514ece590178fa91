"""Median time to render the job-graph SVG (and the status line) for a 6-task, parallelism-4 snapshot.

Target: at most 5 ms per job-graph render, so Play can redraw every step. The layout is computed once per
graph shape and cached, as in the views; the first (cold) render is reported separately.
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
    verdict = "OK" if worst <= TARGET_MS else "SLOWER THAN TARGET"
    print(f"target <= {TARGET_MS} ms per job-graph render: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
