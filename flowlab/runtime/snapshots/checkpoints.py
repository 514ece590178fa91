"""The checkpoint part of ``sim.snapshot()``: barriers in the channels, blocked channels, subtask phases,
pending and completed checkpoints, and the in-flight data unaligned checkpoints keep (plain JSON data).

For the barrier view (flowlab extension) every channel lists its barriers with the records and data buffers
ahead of (nearer the receiver) and behind each, and every subtask the records it stores as channel state in
the focus checkpoint, per channel (``channel_state``: ``input`` as ``[edge, producer, records]``, ``output`` as
``[edge, consumer, records]``), read from wherever they are while the checkpoint is pending: the barrier
handler, the subtask's pending snapshot, or its acknowledgement at the coordinator.
"""
from __future__ import annotations

import json
from typing import Any

from flowlab.runtime.elements import CheckpointBarrier
from flowlab.runtime.job_runtime import JobRuntime


def checkpoint_snapshot(rt: JobRuntime, history: int = 10) -> dict[str, Any]:
    """``snapshot["checkpoints"]``; ``{"enabled": False}`` when checkpointing is off."""
    cc = rt.jobmaster.checkpoints
    if cc is None:
        return {"enabled": False}
    s = cc.settings
    now = rt.kernel.now
    pending = sorted(cc.pending)
    focus = pending[-1] if pending else (cc.history[-1].checkpoint_id if cc.history else None)
    return {
        "enabled": True, "mode": s.mode, "alignment": s.alignment, "unaligned": s.unaligned,
        "aligned_timeout_ms": s.barrier_timeout_ms, "interval_ms": s.interval_ms, "timeout_ms": s.timeout_ms,
        "storage": s.storage, "directory": cc.storage.root,
        "pending": [cc.pending[n].stats.row(now) for n in pending],
        "retained": [d.checkpoint_id for d in cc.completed],
        "history": [st.row(now) for st in cc.history[-history:]],
        "focus": focus,
        "subtasks": _subtasks(rt, focus),
        "channels": _channels(rt),
    }


def _subtasks(rt: JobRuntime, focus: int | None) -> list[dict[str, Any]]:
    out = []
    for t in rt.all_tasks():
        cp = t.checkpointer
        handler = None if cp is None else cp.handler
        blocked = [t.job_channel_name(c) for g in t.gates for c in g.channels if c.blocked]
        entry = {"vertex": t.vertex_id, "subtask": t.index, "state": t.state,
                 "phase": "not reached" if cp is None or focus is None else cp.phase(focus),
                 "last_checkpoint": 0 if cp is None else cp.last_checkpoint_id, "blocked_channels": blocked,
                 "waiting_for_final_checkpoint": bool(cp is not None and cp.input_ended and t.state == "RUNNING"),
                 "overtaken_records": 0, "persisting_channels": []}
        if handler is not None and getattr(handler, "state", "idle") in ("collecting", "starting"):
            kept = {**{i: list(e) for i, e in handler.ahead.items()}}
            for i, e in handler.persisting.items():
                kept[i] = kept.get(i, []) + e
            entry["overtaken_records"] = sum(1 for e in kept.values() for x in e if type(x) is tuple)
            entry["persisting_channels"] = [t.job_channel_name(handler.channels[i]) for i in sorted(handler.persisting)]
        if cp is not None and focus in cp.pending:
            entry["output_state_records"] = sum(1 for _, _, els in cp.pending[focus].output_state
                                                for x in els if type(x) is tuple)
        if focus is not None and rt.jobmaster.checkpoints.settings.unaligned:
            entry["channel_state"] = _channel_state(rt, t, focus)
        out.append(entry)
    return out


def _records(elements: list[Any]) -> int:
    return sum(1 for x in elements if type(x) is tuple)


def _channel_state(rt: JobRuntime, t: Any, n: int) -> dict[str, list[list[int]]]:
    """Records per channel this subtask keeps as channel state in checkpoint ``n`` so far (see the module
    docstring); empty lists when it keeps none or the checkpoint is no longer pending."""
    cp = t.checkpointer
    inputs: dict[tuple[int, int], int] = {}
    outputs: dict[tuple[int, int], int] = {}
    handler = None if cp is None else cp.handler
    if handler is not None and getattr(handler, "current", None) == n and \
            getattr(handler, "state", "idle") in ("collecting", "starting"):
        for i, ch in enumerate(handler.channels):
            kept = handler.ahead.get(i, []) + handler.persisting.get(i, [])
            if kept:
                inputs[(ch.gate.edge_index, ch.producer)] = _records(kept)
    pending = None if cp is None else cp.pending.get(n)
    if pending is not None:
        for edge, index, elements in pending.input_state:
            inputs[(edge, index)] = _records(elements)
        for edge, index, elements in pending.output_state:
            outputs[(edge, index)] = outputs.get((edge, index), 0) + _records(elements)
    cc = rt.jobmaster.checkpoints
    acked = cc.pending.get(n)
    ack = None if acked is None else acked.acks.get((t.vertex_id, t.index))
    if ack is None and acked is not None:
        ack = _ack_on_its_way(rt, cc, t, n)
    if ack is not None:
        for raw, into in ((ack.input_channel_state, inputs), (ack.output_channel_state, outputs)):
            for edge, index, elements in json.loads(raw) if raw else ():
                into[(edge, index)] = sum(1 for x in elements if not isinstance(x, str))   # non-records are text
    return {"input": [[e, i, k] for (e, i), k in sorted(inputs.items())],
            "output": [[e, i, k] for (e, i), k in sorted(outputs.items())]}


