"""The consistent cut of one checkpoint, read from the trace (flowlab extension): for every source subtask and
every network channel, which records are inside checkpoint n and which come after it.

Chandy and Lamport's snapshot is the state of every process at its cut plus the messages in flight across
the cut (the channel state). In Flink's terms: a source's cut is its read position when it emitted barrier n;
a channel's cut is barrier n, and the consumer's cut is the moment it took its snapshot. A record on a channel
is then, numbered in the channel's order (``k`` counts from the first record consumed after the trigger):

* ``state``: before the barrier and processed before the consumer's snapshot — in its operator state;
* ``channel_state``: before the barrier but not yet processed at the snapshot — stored with an unaligned
  checkpoint as in-flight data (an aligned checkpoint waits until there are none);
* ``crossed``: after the barrier but processed before the snapshot (at-least-once: it is in the state although
  the source will replay it after a restore, so it counts twice);
* ``after``: after the barrier and after the snapshot — not part of checkpoint n;
* ``inflight``: still in the channel, before the barrier, and the consumer has not taken its snapshot yet;
* ``unknown``: processed after an unaligned snapshot whose channel state is not known (the checkpoint is no
  longer retained).

Records still in the channel (from the live snapshot) carry ``in_channel``. Barrier positions of in-order
barriers come from the trace (records consumed before the barrier arrived); for unaligned snapshots the
barrier sits ``channel state`` records after the snapshot point, so the number of records stored per channel
is needed (``channel_state_counts``), from ``sim.checkpoint_state(n)`` or the live snapshot.

Simplification: channels into one input from subtasks with the same index of two different vertices (a union)
cannot be told apart in the trace: such rows say so and draw no records.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

WINDOW = 12              # records drawn on each side of the cut
BACK_LIMIT = 5_000       # events scanned before the trigger for the records leading up to the cut
AFTER_LIMIT = 2_000      # events scanned after the checkpoint ended, for the records after the cut
FATES = ("state", "channel_state", "crossed", "after", "inflight", "unknown")
Counts = dict[str, dict[tuple, int]]


def channel_state_counts(checkpoint_state: dict[str, Any] | None = None,
                         snapshot: dict[str, Any] | None = None) -> Counts | None:
    """Records stored as channel state per channel: ``{"input": {(vertex, subtask, edge, producer): n},
    "output": {(vertex, subtask, edge, consumer): n}}``, from ``sim.checkpoint_state(n)`` (a retained checkpoint)
    or from the live snapshot's focus checkpoint; None when neither holds it."""
    if checkpoint_state is not None:
        out: Counts = {"input": {}, "output": {}}
        for (vertex, subtask), sides in (checkpoint_state.get("channel_state") or {}).items():
            for side in ("input", "output"):
                for edge, index, elements in sides.get(side) or ():
                    out[side][(vertex, subtask, edge, index)] = sum(1 for e in elements if not isinstance(e, str))
        return out
    if snapshot is not None:
        subs = (snapshot.get("checkpoints") or {}).get("subtasks") or ()
        if not any("channel_state" in s for s in subs):
            return None
        out = {"input": {}, "output": {}}
        for s in subs:
            for side in ("input", "output"):
                for edge, index, n in (s.get("channel_state") or {}).get(side) or ():
                    out[side][(s["vertex"], s["subtask"], edge, index)] = n
        return out
    return None


def checkpoint_cut(events: Sequence[Any], snapshot: dict[str, Any], checkpoint_id: int,
                   channel_state: Counts | None = None, window: int = WINDOW) -> dict[str, Any]:
    """The cut of checkpoint ``checkpoint_id`` as of ``snapshot["step"]`` (see the module docstring).

    ``events`` are the run's TraceEvents (``sim.events()``), in order."""
    ck = snapshot.get("checkpoints") or {}
    end = bisect_right(events, int(snapshot.get("step", 0)), key=lambda e: e.step)
    row = next((h for h in (ck.get("history") or ()) if h.get("id") == checkpoint_id), None)
    start = 0 if row is None else bisect_left(events, int(round(row["trigger_time_ms"] * 1000)), 0, end,
                                             key=lambda e: e.time_us)
    trigger = next((i for i in range(start, end) if events[i].kind == "checkpoint_triggered"
                    and events[i].data.get("checkpoint_id") == checkpoint_id), None)
    out: dict[str, Any] = {"checkpoint": checkpoint_id, "status": None if row is None else row.get("status"),
                           "trigger_ms": None, "alignment": None, "window": window, "rows": [], "subtasks": [],
                           "notes": []}
    if trigger is None:
        out["notes"].append(f"checkpoint {checkpoint_id} has not been triggered by step {snapshot.get('step', 0)}")
        return out
    out["trigger_ms"] = events[trigger].time_us / 1000
    out["alignment"] = events[trigger].data.get("alignment")
    scan = _Scan(snapshot, checkpoint_id, window)
    scan.backward(events, trigger)
    scan.forward(events, trigger, end)
    out["rows"] = [scan.source_row(r) for r in scan.sources] + \
        [scan.channel_row(r, channel_state) for r in scan.channels]
    out["subtasks"] = [{"vertex": v, "subtask": i, **s} for (v, i), s in sorted(scan.snapshots.items())]
    if scan.truncated:
        out["notes"].append("the trace is long: records far from the cut were not scanned")
    if any(r.get("cut_unknown") for r in out["rows"]):
        out["notes"].append(f"checkpoint {checkpoint_id} is unaligned and no longer retained: its channel state "
                            "cannot be read back, so records processed after the snapshot are drawn as unknown")
    return out


