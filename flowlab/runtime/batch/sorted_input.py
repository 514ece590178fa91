"""The input of a keyed task in BATCH: everything is read first, sorted by key, then processed key by key.

Flink's ``SortingDataInput`` (one keyed input) and ``MultiInputSortingDataInput`` (two keyed inputs, or a
keyed and a broadcast one): each record's key is serialized and the records are sorted by those bytes, then
by timestamp (see ``key_order``); two keyed inputs are merged in the same order, so all records of one key
— from both inputs — are processed before the next key. Watermarks are not passed on while reading: the
largest one each input saw (the MAX watermark at its end) reaches the operator after its last record.
A broadcast input is not sorted and goes first: its records reach the operator as they arrive, the keyed
ones only once all input has ended. The regular input of a (non-keyed) ``BroadcastProcessFunction`` is
held back the same way and then processed in arrival order (Flink reads the broadcast side to its end
before it selects the other input).

``SortingInput`` stands in front of the task's head operator (the task calls it like its head); while it
hands out the sorted records the task is ``draining`` it, one record per unit of work.

Simplifications: sorting costs no virtual time (the records' processing does); records of one key with the
same timestamp keep their arrival order (Flink's sort is not stable); a held regular input is replayed after
the whole input ended, not as soon as the broadcast side ended (the order the operator sees is the same).
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any

from flowlab.runtime.batch.key_order import sort_key
from flowlab.runtime.elements import LONG_MIN, describe
from flowlab.runtime.keys import state_key
from flowlab.trace import EventKind

_ORDER = itemgetter(0, 1, 2)           # key bytes, timestamp, arrival


class SortingInput:
    """Collects a task's keyed (or held) input, then hands it to the real head operator in sorted order."""

    def __init__(self, task: Any, head: Any, selectors: dict[int, Any], key_type: Any, held: tuple[int, ...],
                 on_end: Any) -> None:
        self.task = task
        self.head = head                       # the real operator
        self.id = head.id
        self.name = head.name
        self.cost = 0                          # reading into the sorter costs nothing (see Simplifications)
        self.records_in = 0                    # records read into the sorter (the operator counts its own)
        self.selectors = selectors             # input number -> key selector, for the sorted inputs
        self.key_type = key_type
        self.held = held                       # inputs replayed in arrival order after the others
        self.on_end = on_end                   # the task's end of input (finish the operators, EndOfPartition)
        self.records: list[Any] = []           # (key bytes, timestamp, arrival, input, value, ts)
        self.key_bytes: dict[Any, bytes] = {}  # serialized keys, by key identity
        self.watermarks: dict[int, int] = {}   # input number -> the largest watermark it delivered
        self.draining = False
        self.pos = 0
        self.sorted_records = 0

    # -- the task's head interface while reading ------------------------------------------------------
    def process_element(self, value: Any, ts: int | None) -> None:
        self._take(1, value, ts)

    def process_element2(self, value: Any, ts: int | None) -> None:
        self._take(2, value, ts)

    def _take(self, n: int, value: Any, ts: int | None) -> None:
        selector = self.selectors.get(n)
        if selector is not None:
            self.records.append((self._key_bytes(selector(value)), LONG_MIN if ts is None else ts, len(self.records),
                                 n, value, ts))
        elif n in self.held:
            self.records.append((b"", 0, len(self.records), n, value, ts))
        else:                                  # a broadcast input: straight to the operator
            head = self.head
            head.records_in += 1
            self.task.cost += head.cost
            if n == 1:
                head.process_element(value, ts)
            else:
                head.process_element2(value, ts)

    def _key_bytes(self, key: Any) -> bytes:
        """The key's sort bytes (``key_order.sort_key``), computed once per key."""
        t = type(key)
        try:
            ident = key if t is str or t is int else state_key(key)
            kb = self.key_bytes.get(ident)
        except TypeError:
            raise TypeError(f"the key selector returned {key!r} ({t.__name__}), which cannot be a key: keys must "
                            "be hashable and stable — use a str, int, float, bool or a tuple of those (lists and "
                            "dicts are not allowed)") from None
        if kb is None:
            kb = self.key_bytes[ident] = sort_key(key, self.key_type)
        return kb

    def read_buffer(self, channel: Any, buf: Any, process: Any) -> int:
        """One unit of work: every record of a delivered buffer into the sorter (or, from a broadcast input, to
        the operator); its other elements (watermarks) go to ``process`` as usual. Returns the records read."""
        n = channel.gate.input_number
        records = buf.records
        task = self.task
        rec = task.recorder
        if rec.enabled:
            sorting = n in self.selectors or n in self.held
            into = "into the sorter" if sorting else "to the operator (broadcast input)"
            buffered = len(self.records) + (records if sorting else 0)
            rec.emit(EventKind.PROCESS, task.vertex.id, task.index, self.id,
                     f"{records} record(s) from {task.job_channel_name(channel)} {into} ({buffered} buffered)",
                     {"from": channel.producer, "input": n, "records": records, "buffered": buffered})
        else:
            rec.tick()
        self.records_in += records
        selector = self.selectors.get(n)
        if selector is not None:                 # the common case inline: a keyed record into the sorter
            out = self.records
            append = out.append
            cache = self.key_bytes
            for element in buf.elements:
                if type(element) is tuple:
                    value, ts = element
                    key = selector(value)
                    kb = cache.get(key) if type(key) is str or type(key) is int else None
                    append((kb if kb is not None else self._key_bytes(key), LONG_MIN if ts is None else ts,
                            len(out), n, value, ts))
                else:
                    process(channel, element)
        else:
            for element in buf.elements:
                if type(element) is tuple:
                    self._take(n, element[0], element[1])
                else:
                    process(channel, element)
        return records

    def process_watermark(self, wm: int) -> None:
        self.watermarks[1] = max(wm, self.watermarks.get(1, LONG_MIN))

    def process_watermark2(self, wm: int) -> None:
        self.watermarks[2] = max(wm, self.watermarks.get(2, LONG_MIN))

    def process_watermark_status(self, idle: bool, input_number: int = 1) -> None:
        """Watermark statuses mean nothing to buffered records (Flink drops them too)."""

    # -- after the input ended --------------------------------------------------------------------------
    def end_of_input(self) -> None:
        """All input has arrived: sort it; the task then drains it (``emit_next``) before it finishes."""
        self.records.sort(key=_ORDER)
        self.sorted_records = len(self.records)
        self.draining = True

    def emit_next(self) -> int | None:
        """Hand the next sorted record to the operator (one unit of work); at the end the largest watermark of
        each input, then the task's end of input. Returns when to come back (now), or None."""
        if not self.draining:
            return None
        task, head, pos, records = self.task, self.head, self.pos, self.records
        if pos < len(records):
            kb, _, _, n, value, ts = records[pos]
            self.pos = pos = pos + 1
            head.records_in += 1
            task.cost += head.cost
            rec = task.recorder
            if rec.trace.enabled:
                what = "sorted" if kb else "held back"
                rec.emit(EventKind.PROCESS, task.vertex.id, task.index, head.id,
                         f"{describe((value, ts))} ({what} input, {pos} of {self.sorted_records})",
                         {"input": n, "timestamp": ts, "sorted": bool(kb), "position": pos})
            else:
                rec.count += 1                 # the same observable event, not built (the trace is off)
            if n == 1:
                head.process_element(value, ts)
            else:
                head.process_element2(value, ts)
            return task.kernel.now
        self.draining = False
        self.records = []
        for n, wm in sorted(self.watermarks.items()):
            if wm > LONG_MIN:
                if n == 1:
                    head.process_watermark(wm)
                else:
                    head.process_watermark2(wm)
        self.on_end()
        return None

    def snapshot_info(self) -> dict[str, Any]:
        """For views: how far the task is (reading into the sorter, or handing out sorted records)."""
        return {"phase": "draining" if self.draining else ("done" if self.pos else "reading"),
                "buffered": len(self.records) - self.pos if self.records else 0,
                "handed_out": self.pos, "sorted": self.sorted_records}
