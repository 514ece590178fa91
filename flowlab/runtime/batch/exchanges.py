"""Blocking exchanges: a BATCH task's results are materialised before their consumers are deployed.

With ``ALL_EXCHANGES_BLOCKING`` a producer writes its whole output into its result partition, which keeps it
(on the TaskManager's disk in Flink) — so it never waits for a consumer: its pool is unbounded and nothing
leaves while the subpartition is ``held``. When the producer finishes, the buffers of each subpartition
(the records for one consumer subtask, then EndOfPartition) are its *materialised result*. A consumer
subtask that starts gets a reader over that result and reads it with the usual credit-based flow control. A
consumer that fails and runs again simply gets another reader — with its own copies of the records, as
deserialising them again would give — and the producers do not run again.

Simplification: the first reader reads the materialised records themselves (they are already its own copies,
made when they were written, as for a pipelined exchange); so if an attempt changes its input records in place
and then fails, its re-run reads the changed records (Flink would deserialise the originals again).
"""
from __future__ import annotations

from collections import deque
from typing import Any

from flowlab.runtime.network.buffer import Buffer
from flowlab.runtime.network.result_partition import ResultPartition, Subpartition
from flowlab.runtime.records import IMMUTABLE, deep_copy, is_immutable

UNBOUNDED = 1 << 62


def make_blocking(partition: ResultPartition) -> None:
    """Turn a pipelined partition into a blocking one: it never runs out of buffers and sends nothing yet."""
    partition.pool_size = UNBOUNDED
    partition.cap = UNBOUNDED
    for sub in partition.subpartitions:
        sub.held = True


def materialised(partition: ResultPartition) -> list[list[Buffer]]:
    """The finished producer's result, per subpartition (its data buffers and the final EndOfPartition)."""
    return [list(sub.queue) for sub in partition.subpartitions]


def _reader_copy(buf: Buffer) -> Buffer:
    """A buffer as a new reader sees it: mutable records are its own copies, immutable ones are shared."""
    if buf.is_event:
        return buf
    for e in buf.elements:
        if type(e) is tuple and type(e[0]) not in IMMUTABLE and not is_immutable(e[0]):
            break
    else:
        return buf
    return Buffer([e if type(e) is not tuple or _shared(e[0]) else (deep_copy(e[0]), e[1]) for e in buf.elements],
                  buf.size, False, buf.records)


def _shared(value: Any) -> bool:
    return type(value) in IMMUTABLE or is_immutable(value)


def open_reader(partition: ResultPartition, position: int, channel: Any, buffers: list[Buffer],
                again: bool = False) -> Subpartition:
    """A fresh subpartition at ``position`` that sends ``buffers`` to ``channel`` (a consumer's input channel);
    ``again``: the result was read before, so the reader gets its own copies of mutable records.

    It replaces whatever reader was there: the first attempt's, which has been held since it failed (the
    restart comes only after every message to it has arrived, so none reaches the new one)."""
    old = partition.subpartitions[position]
    sub = Subpartition(partition, position, old.consumer_index)
    sub.buffer_size = old.buffer_size
    sub.queue = deque(_reader_copy(b) for b in buffers) if again else deque(buffers)
    data = sum(1 for b in buffers if not b.is_event)
    sub.buffers_in_use = data                   # the pool counts them as taken until they are sent
    partition.buffers_in_use += data - old.buffers_in_use
    sub.finished = True
    sub.channel = channel
    channel.subpartition = sub
    sub.credit = channel.announced              # the consumer's initial credit: its exclusive buffers
    partition.subpartitions[position] = sub
    partition.try_send(sub)
    return sub


def stop_reader(channel: Any) -> None:
    """The consumer of ``channel`` failed: its reader sends nothing more (credits still on their way are void)."""
    sub = channel.subpartition
    if sub is not None:
        sub.held = True