class _Scan:
    """Walks the trace around one checkpoint and collects, per source subtask and channel, its records and cuts."""

    def __init__(self, snapshot: dict[str, Any], n: int, window: int) -> None:
        self.n, self.window, self.truncated = n, window, False
        kinds = {o["vertex"]: o.get("kind") for o in reversed(snapshot.get("operators") or ())}  # first op wins
        names = {v["id"]: v.get("name", v["id"]) for v in snapshot.get("vertices") or ()}
        self.names = names
        self.sources = [{"vertex": v["id"], "subtask": s["index"], "before": [], "after": [], "emitted": None}
                        for v in snapshot.get("vertices") or () if kinds.get(v["id"]) == "source"
                        for s in v.get("subtasks") or ()]
        self.source_of = {(r["vertex"], r["subtask"]): r for r in self.sources}
        channels = (snapshot.get("checkpoints") or {}).get("channels")
        if channels is None:
            channels = [{"edge": k, "source": e["source"], "target": e["target"], "from": c["from"], "to": c["to"],
                         "input": 1} for k, e in enumerate(snapshot.get("edges") or ()) for c in e["channels"]]
        self.channels = [{**{k: c[k] for k in ("edge", "source", "target", "from", "to")},
                          "input": c.get("input", 1), "live": c, "before": [], "after": [], "received": None,
                          "blocked": None, "unblocked": None} for c in channels]
        by_key: dict[tuple, list[dict]] = {}
        for r in self.channels:
            by_key.setdefault((r["target"], r["to"], r["input"], r["from"]), []).append(r)
        self.by_key = {k: rs[0] for k, rs in by_key.items() if len(rs) == 1}
        for rs in by_key.values():
            for r in rs[1:] if len(rs) > 1 else ():
                rs[0]["ambiguous"] = r["ambiguous"] = True
        self.by_edge = {(r["target"], r["to"], r["edge"], r["from"]): r for r in self.channels}
        self.snapshots: dict[tuple[str, int], dict[str, Any]] = {}

    def _rows_for(self, e: Any) -> dict | None:
        if e.kind == "source_emit":
            return self.source_of.get((e.vertex, e.subtask))
        if e.kind == "process" and e.data and "input" in e.data:
            return self.by_key.get((e.vertex, e.subtask, e.data["input"], e.data["from"]))
        return None

    def backward(self, events: Sequence[Any], trigger: int) -> None:
        """The last ``window`` records of every row before the trigger (all inside the checkpoint)."""
        missing = len(self.sources) + len(self.by_key)
        for i in range(trigger - 1, max(-1, trigger - 1 - BACK_LIMIT), -1):
            r = self._rows_for(events[i])
            if r is not None and len(r["before"]) < self.window:
                r["before"].append(events[i])
                missing -= len(r["before"]) == self.window
                if not missing:
                    return

    def forward(self, events: Sequence[Any], trigger: int, end: int) -> None:
        n = self.n
        ended = None
        for i in range(trigger + 1, end):
            e = events[i]
            r = self._rows_for(e)
            if r is not None:
                r["after"].append((i, e))
                continue
            data = e.data
            if not data or data.get("checkpoint_id") != n:
                if ended is not None and i - ended > AFTER_LIMIT:
                    self.truncated = i + 1 < end
                    return
                continue
            kind = e.kind
            if kind == "barrier" and data.get("action") == "emitted" and (e.vertex, e.subtask) in self.source_of:
                self.source_of[(e.vertex, e.subtask)]["emitted"] = i
            elif kind == "barrier" and data.get("action") == "received":
                c = self.by_edge.get((e.vertex, e.subtask, data.get("edge"), data.get("from")))
                if c is not None and c["received"] is None:
                    c["received"] = (i, data.get("alignment"))
            elif kind == "snapshot" and data.get("phase") == "sync":
                self.snapshots[(e.vertex, e.subtask)] = {"index": i, "ms": e.time_us / 1000,
                                                         "unaligned": bool(data.get("unaligned")),
                                                         "crossed": int(data.get("crossed_records") or 0)}
            elif kind in ("channel_blocked", "channel_unblocked"):
                c = self.by_edge.get((e.vertex, e.subtask, data.get("edge"), data.get("from")))
                if c is not None:
                    c["blocked" if kind == "channel_blocked" else "unblocked"] = e.time_us / 1000
            elif kind in ("checkpoint_completed", "checkpoint_aborted"):
                ended = i

    # -- rows ----------------------------------------------------------------------------------------------
    def source_row(self, r: dict[str, Any]) -> dict[str, Any]:
        v, i = r["vertex"], r["subtask"]
        records = [(e, -1) for e in reversed(r["before"])] + [(e, j) for j, e in r["after"]]
        cut = None
        if r["emitted"] is not None:
            cut = max((_position(e) for e, j in records if j < r["emitted"]), default=None)
            if cut is None:
                cut = 0
        cells = []
        for e, _j in records:
            k = _position(e) - 1
            fate = "state" if cut is None or k < cut else "after"
            cells.append({"k": k, "fate": fate, "ms": e.time_us / 1000, "text": e.detail})
        last = cells[-1]["k"] + 1 if cells else 0
        return self._finish({"kind": "source", "vertex": v, "subtask": i, "label": f"{self.names.get(v, v)} [{i}]",
                             "barrier": cut, "snapshot": cut, "barrier_state": "emitted" if cut is not None
                             else "not yet", "cut": cut if cut is not None else last}, cells)

    def channel_row(self, c: dict[str, Any], cs: Counts | None) -> dict[str, Any]:
        row: dict[str, Any] = {"kind": "channel", **{k: c[k] for k in ("edge", "source", "target", "from", "to")},
                               "label": f"{c['source']}[{c['from']}] → {c['target']}[{c['to']}]",
                               "blocked": None if c["blocked"] is None else [c["blocked"], c["unblocked"]]}
        if c.get("ambiguous"):
            return self._finish({**row, "barrier": None, "snapshot": None, "cut": 0, "barrier_state": "unknown",
                                 "note": "a union input: its channels cannot be told apart in the trace"}, [])
        snap = self.snapshots.get((c["target"], c["to"]))
        consumed = c["after"]
        p = None if snap is None else sum(1 for i, _ in consumed if i < snap["index"])
        stored = out_stored = None
        if cs is not None:
            out_stored = cs["output"].get((c["source"], c["from"], c["edge"], c["to"]), 0)
            stored = cs["input"].get((c["target"], c["to"], c["edge"], c["from"]), 0) + out_stored
        live = None if self.truncated else next((x for x in c["live"].get("barriers") or () if x["id"] == self.n),
                                                None)
        received = c["received"]
        b, state = None, "not yet"
        if live is not None:                     # still on its way: count the records ahead of it
            state = "in channel"
            if live["alignment"] != "UNALIGNED":
                b = len(consumed) + live["records_ahead"]
            elif out_stored is not None:         # a priority barrier: what it overtook at the sender is before it
                b = len(consumed) + live["records_ahead"] + out_stored
        elif received is not None:
            state = "received"
            if received[1] == "UNALIGNED" or (snap is not None and snap["unaligned"]):
                if stored is not None:           # the snapshot point plus the records stored for this channel
                    b = (p if p is not None else sum(1 for i, _ in consumed if i < received[0])) + stored
            else:
                b = sum(1 for i, _ in consumed if i < received[0])
        unknown = state != "not yet" and b is None
        limit = float("inf") if state == "not yet" else b
        cells = [{"k": -1 - m, "fate": "state", "ms": e.time_us / 1000, "text": e.detail}
                 for m, e in enumerate(c["before"])][::-1]
        for k, (i, e) in enumerate(consumed):
            cells.append({"k": k, "fate": _fate(k, limit, snap is None or i < snap["index"]),
                          "ms": e.time_us / 1000, "text": e.detail})
        if not self.truncated:
            for k in range(len(consumed), len(consumed) + int(c["live"].get("records") or 0)):
                fate = ("after" if limit is not None and k >= limit else "unknown" if limit is None
                        else "inflight" if snap is None else "channel_state")
                cells.append({"k": k, "fate": fate, "ms": None, "text": "", "in_channel": True})
        end = cells[-1]["k"] + 1 if cells else 0
        cut = b if b is not None else p if p is not None else end
        return self._finish({**row, "barrier": b, "snapshot": p, "barrier_state": state, "cut": cut,
                             "cut_unknown": unknown, "stored": stored}, cells)

    def _finish(self, row: dict[str, Any], cells: list[dict[str, Any]]) -> dict[str, Any]:
        counts = dict.fromkeys(FATES, 0)
        for cell in cells:
            if cell["k"] >= 0:
                counts[cell["fate"]] += 1
        w, cut = self.window, row["cut"]
        row["counts"] = counts
        row["cells"] = [cell for cell in cells if cut - w <= cell["k"] < cut + w]
        row.setdefault("note", None)
        return row


def _position(e: Any) -> int:
    return int((e.data or {}).get("position") or 0)


def _fate(k: int, barrier: float | None, before_snapshot: bool) -> str:
    """A processed record's fate; ``barrier`` is its index (infinite: not sent yet; None: not known)."""
    if before_snapshot:
        return "state" if barrier is None or k < barrier else "crossed"
    if barrier is None:
        return "unknown"
    return "channel_state" if k < barrier else "after"