def _ack_on_its_way(rt: JobRuntime, cc: Any, t: Any, n: int) -> Any:
    """The acknowledgement of ``t`` for checkpoint ``n`` while its RPC travels to the JobMaster (a scheduled
    control call; it holds the channel state between the subtask and the coordinator)."""
    for _, call in rt.kernel._queues[0]:          # the global actor's calls: RPCs and timers, a few
        if not call.cancelled and call.fn == cc._ack and call.args[0].checkpoint_id == n \
                and (call.args[0].vertex, call.args[0].subtask) == (t.vertex_id, t.index):
            return call.args[0]
    return None


def _channels(rt: JobRuntime) -> list[dict[str, Any]]:
    """Every channel with the barriers in it, from the receiver's end to the sender's: records ahead of each
    barrier (nearer the receiver) and behind it, and where it is (receiver, network, sender)."""
    out = []
    for w in rt.exec_graph.wirings:
        e = w.edge
        for t in rt.tasks[e.source.id]:
            part = t.partitions[[je.index for je in e.source.out_edges].index(e.index)]
            for sub in part.subpartitions:
                ch = sub.channel
                receiver = ch.gate.task
                seq: list[tuple[str, Any]] = []
                cur = receiver.current
                if cur is not None and cur[0] is ch:
                    seq += [("receiver", x) for x in cur[1].elements[cur[2]:]]
                seq += [("receiver", x) for b in ch.received for x in b.elements]
                seq += [("network", x) for b in sub.in_flight_buffers for x in b.elements]
                seq += [("sender", x) for b in sub.queue for x in b.elements]
                if sub.current:
                    seq += [("sender", x) for x in sub.current]
                total = sum(1 for _, x in seq if type(x) is tuple)
                buffers = _data_buffers(receiver, ch, sub)
                barriers = []
                ahead = 0
                for where, x in seq:
                    if type(x) is tuple:
                        ahead += 1
                    elif type(x) is CheckpointBarrier:
                        before = _buffers_before(receiver, ch, sub, x)
                        barriers.append({"id": x.checkpoint_id, "alignment": x.alignment, "where": where,
                                         "records_ahead": ahead, "records_behind": total - ahead,
                                         "buffers_ahead": before, "buffers_behind": buffers - before})
                out.append({"edge": e.index, "source": e.source.id, "target": e.target.id, "from": t.index,
                            "to": sub.consumer_index, "input": ch.gate.input_number, "barriers": barriers,
                            "records": total, "buffers": buffers, "blocked": ch.blocked,
                            "sender_blocked": sub.blocked})
    return out


def _buffer_runs(receiver: Any, ch: Any, sub: Any) -> list[list[Any]]:
    """The channel's buffers from the receiver's end to the sender's (the one being read and the filling one
    included), each as its element list."""
    runs: list[list[Any]] = []
    cur = receiver.current
    if cur is not None and cur[0] is ch:
        runs.append(cur[1].elements[cur[2]:])
    runs += [b.elements for b in ch.received]
    runs += [b.elements for b in sub.in_flight_buffers]
    runs += [b.elements for b in sub.queue]
    if sub.current:
        runs.append(sub.current)
    return runs


def _is_data(elements: list[Any]) -> bool:
    return any(type(x) is tuple for x in elements)


def _data_buffers(receiver: Any, ch: Any, sub: Any) -> int:
    """Buffers holding records in the channel (events travel in buffers of their own and are not counted)."""
    return sum(1 for run in _buffer_runs(receiver, ch, sub) if _is_data(run))


def _buffers_before(receiver: Any, ch: Any, sub: Any, barrier: CheckpointBarrier) -> int:
    """Data buffers between the receiver and ``barrier``."""
    n = 0
    for run in _buffer_runs(receiver, ch, sub):
        if any(x is barrier for x in run):
            return n
        n += _is_data(run)
    return n
