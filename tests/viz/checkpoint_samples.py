"""Checkpoint snapshots for the barrier-view tests: a hand-written one, and the protocol job of
``tests/checkpointing/test_protocol.py`` (two source subtasks, one of them back-pressured, into one keyed sum)."""
from __future__ import annotations

import copy
from typing import Any

import flowlab
from flowlab.common import Duration
from tests.checkpointing.jobs import env_with, two_channels
from tests.viz.conftest import make_snapshot


def _row(n: int, status: str, acked: int, **extra: Any) -> dict[str, Any]:
    return {"id": n, "status": status, "trigger_time_ms": 50.0 * n, "latest_ack_ms": 50.0 * n + 2.002,
            "duration_ms": 3.43, "acknowledged": acked, "subtasks": 3, "state_size": 114, "in_flight_persisted": 0,
            "alignment_ms": 0.0, "unaligned": False, "path": None, "failure": None, **extra}


def ck_snapshot(unaligned: bool = False, enabled: bool = True) -> dict[str, Any]:
    """``make_snapshot()`` (Source→Map p=2 --HASH--> Sink p=1) during checkpoint 3: v1[0] acknowledged, v1[1]
    snapshotting, v2[0] aligning; channel v1[0]→v2[0] blocked with 3 records waiting, barrier 3 at v1[1]'s
    sender with 241 records (16 buffers) ahead and 17 (2) behind; checkpoints 1 (COMPLETED, 4 KB) and 2 (FAILED)
    before it. ``unaligned``: the barrier is unaligned and 121 / 145 records are stored as channel state."""
    snap = copy.deepcopy(make_snapshot())
    if not enabled:
        snap["checkpoints"] = {"enabled": False}
        return snap
    pending = _row(3, "IN_PROGRESS", 1, latest_ack_ms=152.002, unaligned=unaligned)
    subtasks = [
        {"vertex": "v1", "subtask": 0, "state": "RUNNING", "phase": "acknowledged", "blocked_channels": []},
        {"vertex": "v1", "subtask": 1, "state": "RUNNING", "phase": "snapshotting", "blocked_channels": []},
        {"vertex": "v2", "subtask": 0, "state": "RUNNING", "phase": "aligning",
         "blocked_channels": [] if unaligned else ["v1[0]"]},
    ]
    barrier = {"id": 3, "alignment": "UNALIGNED" if unaligned else "ALIGNED", "where": "sender",
               "records_ahead": 241, "records_behind": 17, "buffers_ahead": 16, "buffers_behind": 2}
    if unaligned:
        subtasks[1]["channel_state"] = {"input": [], "output": [[0, 0, 145]]}
        subtasks[2]["channel_state"] = {"input": [[0, 1, 121]], "output": []}
        subtasks[0]["channel_state"] = {"input": [], "output": []}
    snap["checkpoints"] = {
        "enabled": True, "mode": "EXACTLY_ONCE", "alignment": "UNALIGNED" if unaligned else "ALIGNED",
        "unaligned": unaligned, "aligned_timeout_ms": 0, "interval_ms": 50, "timeout_ms": 600000,
        "storage": "jobmanager", "directory": None, "pending": [pending], "retained": [1],
        "history": [_row(1, "COMPLETED", 3, state_size=3982), _row(2, "FAILED", 0, failure="Checkpoint expired "
                                                                    "before completing."), pending],
        "focus": 3, "subtasks": subtasks,
        "channels": [
            {"edge": 0, "source": "v1", "target": "v2", "from": 0, "to": 0, "input": 1, "barriers": [],
             "records": 3, "buffers": 1, "blocked": not unaligned, "sender_blocked": not unaligned},
            {"edge": 0, "source": "v1", "target": "v2", "from": 1, "to": 0, "input": 1, "barriers": [barrier],
             "records": 258, "buffers": 18, "blocked": False, "sender_blocked": False},
        ],
    }
    return snap


def protocol_sim(mode: str = "EXACTLY_ONCE", unaligned: bool = False, timeout_ms: int | None = None
                 ) -> flowlab.Simulation:
    """Source subtask 0 emits an 'a' each ms, subtask 1 800 'b' at 45 ms (back-pressured, 1 KB buffers); one
    keyed-sum subtask; checkpoint 1 is triggered at 50 ms, checkpoints are retained."""
    env = env_with(1, interval=50, mode=mode, taskmanager__memory__segment___size="1kb",
                   execution__checkpointing__num___retained=10)
    env.set_buffer_timeout(1)
    if unaligned:
        env.get_checkpoint_config().enable_unaligned_checkpoints()
    if timeout_ms is not None:
        env.get_checkpoint_config().set_aligned_checkpoint_timeout(Duration.of_millis(timeout_ms))
    two_channels(env, fast=list(range(120)), slow=[45] * 800)
    return flowlab.Simulation(env)
