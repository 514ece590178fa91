"""The connector parts of ``sim.snapshot()`` (plain JSON data for a topic view and a file view).

``kafka``: per simulated cluster of the run, each topic's partitions with their records (offset, key, value,
timestamp, the transaction that wrote it and that transaction's state, or the control marker), log end and
last stable offset; every transaction (open, committed, aborted, and why); the consumer groups' committed
offsets; the job's ``KafkaSource`` readers (``readers``: per source subtask its group id, isolation level and
the offset it reads next in each of its partitions — ahead of the group's committed offset, which moves only
when a checkpoint completes). ``file_sinks``: per FileSink subtask its part files — in-progress, pending (closed, waiting for a
checkpoint) or finished — with their size and number of lines.
"""
from __future__ import annotations

import os
from typing import Any

from flowlab.runtime.job_runtime import JobRuntime

MAX_RECORDS = 500          # records shown per partition (the newest)


def _text(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return repr(data)


def kafka_snapshot(rt: JobRuntime) -> dict[str, Any]:
    """``snapshot["kafka"]``: ``{bootstrap servers: {"topics", "transactions", "consumer_groups", "readers"}}``."""
    out = {}
    readers = _kafka_readers(rt)
    for key in sorted(k for k in rt.connectors.objects if k.startswith("kafka/")):
        broker = rt.connectors[key]
        if rt.terminal:
            broker.drain_in_flight()              # requests the job sent before it ended still arrive
        now = broker.now_us()
        states = {}
        for t in broker.transactions:
            for tp_offset in t.offsets:
                states[tp_offset] = t.state
        topics = []
        for name in sorted(broker.logs):
            parts = []
            for p, log in enumerate(broker.logs[name]):
                end = broker.visible_end(name, p, now)
                records = []
                for e in log[max(0, end - MAX_RECORDS):end]:
                    offset, key_bytes, value, ts, txn, control = e[:6]
                    records.append({"offset": offset, "key": _text(key_bytes), "value": _text(value), "timestamp": ts,
                                    "transactional_id": txn, "control": control,
                                    "transaction_state": states.get((name, p, offset)) if txn and not control else None})
                parts.append({"partition": p, "log_end_offset": end,
                              "last_stable_offset": broker.stable_end(name, p, now),
                              "records_hidden": max(0, end - MAX_RECORDS), "records": records})
            topics.append({"name": name, "partitions": parts})
        out[broker.servers] = {
            "topics": topics,
            "transactions": [t.row() for t in broker.transactions],
            "consumer_groups": {g: {f"{t}-{p}": o for (t, p), o in sorted(offs.items())}
                                for g, offs in sorted(broker.groups.items())},
            "readers": readers.get(broker.servers, []),
        }
    return out


def _kafka_readers(rt: JobRuntime) -> dict[str, list[dict[str, Any]]]:
    """Bootstrap servers -> the job's Kafka source readers there, in task order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for task in rt.all_tasks():
        for op in task.operators:
            reader = op.__dict__.get("reader")
            if not hasattr(reader, "committed_only") or getattr(reader, "broker", None) is None:
                continue                          # not a KafkaSourceReader, or not opened yet
            out.setdefault(reader.broker.servers, []).append({
                "vertex": task.vertex_id, "subtask": task.index, "operator": op.id, "name": op.name,
                "group_id": reader.source.group_id, "isolation_level": reader.source.isolation_level,
                "positions": {f"{t}-{p}": o for t, p, o, _ in reader.splits}})
    return out


def file_sinks_snapshot(rt: JobRuntime) -> list[dict[str, Any]]:
    """``snapshot["file_sinks"]``: one entry per FileSink with every file under its base path and its state:
    ``in-progress``, ``pending`` (closed, waiting for a checkpoint), ``finished``, or ``left behind`` (a hidden
    file no writer holds: written by a failed attempt after the checkpoint it restarted from)."""
    store = rt.connectors["file-store"] if "file-store" in rt.connectors else None
    sinks: dict[str, dict[str, Any]] = {}
    for task in rt.all_tasks():
        for op in task.operators:
            writer = getattr(op, "writer", None)
            buckets = getattr(writer, "buckets", None)
            if buckets is None or store is None:
                continue
            entry = sinks.setdefault(op.id, {"operator": op.id, "name": op.name, "vertex": task.vertex_id,
                                             "base_path": writer.sink.base_path, "in_progress": set(),
                                             "pending": set()})
            entry["in_progress"] |= {b.part.temp for b in buckets.values() if b.part is not None}
            entry["pending"] |= {c["temp"] for b in buckets.values() for c in b.pending}
            entry["pending"] |= {c["temp"] for _, cs in op.pending for c in cs}
    out = []
    for op_id in sorted(sinks):
        entry = sinks[op_id]
        in_progress, pending = entry.pop("in_progress"), entry.pop("pending")
        files = []
        known = store.paths_under(entry["base_path"])
        for path in sorted(set(known) | set(_on_disk(entry["base_path"]))):
            hidden = os.path.basename(path).startswith(".")
            state = ("in-progress" if path in in_progress else "pending" if path in pending else
                     "left behind" if hidden else "finished")
            if store.exists(path):
                data = store.read(path)
                size, lines = len(data), data.count(b"\n")
            else:                                 # written by an earlier run or attempt this run did not see
                size = os.path.getsize(path)
                lines = None
                if size <= 1 << 20:
                    with open(path, "rb") as f:
                        lines = f.read().count(b"\n")
            files.append({"path": path, "state": state, "bytes": size, "lines": lines})
        out.append({**entry, "files": files})
    return out


def _on_disk(base: str) -> list[str]:
    return [os.path.join(folder, name) for folder, _, names in os.walk(base) for name in names]
