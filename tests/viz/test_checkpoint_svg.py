"""The barrier picture: what is drawn for given checkpoint snapshots (barriers, blocked channels, phases,
channel state), as exact SVG content."""
from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

from flowlab.viz.render.checkpoint_svg import (
    BLOCKED,
    PHASE_TINT,
    ZONES,
    barrier_share,
    phase_tints,
    render_barrier_graph,
)
from tests.viz.checkpoint_samples import ck_snapshot

SVG = "{http://www.w3.org/2000/svg}"


def groups(svg: str, css: str) -> list[ET.Element]:
    return [g for g in ET.fromstring(svg).iter(f"{SVG}g") if css in (g.get("class") or "").split()]


def text_of(el: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in el.iter(f"{SVG}text")]


def title_of(el: ET.Element) -> str:
    return el.find(f"{SVG}title").text


def test_subtasks_are_tinted_by_their_phase():
    """v1[0] acknowledged, v1[1] snapshotting, v2[0] aligning: one tint per subtask row, in order."""
    assert phase_tints(ck_snapshot()) == {"v1": [PHASE_TINT["acknowledged"], PHASE_TINT["snapshotting"]],
                                          "v2": [PHASE_TINT["aligning"]]}
    rows = groups(render_barrier_graph(ck_snapshot()), "flowlab-subtask")
    fills = [r.find(f"{SVG}rect").get("fill") for r in rows]
    assert fills == [PHASE_TINT["acknowledged"], PHASE_TINT["snapshotting"], PHASE_TINT["aligning"]]


def test_one_line_per_channel():
    """Both channels of the HASH edge v1 → v2 are drawn, each from its producer's row."""
    lines = groups(render_barrier_graph(ck_snapshot()), "flowlab-channel")
    assert [(g.get("data-from"), g.get("data-to"), g.get("data-records")) for g in lines] == \
        [("0", "0", "3"), ("1", "0", "258")]


def test_the_barrier_is_a_mark_in_its_channel_with_the_records_around_it():
    """Barrier 3 sits in v1[1] → v2[0], at the sender, with 241 records ahead of it and 17 behind."""
    (mark,) = groups(render_barrier_graph(ck_snapshot()), "flowlab-barrier")
    assert (mark.get("data-checkpoint"), mark.get("data-where"), mark.get("data-ahead"), mark.get("data-behind")) \
        == ("3", "sender", "241", "17")
    assert title_of(mark) == ("barrier 3 (aligned) in v1[1] → v2[0], at the sender: 241 record(s) in 16 buffer(s) "
                              "ahead of it, 17 record(s) in 2 buffer(s) behind it")
    assert text_of(mark) == ["3", "241 ahead · 17 behind"]


def _barrier_x(snap: dict) -> float:
    (mark,) = groups(render_barrier_graph(snap), "flowlab-barrier")
    return float(mark.find(f"{SVG}rect").get("x"))


def test_the_barrier_moves_towards_the_receiver_as_the_records_ahead_are_consumed():
    """Fewer records ahead: further right; in the network: further than at the sender; received: further still."""
    xs = []
    for where, ahead in (("sender", 241), ("sender", 10), ("network", 10), ("receiver", 10), ("receiver", 0)):
        snap = ck_snapshot()
        snap["checkpoints"]["channels"][1]["barriers"][0].update(where=where, records_ahead=ahead)
        xs.append(_barrier_x(snap))
    assert xs == sorted(xs) and len(set(xs)) == 5


def test_barrier_share_is_its_third_of_the_line_and_the_records_ahead():
    """share = start of its third + 0.28 · 8 / (8 + records ahead)."""
    assert barrier_share({"where": "receiver", "records_ahead": 0}) == ZONES["receiver"] + 0.28
    assert barrier_share({"where": "sender", "records_ahead": 8}) == ZONES["sender"] + 0.14
    assert barrier_share({"where": "network", "records_ahead": 24}) == ZONES["network"] + 0.07


def test_a_channel_blocked_for_alignment_is_drawn_blocked_with_the_records_waiting():
    """v1[0] → v2[0] is blocked: red dashed line, a gate at the receiver and '3 waiting'."""
    (blocked,) = groups(render_barrier_graph(ck_snapshot()), "flowlab-channel-blocked")
    assert (blocked.get("data-from"), blocked.get("data-to")) == ("0", "0")
    path = blocked.find(f"{SVG}path")
    assert (path.get("stroke"), path.get("stroke-dasharray")) == (BLOCKED, "5 3")
    assert [r.get("class") for r in blocked.iter(f"{SVG}rect")][0] == "flowlab-blocked-gate"
    assert text_of(blocked) == ["3 waiting"]
    assert "blocked for alignment: v2[0] has the barrier from this channel and waits for it on its other " \
           "channels; 3 record(s) wait behind it" in title_of(blocked)


def test_unaligned_channel_state_is_marked_at_both_ends():
    """Unaligned: 121 records stored at v2[0]'s input, 145 at v1[1]'s output, on channel v1[1] → v2[0]."""
    svg = render_barrier_graph(ck_snapshot(unaligned=True))
    marks = groups(svg, "flowlab-channel-state")
    assert [(m.get("data-side"), m.get("data-records")) for m in marks] == [("input", "121"), ("output", "145")]
    assert not groups(svg, "flowlab-channel-blocked")


def test_without_checkpointing_only_the_graph_is_drawn():
    """Checkpointing off: the tinted-free job graph, no channel lines."""
    svg = render_barrier_graph(ck_snapshot(enabled=False))
    assert 'class="flowlab-barrier-graph"' in svg and not groups(svg, "flowlab-channels")


def test_many_channels_hide_the_counts_and_ids():
    """With more than three channels on an edge only the marks are drawn (details in their tooltips)."""
    snap = ck_snapshot()
    chans = snap["checkpoints"]["channels"]
    chans += [dict(copy.deepcopy(chans[1]), **{"from": 1, "to": 0}) for _ in range(2)]
    marks = groups(render_barrier_graph(snap), "flowlab-barrier")
    assert len(marks) == 3 and all(text_of(m) == [] for m in marks)


def test_rendering_is_pure():
    """The same snapshot gives the same bytes; the snapshot is not changed."""
    snap = ck_snapshot(unaligned=True)
    before = copy.deepcopy(snap)
    assert render_barrier_graph(snap) == render_barrier_graph(copy.deepcopy(snap)) and snap == before
