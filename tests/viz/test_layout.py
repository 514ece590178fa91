"""compute_layout: left-to-right layers, no overlaps, cached per graph shape, plain data."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from samples import sample_snapshot, synthetic_snapshot

from flowlab.viz.render.layout import compute_layout, graph_signature


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def test_edges_run_left_to_right_in_topological_columns():
    """Every network edge's target box starts right of its source box."""
    snap = synthetic_snapshot(6, 4)
    lay = compute_layout(snap, chained=True)
    boxes = lay["boxes"]
    for e in snap["edges"]:
        assert boxes[e["target"]]["x"] > boxes[e["source"]]["x"] + boxes[e["source"]]["w"]
    # the fork v1 -> (v2, v3) puts v2 and v3 in one column, in snapshot order
    assert boxes["v2"]["x"] == boxes["v3"]["x"] and boxes["v2"]["y"] < boxes["v3"]["y"]


def test_layout_is_cached_per_graph_shape_not_per_step():
    """Counters change every step; the layout object does not."""
    assert compute_layout(sample_snapshot(10)) is compute_layout(sample_snapshot(11))
    assert graph_signature(sample_snapshot(10), True) != graph_signature(sample_snapshot(10), False)
    assert compute_layout(sample_snapshot(10), chained=False) is not compute_layout(sample_snapshot(10))


def test_layout_is_plain_json_data():
    """The layout can be stored or sent to a browser as JSON."""
    for chained in (True, False):
        json.dumps(compute_layout(synthetic_snapshot(), chained=chained))


def test_unchained_frames_contain_their_operators():
    """Each task frame encloses the boxes of exactly its operators, stacked top-down in chain order."""
    snap = sample_snapshot(5)
    lay = compute_layout(snap, chained=False)
    for frame in lay["frames"]:
        members = [o["id"] for o in snap["operators"] if o["vertex"] == frame["vertex"]]
        for m in members:
            b = lay["boxes"][m]
            assert frame["x"] <= b["x"] and b["x"] + b["w"] <= frame["x"] + frame["w"]
            assert frame["y"] <= b["y"] and b["y"] + b["h"] <= frame["y"] + frame["h"]
        ys = [lay["boxes"][m]["y"] for m in members]
        assert ys == sorted(ys)


def test_canvas_holds_everything():
    """All boxes lie inside the SVG's width and above the legend."""
    for snap in (sample_snapshot(3), synthetic_snapshot(6, 4), synthetic_snapshot(2, 1)):
        for chained in (True, False):
            lay = compute_layout(snap, chained)
            for b in lay["boxes"].values():
                assert 0 <= b["x"] and b["x"] + b["w"] <= lay["width"]
                assert 0 <= b["y"] and b["y"] + b["h"] <= lay["legend"]["y"]


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 8), st.integers(1, 12), st.booleans())
def test_boxes_never_overlap(n_vertices, parallelism, chained):
    """No two boxes (or task frames) overlap, whatever the graph size and parallelism."""
    lay = compute_layout(synthetic_snapshot(n_vertices, parallelism), chained)
    boxes = list(lay["boxes"].values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _overlap(a, b)
    for i, a in enumerate(lay["frames"]):
        for b in lay["frames"][i + 1:]:
            assert not _overlap(a, b)
