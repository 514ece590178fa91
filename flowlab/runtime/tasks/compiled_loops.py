"""The two loops a compiled chain runs in (``compiled_chain.py``): over the records of the current input buffer,
or over the records a source has ready. ``chain_codegen.LoopWriter`` fills in the operators' code.

A *unit* is what one ``StreamTask._run_once`` call does: here, one record. Between two units ``run_fast`` does
the task's accounting (busy time), decides when the next one runs (now + the record's cost) and whether it may
run inline (before the horizon and the kernel's next call for the task or for the job: ``Limit``), then moves
the clock (``Kernel.go_on``). These loops do the same for a run of units; a batch stops before a unit that
would not be a record of the same buffer or source (a mail, an event, a watermark, the end of the buffer), that
may not run inline, or that finds no output buffer available, and ``run_fast`` goes on the ordinary way.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.runtime.phases import PHASE_TASK

if TYPE_CHECKING:
    from flowlab.runtime.tasks.stream_task import StreamTask

# The loops around the operators' code. ``{prologue}`` loads what the operators use, ``{body}`` runs one record
# (value, ts) through the chain, adding its virtual µs to ``cost``; ``{flush}`` adds the counts to the operators.
RECORDS_LOOP = '''
def run(task, limit):
    """Record units of {name}: the current input buffer's records, from its position on."""
    kernel = task.kernel
    counters = kernel.counters
    actor = task.actor
    mailbox = task.mailbox
    available = task.available
    partitions = task.partitions
    cur = task.current
    channel, buf, pos = cur
    elements = buf.elements
    last = len(elements) - 1
    now = start = kernel.now
    prev = now
    n = counters[actor]
    key = kernel.current_key
    units = 0
    done_until = None
    version = kernel.version
    at = limit.refresh()
{prologue}
    try:
        while True:
            value, ts = elements[pos]
            pos += 1
            units += 1
            cost = {static_cost}
            rare = False
            if pos > last:                     # the buffer's last record: recycle it first, as _input_step
                cur[2] = pos
                task.current = None
{sync_last}
                task._buffer_consumed(channel, buf)
                n = counters[actor]
{body}
            t = done_until = now + cost
            if pos > last:
                return now if (available or mailbox) else None
            if type(elements[pos]) is not tuple:
                return now
            if rare:
                if mailbox or not outputs_available(partitions):
                    return now
                if kernel.version != version:
                    version = kernel.version
                    at = limit.refresh()
            if t >= at:
{sync_limit}
                if not limit.allows(t, now):
                    return now
            prev = now
            now = t                            # Kernel.go_on(t, PHASE_TASK)
            n += 1
    finally:
{sync_end}
        if task.current is cur:
            cur[2] = pos
        task.records_in += units
        task.recorder.count += units
{flush}
        if done_until is not None:             # units run back to back: their costs add up to this
            task.busy_until = done_until
            task.busy_us += done_until - start
'''

SOURCE_LOOP = '''
def run(task, limit):
    """Source units of {name}: the records that have arrived."""
    kernel = task.kernel
    counters = kernel.counters
    actor = task.actor
    mailbox = task.mailbox
    partitions = task.partitions
    now = start = kernel.now
    prev = now
    n = counters[actor]
    key = kernel.current_key
    units = emitted = 0
    done_until = None
    version = kernel.version
    at = limit.refresh()
{prologue}
    try:
        while True:
            units += 1
            cost = {static_cost}
            rare = False
{body}
            emitted += 1                       # the SOURCE_EMIT event, once the record is out
            t = done_until = now + cost
            if rare:
                if mailbox or not outputs_available(partitions):
                    return now
                if kernel.version != version:
                    version = kernel.version
                    at = limit.refresh()
{arrived}
            if t >= at:
{sync_limit}
                if not limit.allows(t, now):
                    return now
            prev = now
            now = t                            # Kernel.go_on(t, PHASE_TASK)
            n += 1
    finally:
{sync_end}
        task.recorder.count += emitted
{flush}
        if done_until is not None:             # units run back to back: their costs add up to this
            task.busy_until = done_until
            task.busy_us += done_until - start
'''



class Limit:
    """When the running task's next unit may no longer run inline: at ``horizon`` or at the key of the first
    call due for it or for the whole job (``Kernel.limit_for``, valid while the kernel's ``version`` holds).

    ``refresh()`` gives a time before which the next unit surely may run; at or after it, ``allows`` decides
    exactly as ``run_fast`` does (the kernel's counter must be published first)."""

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


def outputs_available(partitions: list) -> bool:
    """``StreamTask._outputs_available``: a free buffer in every output pool, no channel at its cap."""
    for p in partitions:
        if p.buffers_in_use >= p.pool_size or p.at_cap:
            return False
    return True
