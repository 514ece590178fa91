"""The barrier view's text: summary, history (Flink's Web UI columns), subtask phases, channels with barriers."""
from __future__ import annotations

import re

from flowlab.viz.render.checkpoint_html import (
    render_barrier_channels,
    render_checkpoint_history,
    render_checkpoint_summary,
    render_subtask_phases,
    size,
)
from tests.viz.checkpoint_samples import ck_snapshot


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_summary_names_the_focus_checkpoint_and_what_its_barriers_do():
    """The focus checkpoint, its setup, acks, phases, barriers in channels and blocked channels."""
    assert plain(render_checkpoint_summary(ck_snapshot())) == (
        "Checkpoint 3 IN_PROGRESS — EXACTLY_ONCE, aligned, every 50 ms, storage jobmanager · 1 of 3 subtasks "
        "acknowledged · subtasks: 1 aligning, 1 snapshotting, 1 acknowledged · barrier 3 in 1 channel(s) · "
        "1 channel(s) blocked for alignment")


def test_summary_when_checkpointing_is_off_says_how_to_turn_it_on():
    assert plain(render_checkpoint_summary(ck_snapshot(enabled=False))) == (
        "Checkpointing is off: call env.enable_checkpointing(interval) before building the Simulation.")


def test_history_lists_checkpoints_newest_first_with_the_web_ui_columns():
    """ID, status, acknowledged, trigger time, latest ack, end to end, size, in-flight, alignment, type."""
    html = render_checkpoint_history(ck_snapshot())
    rows = re.findall(r'<tr class="flowlab-ck-row" data-id="(\d+)" data-status="(\w+)"', html)
    assert rows == [("3", "IN_PROGRESS"), ("2", "FAILED"), ("1", "COMPLETED")]
    first = plain(html.split('data-id="1"')[1].split("</tr>")[0].split(">", 1)[1])
    assert first == "1 COMPLETED 3/3 50 ms 52.002 ms 3.43 ms 3.89 KB 0 B 0 ms aligned"
    assert 'title="Checkpoint expired before completing."' in html
    assert "retained: 1" in plain(html)


def test_sizes_are_shown_as_the_web_ui_does():
    assert [size(114), size(3982), size(5 * 1024 * 1024), size(None)] == ["114 B", "3.89 KB", "5.00 MB", "–"]


def test_subtask_table_shows_each_phase_and_the_blocked_channels():
    html = render_subtask_phases(ck_snapshot())
    assert re.findall(r'data-vertex="(\w+)" data-subtask="(\d)" data-phase="([\w ]+)"', html) == \
        [("v1", "0", "acknowledged"), ("v1", "1", "snapshotting"), ("v2", "0", "aligning")]
    assert "v1[0]</td>" in html


def test_subtask_table_counts_channel_state_of_unaligned_checkpoints():
    """v1[1] keeps 145 records of output, v2[0] 121 of input."""
    rows = plain(render_subtask_phases(ck_snapshot(unaligned=True)))
    assert "v1[1] snapshotting 145" in rows and "v2[0] aligning 121" in rows


def test_channel_table_has_the_barrier_position_and_the_blocked_channel():
    html = render_barrier_channels(ck_snapshot())
    assert plain(html) == ("Channels with a barrier or blocked (ahead = nearer the receiver) channel barrier at the "
                           "ahead of it behind it alignment records in channel v1[0] → v2[0] 3 blocked (aligning), "
                           "producer stopped v1[1] → v2[0] 3 sender 241 rec · 16 buf 17 rec · 2 buf aligned 258")


def test_channel_table_without_barriers_says_so():
    snap = ck_snapshot()
    for c in snap["checkpoints"]["channels"]:
        c.update(barriers=[], blocked=False, sender_blocked=False)
    assert plain(render_barrier_channels(snap)) == "No barrier is in a channel and no channel is blocked."
