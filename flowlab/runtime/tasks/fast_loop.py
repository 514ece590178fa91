"""The mailbox loop of a ``StreamTask`` in fast-forward: the same units of work as ``StreamTask._run_once``,
with the common ones done inline.

Fast-forward runs with the trace off and lets a task run ahead of the others (``Kernel.may_continue``).
Most units are then "the next record of the current input buffer" or "the next record of the source": for a
task whose chain compiles (``compiled_chain.py``) this loop hands whole runs of them to its compiled loop;
otherwise it takes each without going through ``_do_work`` / ``_input_step`` / ``_process``. Either way it
keeps the kernel's limit for this task cached while nothing new is scheduled, and counts observable events
without building them. Every other unit (a mail, a watermark, an event, backpressure) goes through
``_do_work`` as in stepping. The equivalence tests (``tests/runtime/test_fast_forward_*``,
``tests/runtime/test_compiled_chain.py``) check that all of them give the same run.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.runtime.phases import PHASE_TASK
from flowlab.runtime.tasks.compiled_chain import chain_of
from flowlab.runtime.tasks.compiled_loops import Limit
from flowlab.runtime.tasks.user_traceback import format_user_traceback

if TYPE_CHECKING:
    from flowlab.runtime.tasks.stream_task import StreamTask

RUNNING = "RUNNING"


def run_fast(task: StreamTask, horizon: int) -> None:
    """Run units of ``task`` inline until one cannot go on before the others (or ``horizon``), then wake later."""
    kernel = task.kernel
    rec = task.recorder
    mailbox = task.mailbox
    partitions = task.partitions
    single = partitions[0] if len(partitions) == 1 else None
    available = task.available
    head = task.head
    source = head if task.is_source else None
    sorted_input = task.sorted_input          # BATCH: a keyed task's sorted input (flowlab.runtime.batch)
    actor = task.actor
    counters = kernel.counters
    flush_each = task.buffer_timeout_ms == 0
    chain = chain_of(task)
    batch_limit = Limit(task, horizon) if chain is not None else None
    version = -1
    limit = None
    while True:
        task.cost = 0
        accounted = False
        try:
            if mailbox:
                ready = False
            elif single is not None:
                ready = single.buffers_in_use < single.pool_size and not single.at_cap
            else:
                ready = True
                for p in partitions:
                    if p.buffers_in_use >= p.pool_size or p.at_cap:
                        ready = False
                        break
            cur = task.current
            if ready and cur is not None and type(element := cur[1].elements[cur[2]]) is tuple:
                if chain is not None and not task.waiting_for_output:
                    again = chain.run(task, batch_limit)    # a run of records, accounted for
                    accounted = True
                else:
                    # the next record of the current buffer: StreamTask._input_step + _process, inline
                    channel, buf, pos = cur
                    pos += 1
                    cur[2] = pos
                    if pos >= len(buf.elements):
                        task.current = None
                        gate = channel.gate
                        gate.consumed_bytes += buf.size
                        gate.recycle(channel)
                        if channel.received and not channel.queued and not channel.blocked:
                            channel.queued = True
                            available.append(channel)
                    value, ts = element
                    task.records_in += 1
                    head.records_in += 1
                    task.cost += head.cost
                    rec.count += 1
                    if channel.gate.input_number == 1:
                        head.process_element(value, ts)
                    else:
                        head.process_element2(value, ts)
                    again = kernel.now if (task.current is not None or available or mailbox) else None
            elif ready and source is not None and (arrival := source.next_arrival_us()) is not None \
                    and arrival <= kernel.now:
                if chain is not None and not task.waiting_for_output:
                    again = chain.run(task, batch_limit)    # a run of source records, accounted for
                    accounted = True
                else:
                    # the next record of a source: StreamTask._source_step, inline
                    source.emit_next()
                    rec.count += 1
                    again = kernel.now
            elif ready and cur is None and sorted_input is not None and sorted_input.draining and not available:
                again = sorted_input.emit_next()    # BATCH: the next sorted record (StreamTask._input_step)
            else:
                again = task._do_work()
        except Exception as exc:  # noqa: BLE001 - a user function failed: the task fails, like Flink's
            task.job.task_failed(task, exc, format_user_traceback(exc))
            return
        now = kernel.now
        if accounted:
            busy_until = task.busy_until
        else:
            if flush_each:
                for p in partitions:
                    p.flush_all()
            cost = task.cost
            busy_until = task.busy_until = now + cost
            if cost:
                task.busy_us += cost
                if task.waiting_for_output:       # a mail ran while back-pressured: busy, not waiting
                    task.bp_us += max(0, now - task.bp_since)
                    task.bp_since = busy_until
        if again is None or task.state != RUNNING:
            return
        t = again if again > busy_until else busy_until
        if t >= horizon:
            break
        if kernel.version != version:
            version = kernel.version
            limit = kernel.limit_for(actor)
        if limit is not None and (t > limit[0] or (t == limit[0] and
                                                   (t, PHASE_TASK, now, actor, counters[actor] + 1) >= limit)):
            break
        kernel.go_on(t, PHASE_TASK)
    task.wake(again)
