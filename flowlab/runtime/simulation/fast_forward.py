"""Fast-forward: run a job without stepping bookkeeping, tasks running ahead of each other.

Used by ``execute()`` and ``execute_and_collect()`` (the trace is off there). The kernel runs in chunks;
after each chunk the sink rows and printed lines that tasks wrote while running ahead are merged into key
order up to the next pending call (nothing can still come before it), so a collect iterator can hand
them out while the job goes on.

Python's cyclic garbage collector is paused while a chunk runs: a run keeps most of what it allocates (sink
rows, state values), and the collector would otherwise scan those survivors again and again (every 700
allocations). It is switched back on between chunks, where it collects once what the chunk left.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from flowlab.runtime.job_runtime import JobRuntime
from flowlab.runtime.simulation.errors import JobNotBoundedError

CHUNK = 2_000          # kernel calls between merges of the sinks' rows
QUIET_LIMIT = 100_000  # internal calls without an observable event before a job counts as stuck


def fast_forward(rt: JobRuntime) -> Iterator[None]:
    """Run ``rt`` to its end, yielding after every chunk of kernel calls with its logs settled so far."""
    rt.fast_forward()
    kernel, rec = rt.kernel, rt.recorder
    step = kernel.step
    quiet = 0
    while not rt.terminal:
        before = rec.count
        ran = 0
        with _collector_paused():
            while ran < CHUNK and not rt.terminal and step():
                ran += 1
            rt.settle_logs(kernel.peek_key())
        yield
        if ran < CHUNK:                       # the job is over, or nothing is left to happen
            return
        quiet = quiet + ran if rec.count == before else 0
        if quiet >= QUIET_LIMIT:
            raise JobNotBoundedError(
                f"The job made no progress in {QUIET_LIMIT:,} internal calls (up to t = {kernel.now / 1000:g} "
                f"virtual ms) although it is {rt.status}: it waits for something that never comes.")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a block (if it was on), on again after it (the caller's setting)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
