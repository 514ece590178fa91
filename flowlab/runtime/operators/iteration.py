"""The iteration head and tail: how a DataStream loop runs without a cycle in the job graph (Flink 1.x).

``ds.iterate()`` adds an *iteration head*, a source task named ``IterationSource-N``; ``close_with(feedback)``
adds an *iteration tail*, a sink task named ``IterationSink-N``. Both have the iteration's parallelism and
share a slot sharing group, so subtask i of each runs in the same slot: the tail hands every record to the
head of the same subtask through an in-memory queue (Flink's ``BlockingQueueBroker``), never through the
network. Here the queues live in the job runtime (``JobRuntime.feedback_queues``), so a time-travel snapshot
copies the records that are in the loop.

The head emits what it takes from the queue, with the records' timestamps and no watermarks until it ends
(``StreamIterationHead``): the operator at the top of the loop body takes the minimum over its input and the
head, so **event time inside the loop stalls** while the head runs. With ``max_wait_time_ms > 0`` the head
ends after waiting that long for feedback (the clock restarts at each record it takes, and at its start: a
loop whose first feedback takes longer than the wait loses it, as in Flink); then, like every source that
ends in flowlab, it emits the MAX watermark and no longer holds event time back. With ``max_wait_time_ms == 0`` it never ends: the job is unbounded.

Simplification: a head that waits forever keeps a wake-up at the end of virtual time (``NEVER_US``, since a
source task always has a next time to look again); like any unbounded job, run it with
``Simulation.run(until_ms=...)``. A record the tail hands over after its head has ended is lost (Flink loses it
too); flowlab shows it in the trace (a ``sink`` event with ``lost``).
"""
from __future__ import annotations

from collections import deque
from typing import Any

from flowlab.runtime.elements import describe
from flowlab.runtime.operators.base import StreamOperator
from flowlab.trace import EventKind

NEVER_US = 2 ** 62          # "wait forever": a wake-up no run with a time limit reaches


class IterationHead:
    """What the head reads: the feedback queue of loop ``loop_id`` (inert; the runtime builds the reader)."""

    def __init__(self, loop_id: int, max_wait_time_ms: int) -> None:
        self.loop_id = loop_id
        self.max_wait_time_ms = max_wait_time_ms

    def __deepcopy__(self, memo: dict) -> IterationHead:
        return self

    def __repr__(self) -> str:
        return f"IterationHead(loop {self.loop_id}, max wait {self.max_wait_time_ms} ms)"

    def is_bounded(self) -> bool:
        return self.max_wait_time_ms > 0

    def create_reader(self, subtask: int, parallelism: int, rng: Any) -> IterationHeadReader:
        return IterationHeadReader(self, subtask)


class IterationHeadReader:
    """One head subtask's end of the queue; ``bind(task)`` attaches it to the job runtime."""

    __slots__ = ("source", "subtask", "queue", "kernel", "position", "last_poll_us")

    def __init__(self, source: IterationHead, subtask: int) -> None:
        self.source = source
        self.subtask = subtask
        self.queue: deque[tuple[Any, int | None]] = deque()
        self.kernel: Any = None
        self.position = 0
        self.last_poll_us = 0

    def bind(self, task: Any) -> None:
        """Use the runtime's queue for (loop, subtask) and register ``task`` so the tail can wake it."""
        self.queue = task.feedback_queue(self.source.loop_id)
        task.register_iteration_head(self.source.loop_id)
        self.kernel = task.kernel
        self.last_poll_us = task.kernel.now

    def next_arrival_us(self) -> int | None:
        return 0 if self.queue else None

    def poll(self) -> tuple[Any, int | None]:
        self.position += 1
        self.last_poll_us = self.kernel.now
        return self.queue.popleft()

    @property
    def end_us(self) -> int:
        """When the head gives up waiting for feedback (``SourceOperator.end_of_input_us`` reads it)."""
        wait = self.source.max_wait_time_ms
        return NEVER_US if wait == 0 else self.last_poll_us + wait * 1000


class IterationTailOperator(StreamOperator):
    """The tail: puts each feedback record, with its timestamp, into the queue of its co-located head."""

    def open(self) -> None:
        self.loop_id = self.node.params["iteration"]
        self.handed_over = 0
        self.lost = 0

    def process_element(self, value: Any, ts: int | None) -> None:
        task = self.task
        head = task.iteration_head(self.loop_id)
        alive = head is None or head.state not in ("FINISHED", "FAILED", "CANCELED")
        queue = task.feedback_queue(self.loop_id)
        if alive:
            queue.append((value, ts))
            self.handed_over += 1
        else:
            self.lost += 1
        rec = task.recorder
        if rec.enabled:
            to = f"IterationSource-{self.loop_id}[{task.index}]"
            detail = (f"feedback {describe((value, ts))} -> {to} (queue {len(queue)})" if alive else
                      f"feedback {describe((value, ts))} lost: {to} has already ended")
            rec.emit(EventKind.SINK, task.vertex.id, task.index, self.id, detail,
                     {"feedback": True, "loop": self.loop_id, "queued": len(queue), "lost": not alive})
        else:
            rec.tick()
        if alive and head is not None:
            head.wake()

    def process_watermark(self, wm: int) -> None:
        """The tail does not pass watermarks around the loop (Flink's tail forwards records only)."""
        self.current_watermark = wm
