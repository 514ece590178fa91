"""The consistent cut of checkpoint 1 of the protocol job (two sources, one back-pressured, into one keyed sum),
per mode: which records of each source and channel are inside the checkpoint and which after it."""
from __future__ import annotations

import re
from typing import Any

import pytest

from flowlab.viz.consistent_cut import channel_state_counts, checkpoint_cut
from flowlab.viz.render.cut_svg import render_cut
from tests.viz.checkpoint_samples import protocol_sim


def _cut(mode: str = "EXACTLY_ONCE", unaligned: bool = False, stored: bool = True, until_ms: int = 120
         ) -> dict[str, Any]:
    sim = protocol_sim(mode, unaligned)
    sim.run(until_ms=until_ms)
    counts = channel_state_counts(sim.checkpoint_state(1)) if stored else None
    return checkpoint_cut(sim.events(), sim.snapshot(), 1, counts)


def _rows(cut: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["label"]: r for r in cut["rows"]}


def _summary(row: dict[str, Any]) -> tuple:
    return row["barrier"], row["snapshot"], {k: v for k, v in row["counts"].items() if v}


@pytest.fixture(scope="module")
def aligned() -> dict[str, Any]:
    return _cut()


def test_sources_are_cut_at_their_read_position(aligned):
    """The sources emitted barrier 1 after 51 'a' and 354 'b' records (their positions in the checkpoint)."""
    rows = _rows(aligned)
    assert (rows["Source: script [0]"]["barrier"], rows["Source: script [1]"]["barrier"]) == (51, 354)
    cells = rows["Source: script [0]"]["cells"]
    assert [(c["k"], c["fate"]) for c in cells if 49 <= c["k"] <= 52] == \
        [(49, "state"), (50, "state"), (51, "after"), (52, "after")]


def test_aligned_nothing_crosses_the_cut(aligned):
    """Aligned: every record before the barrier is in the state, every record after it is after the snapshot;
    the early channel was blocked from 53.43 to 65.77 ms."""
    rows = _rows(aligned)
    assert _summary(rows["v1[0] → v2[0]"]) == (3, 3, {"state": 3, "after": 69})
    assert _summary(rows["v1[1] → v2[0]"]) == (305, 305, {"state": 305, "after": 446})
    assert rows["v1[0] → v2[0]"]["blocked"] == [53.43, 65.77]
    assert aligned["subtasks"][2] == {"vertex": "v2", "subtask": 0, "index": aligned["subtasks"][2]["index"],
                                      "ms": 65.77, "unaligned": False, "crossed": 0}


def test_at_least_once_records_after_the_barrier_cross_into_the_state():
    """At-least-once: 13 'a' after v1[0]'s barrier were processed before the snapshot (the details' crossed
    records)."""
    rows = _rows(_cut("AT_LEAST_ONCE", stored=False))
    assert _summary(rows["v1[0] → v2[0]"]) == (3, 16, {"state": 3, "crossed": 13, "after": 56})
    cells = rows["v1[0] → v2[0]"]["cells"]           # the window: 12 records on each side of the barrier
    assert [(c["k"], c["fate"]) for c in cells[-15:]] == \
        [(k, "state") for k in range(3)] + [(k, "crossed") for k in range(3, 15)]


def test_unaligned_records_in_flight_at_the_snapshot_are_channel_state():
    """Unaligned: v2[0] snapshots after 1 and 39 records; the 2 and 266 records before the barriers (overtaken in
    its input and in v1[1]'s output) are channel state; the barriers are where the aligned ones were."""
    cut = _cut(unaligned=True, until_ms=70)
    rows = _rows(cut)
    assert _summary(rows["v1[0] → v2[0]"]) == (3, 1, {"state": 1, "channel_state": 2, "after": 20})
    assert _summary(rows["v1[1] → v2[0]"]) == (305, 39, {"state": 39, "channel_state": 266, "after": 353})
    assert cut["notes"] == []


def test_unaligned_without_its_channel_state_says_the_cut_is_unknown():
    """A checkpoint no longer retained: records after the snapshot are 'unknown' and a note says why."""
    cut = _cut(unaligned=True, stored=False, until_ms=70)
    row = _rows(cut)["v1[1] → v2[0]"]
    assert (row["barrier"], row["cut_unknown"], row["counts"]["unknown"]) == (None, True, 266 + 353)
    assert "no longer retained" in cut["notes"][0]


