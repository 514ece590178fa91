"""What a restarted subtask does differently when it starts (after a restore from a checkpoint).

* The in-flight data of an unaligned checkpoint (its input channels' records, then the records its producers
  had not sent yet) is processed before any new input, as Flink restores channel state first.
* A subtask that had finished before the checkpoint is *deployed as finished* (FLIP-147): its operators do not
  open; it sends the MAX watermark and the end of its partitions, and is FINISHED.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from flowlab.runtime.elements import LONG_MAX, EndOfPartition, Watermark
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.runtime.tasks.stream_task import StreamTask


def recovered_queue(task: StreamTask) -> deque[tuple[Any, Any]]:
    """``(channel, record)`` pairs from ``task.recovered_input`` (edge, producer, records), on its new gates."""
    out: deque[tuple[Any, Any]] = deque()
    for edge, producer, records in task.recovered_input:
        gate = next(g for g in task.gates if g.edge_index == edge)
        channel = next(c for c in gate.channels if c.producer == producer)
        out.extend((channel, r) for r in records)
    if out:
        task.recorder.emit(EventKind.STATE_RESTORED, task.vertex_id, task.index, None,
                           f"replays {len(out)} in-flight record(s) of the unaligned checkpoint before any new input",
                           {"in_flight_records": len(out)})
    return out


def finish_on_restore(task: StreamTask) -> None:
    """A mail of a subtask deployed as finished: the end of its output, then FINISHED."""
    task.input_ended = True
    task.recorder.emit(EventKind.STATE_RESTORED, task.vertex_id, task.index, None,
                       "was finished when the checkpoint was taken: deployed as finished, it only ends its output",
                       {"finished_on_restore": True})
    for p in task.partitions:
        p.broadcast(Watermark(LONG_MAX), 16)
        p.flush_all()
        p.broadcast_event(EndOfPartition())
    task.finish_now()
