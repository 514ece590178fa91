"""The snapshot fields the barrier view draws (``snapshot["checkpoints"]``): records and buffers around each
barrier, the input of each channel, and per channel the records an unaligned checkpoint stores."""
from __future__ import annotations

from typing import Any

from tests.viz.checkpoint_samples import protocol_sim


def _channels(snap: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {c["from"]: c for c in snap["checkpoints"]["channels"]}


def _stored(snap: dict[str, Any]) -> dict[tuple[str, int], dict[str, list]]:
    return {(s["vertex"], s["subtask"]): s.get("channel_state") for s in snap["checkpoints"]["subtasks"]}


def test_barrier_has_the_records_and_buffers_ahead_of_and_behind_it():
    """At the first blocked channel barrier 1 waits at v1[1]'s sender behind 241 records in 16 buffers, with 17
    records in 2 buffers behind it; v1[0]'s channel holds 3 records in 1 buffer, blocked."""
    sim = protocol_sim()
    sim.break_on("channel_blocked")
    sim.run()
    chans = _channels(sim.snapshot())
    assert chans[1]["barriers"] == [{"id": 1, "alignment": "ALIGNED", "where": "sender", "records_ahead": 241,
                                     "records_behind": 17, "buffers_ahead": 16, "buffers_behind": 2}]
    assert (chans[1]["records"], chans[1]["buffers"], chans[1]["input"]) == (258, 18, 1)
    assert (chans[0]["records"], chans[0]["buffers"], chans[0]["blocked"], chans[0]["barriers"]) == (3, 1, True, [])


def test_aligned_checkpoints_have_no_channel_state_field():
    sim = protocol_sim()
    sim.run(until_ms=52)
    assert all("channel_state" not in s for s in sim.snapshot()["checkpoints"]["subtasks"])


def test_unaligned_channel_state_per_channel_while_pending():
    """v1[1]'s barrier overtakes 145 queued records (its output channel state) and keeps them through its
    acknowledgement's trip to the JobMaster; v2[0] then stores 2 and 121 records of its two inputs."""
    sim = protocol_sim(unaligned=True)
    sim.break_on("barrier")
    sim.run()
    sim.run()                                            # v1[1] emitted barrier 1 ahead of its queue
    assert _stored(sim.snapshot())[("v1", 1)] == {"input": [], "output": [[0, 0, 145]]}
    sim.run()                                            # v2[0] received the first barrier (v1[1] acked meanwhile)
    snap = sim.snapshot()
    assert _stored(snap)[("v1", 1)] == {"input": [], "output": [[0, 0, 145]]}
    assert _stored(snap)[("v2", 0)] == {"input": [[0, 0, 2]], "output": []}
    sim.run()                                            # the second barrier
    assert _stored(sim.snapshot())[("v2", 0)] == {"input": [[0, 0, 2], [0, 1, 121]], "output": []}


def test_unaligned_channel_state_is_empty_once_the_checkpoint_completed():
    """The focus checkpoint is complete: its channel state is in the checkpoint (sim.checkpoint_state), not here."""
    sim = protocol_sim(unaligned=True)
    sim.run(until_ms=60)
    assert set(map(str, _stored(sim.snapshot()).values())) == {"{'input': [], 'output': []}"}