def test_while_aligning_the_late_barrier_is_counted_in_its_channel():
    """At the first blocked channel: barrier 1 of v1[1] is still in its channel with 241 records ahead of it,
    which are in flight before the cut; the 17 behind it are after; v2[0] has no snapshot yet."""
    sim = protocol_sim()
    sim.break_on("channel_blocked")
    sim.run()
    snap = sim.snapshot()
    rows = _rows(checkpoint_cut(sim.events(), snap, 1))
    late = rows["v1[1] → v2[0]"]
    assert (late["barrier_state"], late["barrier"], late["snapshot"]) == ("in channel", 305, None)
    assert {k: v for k, v in late["counts"].items() if v} == {"state": 64, "inflight": 241, "after": 17}
    early = rows["v1[0] → v2[0]"]
    assert (early["barrier_state"], early["barrier"], early["blocked"]) == ("received", 3, [53.43, None])


def test_unaligned_live_cut_uses_the_channel_state_kept_so_far():
    """Unaligned, when v2[0] received the first barrier: v1[1]'s barrier is in the network with 121 records
    ahead and 145 overtaken at the sender (its acknowledgement is on its way): it is after record 305."""
    sim = protocol_sim(unaligned=True)
    sim.break_on("barrier", vertex="v2")
    sim.run()
    snap = sim.snapshot()
    rows = _rows(checkpoint_cut(sim.events(), snap, 1, channel_state_counts(snapshot=snap)))
    assert (rows["v1[1] → v2[0]"]["barrier_state"], rows["v1[1] → v2[0]"]["barrier"]) == ("in channel", 305)
    assert rows["v1[1] → v2[0]"]["stored"] == 145


def test_a_checkpoint_not_yet_triggered_is_named():
    sim = protocol_sim()
    sim.run(until_ms=20)
    cut = checkpoint_cut(sim.events(), sim.snapshot(), 1)
    assert (cut["rows"], cut["notes"]) == ([], [f"checkpoint 1 has not been triggered by step {sim.step_count}"])


def test_the_picture_aligns_every_row_at_the_barrier(aligned):
    """Each row states its barrier and snapshot positions; the record squares carry their fate."""
    svg = render_cut(aligned)
    rows = re.findall(r'<g class="flowlab-cut-row" data-kind="(\w+)" [^>]*data-barrier="(\d*)" '
                      r'data-snapshot="(\d*)"', svg)
    assert rows == [("source", "51", "51"), ("source", "354", "354"), ("channel", "3", "3"),
                    ("channel", "305", "305")]
    assert svg.count('data-fate="after"') == 4 * 12 and svg.count('data-fate="state"') == 4 * 12
    assert "v2[0] — snapshot at 65.77 ms (aligned)" in svg


def test_the_picture_marks_a_snapshot_away_from_the_barrier():
    """Unaligned: v2[0] snapshotted 266 records before v1[1]'s barrier: an arrow names the distance."""
    svg = render_cut(_cut(unaligned=True, until_ms=70))
    assert "◀▼ 266" in svg and svg.count('data-fate="channel_state"') == 2 + 12


def test_a_long_trace_is_scanned_only_near_the_checkpoint():
    """Far from the checkpoint the trace is not read: a note says so; the cut itself is unchanged."""
    near, far = _cut(unaligned=True, until_ms=70), _cut(unaligned=True, until_ms=120)
    assert far["notes"] == ["the trace is long: records far from the cut were not scanned"]
    assert [(r["barrier"], r["snapshot"]) for r in far["rows"]] == [(r["barrier"], r["snapshot"]) for r in near["rows"]]


def test_the_lazy_event_log_gives_the_same_cut_as_the_event_list():
    """sim.event_log() builds only the events read; the cut is the same as from sim.events()."""
    sim = protocol_sim()
    sim.run(until_ms=70)
    log, events = sim.event_log(), sim.events()
    assert len(log) == len(events) and log[-1].to_dict() == events[-1].to_dict()
    assert [e.to_dict() for e in log[5:8]] == [e.to_dict() for e in events[5:8]]
    with pytest.raises(IndexError, match=f"event {len(events)} of a trace of {len(events)}"):
        log[len(events)]
    assert checkpoint_cut(log, sim.snapshot(), 1) == checkpoint_cut(events, sim.snapshot(), 1)
