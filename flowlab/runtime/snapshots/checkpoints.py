"""The checkpoint part of ``sim.snapshot()``: barriers in the channels, blocked channels, subtask phases,
pending and completed checkpoints, and the in-flight data unaligned checkpoints keep (plain JSON data)."""
from __future__ import annotations

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
        out.append(entry)
    return out


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
                barriers = []
                ahead = 0
                for where, x in seq:
                    if type(x) is tuple:
                        ahead += 1
                    elif type(x) is CheckpointBarrier:
                        barriers.append({"id": x.checkpoint_id, "alignment": x.alignment, "where": where,
                                         "records_ahead": ahead, "records_behind": total - ahead})
                out.append({"edge": e.index, "source": e.source.id, "target": e.target.id, "from": t.index,
                            "to": sub.consumer_index, "barriers": barriers, "records": total,
                            "blocked": ch.blocked, "sender_blocked": sub.blocked})
    return out
