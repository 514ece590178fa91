"""What a subtask reports for a checkpoint (Flink's ``AcknowledgeCheckpoint`` with its ``CheckpointMetrics``), and
how its snapshot is laid out as checkpoint JSON."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowlab.runtime.state.snapshot_codec import dumps, to_plain


@dataclass
class CheckpointAck:
    """What a subtask reports for one checkpoint (Flink's ``AcknowledgeCheckpoint`` with its metrics)."""

    checkpoint_id: int
    vertex: str
    subtask: int
    operators: list[tuple[str, bytes | None]]      # operator id -> encoded state (None: stateless)
    input_channel_state: bytes | None = None
    output_channel_state: bytes | None = None
    finished: bool = False
    state_size: int = 0
    persisted_bytes: int = 0                        # in-flight data stored (unaligned checkpoints)
    start_delay_ms: float = 0.0
    alignment_ms: float = 0.0
    sync_ms: float = 0.0
    async_ms: float = 0.0
    unaligned: bool = False
    crossed_records: int = 0                        # AT_LEAST_ONCE: records after the barrier in the snapshot
    sent_us: int = 0


def to_plain_snapshot(snap: dict[str, Any]) -> dict[str, Any]:
    """An operator's ``snapshot_state()`` as checkpoint JSON: key groups in order, values tagged."""
    out: dict[str, Any] = {}
    keyed = snap.get("keyed")
    if keyed is not None:
        groups = []
        for kg in sorted(keyed):
            g = keyed[kg]
            groups.append([kg, {
                "states": {name: [[to_plain(k), to_plain(ns), to_plain(v)] for k, ns, v in entries]
                           for name, entries in g.get("states", {}).items()},
                "event_timers": [[ts, to_plain(k), to_plain(ns)] for ts, k, ns in g.get("event_timers", [])],
                "processing_timers": [[ts, to_plain(k), to_plain(ns)] for ts, k, ns in g.get("processing_timers", [])],
            }])
        out["key_groups"] = groups
    if snap.get("keyed_meta"):
        out["keyed_meta"] = snap["keyed_meta"]
    if snap.get("operator_state") is not None:
        out["operator_state"] = to_plain(snap["operator_state"])
    if snap.get("operator") is not None:
        out["operator"] = to_plain(snap["operator"])
    return out


def meta_bytes(snap: dict[str, Any]) -> int:
    """Bytes the states' names and types (``keyed_meta``) take in the encoded snapshot: not counted in the modelled
    state size, which is the size of the state itself."""
    meta = snap.get("keyed_meta")
    return len(b'"keyed_meta":') + len(dumps(meta)) + 1 if meta else 0


def channel_plain(state: list[Any]) -> list[Any]:
    return [[edge, index, [to_plain(e) if type(e) is tuple else repr(e) for e in elements]]
            for edge, index, elements in state]
