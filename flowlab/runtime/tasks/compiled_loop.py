"""Batches of record units through a compiled chain (``compiled_chain.py``), for ``fast_loop.run_fast``.

A *unit* is what one ``StreamTask._run_once`` call does: here, one record of the current input buffer or of
the source. Between two units ``run_fast`` does the task's accounting (busy time), decides when the next one
runs (now + the record's cost) and whether it may run inline (before the horizon and the kernel's next call
for the task or the whole job), then moves the clock (``Kernel.go_on``). These loops do the same for a run of
record units, keeping the clock, the call counter and the current call key (``Kernel.current_key``, which sink
rows carry) up to date per record, but the counters (records in, observable events) and the busy time once
per batch. A batch stops before a unit that would not be a record of the same buffer or source (a mail, an
event, a watermark, the end of the buffer), that may not run inline, or that finds no output buffer
available; ``run_fast`` then goes on the ordinary way, so the two loops give the same units in the same order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.runtime.phases import PHASE_TASK

if TYPE_CHECKING:
    from flowlab.runtime.tasks.compiled_chain import CompiledChain
    from flowlab.runtime.tasks.stream_task import StreamTask


class Limit:
    """When the running task's next unit may no longer run inline: at ``horizon`` or at the key of the first
    call due for it or for the whole job (``Kernel.limit_for``, valid while the kernel's ``version`` holds).

    ``refresh()`` gives a time before which the next unit surely may run; at or after it, ``allows`` decides
    exactly as ``run_fast`` does."""

    __slots__ = ("kernel", "actor", "horizon", "key")

    def __init__(self, task: StreamTask, horizon: int) -> None:
        self.kernel = task.kernel
        self.actor = task.actor
        self.horizon = horizon
        self.key = None

    def refresh(self) -> int:
        key = self.key = self.kernel.limit_for(self.actor)
        return self.horizon if key is None or key[0] > self.horizon else key[0]

    def allows(self, t: int, now: int) -> bool:
        """May the unit the task would schedule now (at ``now``) for time ``t`` run inline?"""
        if t >= self.horizon:
            return False
        key = self.key
        return key is None or t < key[0] or (
            t == key[0] and (t, PHASE_TASK, now, self.actor, self.kernel.counters[self.actor] + 1) < key)


def run_records(task: StreamTask, chain: CompiledChain, limit: Limit) -> int | None:
    """Run the records of the current input buffer, starting with the one at its position, while the next may
    run inline. Returns when to come back after the last unit run (``_input_step``'s answer; None: no input)."""
    kernel = task.kernel
    counters = kernel.counters
    actor = task.actor
    mailbox = task.mailbox
    available = task.available
    partitions = task.partitions
    single = partitions[0] if len(partitions) == 1 else None
    head = chain.head
    cur = task.current
    channel, buf, pos = cur
    elements = buf.elements
    last = len(elements) - 1
    now = kernel.now
    units = busy = 0
    done_until = None
    chain.prepare()
    version, at = kernel.version, limit.refresh()
    try:
        while True:
            value, ts = elements[pos]
            pos += 1
            units += 1
            if pos > last:                       # the buffer's last record: recycle it first, as _input_step
                cur[2] = pos
                task.current = None
                task._buffer_consumed(channel, buf)
                cost = head(value, ts) + task.cost
                task.cost = 0
                busy += cost
                done_until = now + cost
                return now if (available or mailbox) else None
            cost = head(value, ts)
            if task.cost:                        # what ordinary code downstream charged
                cost += task.cost
                task.cost = 0
            busy += cost
            t = done_until = now + cost
            # the next unit: is it a record of this buffer, with an output buffer available, allowed inline?
            if type(elements[pos]) is not tuple or mailbox:
                return now
            if single is not None:
                if single.buffers_in_use >= single.pool_size or single.at_cap:
                    return now
            elif partitions and not _outputs_available(partitions):
                return now
            if kernel.version != version:
                version, at = kernel.version, limit.refresh()
            if t >= at and not limit.allows(t, now):
                return now
            n = counters[actor] = counters[actor] + 1   # Kernel.go_on(t, PHASE_TASK)
            kernel.current_key = (t, PHASE_TASK, now, actor, n)
            kernel.now = now = t
    finally:
        if task.current is cur:
            cur[2] = pos
        task.records_in += units
        task.recorder.count += units
        chain.flush()
        if done_until is not None:
            task.busy_until = done_until
            task.busy_us += busy


def run_source(task: StreamTask, chain: CompiledChain, limit: Limit) -> int:
    """Emit the source's records that have arrived, starting with one that has, while the next may run inline.
    Returns when to come back after the last unit run (now: ``_source_step`` looks again)."""
    kernel = task.kernel
    counters = kernel.counters
    actor = task.actor
    mailbox = task.mailbox
    partitions = task.partitions
    single = partitions[0] if len(partitions) == 1 else None
    emit_next = chain.head
    next_arrival = chain.reader.next_arrival_us
    now = kernel.now
    units = busy = 0
    done_until = None
    chain.prepare()
    version, at = kernel.version, limit.refresh()
    try:
        while True:
            units += 1
            cost = emit_next()
            if task.cost:
                cost += task.cost
                task.cost = 0
            busy += cost
            t = done_until = now + cost
            if mailbox:
                return now
            if single is not None:
                if single.buffers_in_use >= single.pool_size or single.at_cap:
                    return now
            elif partitions and not _outputs_available(partitions):
                return now
            arrival = next_arrival()
            if arrival is None or arrival > t:
                return now
            if kernel.version != version:
                version, at = kernel.version, limit.refresh()
            if t >= at and not limit.allows(t, now):
                return now
            n = counters[actor] = counters[actor] + 1   # Kernel.go_on(t, PHASE_TASK)
            kernel.current_key = (t, PHASE_TASK, now, actor, n)
            kernel.now = now = t
    finally:
        task.recorder.count += units
        chain.flush()
        if done_until is not None:
            task.busy_until = done_until
            task.busy_us += busy


def _outputs_available(partitions: list) -> bool:
    for p in partitions:
        if p.buffers_in_use >= p.pool_size or p.at_cap:
            return False
    return True
