"""render_job_graph: a pure, deterministic function from a snapshot to a well-formed SVG."""
from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from samples import sample_snapshot, synthetic_snapshot

from flowlab.viz import render_job_graph
from flowlab.viz.render import layout as layout_mod

NS = {"s": "http://www.w3.org/2000/svg"}
ROOT = Path(__file__).resolve().parents[2]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def groups(root: ET.Element, css: str) -> list[ET.Element]:
    return [g for g in root.iter("{http://www.w3.org/2000/svg}g") if css in (g.get("class") or "").split()]


def texts(el: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in el.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.parametrize("chained", [True, False])
@pytest.mark.parametrize("snap", [sample_snapshot(0), sample_snapshot(14), sample_snapshot(40),
                                  synthetic_snapshot(6, 4), synthetic_snapshot(3, 12)])
def test_svg_is_well_formed_xml(snap, chained):
    """Every sample renders to parseable XML with the flowlab-jobgraph class on the root <svg>."""
    root = parse(render_job_graph(snap, chained=chained))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("class") == "flowlab-jobgraph"
    assert root.get("data-view") == ("chained" if chained else "unchained")


def test_chained_view_has_one_box_per_vertex(snapshot):
    """The chained view draws one box per job vertex (task) and no operator boxes."""
    root = parse(render_job_graph(snapshot, chained=True))
    assert [g.get("data-id") for g in groups(root, "flowlab-vertex")] == ["v1", "v2"]
    assert groups(root, "flowlab-operator") == []
    first = groups(root, "flowlab-vertex")[0]
    assert "Source: Collection → Map" in " ".join(texts(first))
    assert "parallelism 2" in texts(first)


def test_unchained_view_has_one_box_per_operator_framed_by_task(snapshot):
    """The unchained view draws one box per operator and a named frame per task."""
    root = parse(render_job_graph(snapshot, chained=False))
    assert [g.get("data-id") for g in groups(root, "flowlab-operator")] == ["n1", "n2", "n3"]
    assert groups(root, "flowlab-vertex") == []
    frames = groups(root, "flowlab-task-frame")
    assert [f.get("data-vertex") for f in frames] == ["v1", "v2"]
    assert "task v1" in " ".join(texts(frames[0]))


def test_subtask_cells_follow_parallelism_and_state(snapshot_factory):
    """One cell per subtask, carrying its execution state, busy and backpressure marks."""
    snap = snapshot_factory(states=("RUNNING", "DEPLOYING", "FAILED"))
    root = parse(render_job_graph(snap))
    v1, v2 = groups(root, "flowlab-vertex")
    cells = groups(v1, "flowlab-subtask")
    assert [c.get("data-state") for c in cells] == ["RUNNING", "DEPLOYING"]
    assert cells[0].get("data-busy") == "1" and cells[1].get("data-backpressured") == "1"
    assert [c.get("data-state") for c in groups(v2, "flowlab-subtask")] == ["FAILED"]
    all_cells = cells + groups(v2, "flowlab-subtask")
    fills = {c.get("data-state"): c.find("s:rect", NS).get("fill") for c in all_cells}
    assert len(set(fills.values())) == 3
    assert "tm-1/0" in texts(cells[0]) and "tm-1/1" in texts(cells[1])


def test_subtask_tooltip_has_details(snapshot):
    """Hovering a subtask shows state, TaskManager/slot, records and queue."""
    root = parse(render_job_graph(snapshot))
    title = groups(root, "flowlab-subtask")[1].find("s:title", NS).text
    assert "(2/2)" in title and "state: RUNNING" in title
    assert "taskmanager: tm-1, slot: 1" in title and "input queued: 2" in title and "backpressured" in title


@pytest.mark.parametrize("chained", [True, False])
def test_edges_show_partitioner_labels(snapshot, chained):
    """Network edges are labelled with their partitioner."""
    root = parse(render_job_graph(snapshot, chained=chained))
    network = [e for e in groups(root, "flowlab-edge") if e.get("data-partitioner") != "chained"]
    assert [e.get("data-partitioner") for e in network] == ["HASH"]
    assert "HASH" in texts(network[0])


def test_unchained_view_draws_chained_edges_dashed(snapshot):
    """Inside a task, edges are dashed and labelled 'chained'; network edges are solid."""
    root = parse(render_job_graph(snapshot, chained=False))
    by_label = {e.get("data-partitioner"): e for e in groups(root, "flowlab-edge")}
    assert set(by_label) == {"chained", "HASH"}
    def dashed(edge: ET.Element) -> bool:
        return any(p.get("stroke-dasharray") for p in edge.iter("{http://www.w3.org/2000/svg}path"))

    assert dashed(by_label["chained"]) and not dashed(by_label["HASH"])
    assert "chained" in texts(by_label["chained"])


@pytest.mark.parametrize("chained", [True, False])
def test_in_flight_badge_only_when_non_zero(snapshot_factory, chained):
    """The buffers/records-in-flight badge appears (and the edge turns active) only with data on the wire."""
    idle = parse(render_job_graph(snapshot_factory(in_flight=(0, 0)), chained=chained))
    assert groups(idle, "flowlab-inflight") == []
    assert all("flowlab-edge-active" not in e.get("class") for e in groups(idle, "flowlab-edge"))
    busy = parse(render_job_graph(snapshot_factory(in_flight=(2, 40)), chained=chained))
    badges = groups(busy, "flowlab-inflight")
    assert len(badges) == 1 and texts(badges[0]) == ["2 buf · 40 rec"]
    assert sum("flowlab-edge-active" in e.get("class") for e in groups(busy, "flowlab-edge")) == 1


def test_badge_shows_records_waiting_in_a_filling_buffer(snapshot_factory):
    """Records in flight without a full buffer still count as data on the wire."""
    badges = groups(parse(render_job_graph(snapshot_factory(in_flight=(0, 3)))), "flowlab-inflight")
    assert texts(badges[0]) == ["0 buf · 3 rec"]


def test_operator_names_are_escaped(snapshot_factory):
    """<, & and > in user-chosen names are escaped and survive a round trip through an XML parser."""
    nasty = 'Map<&>"\''
    for chained in (True, False):
        svg = render_job_graph(snapshot_factory(op_name=nasty), chained=chained)
        assert "Map<&>" not in svg
        root = parse(svg)
        assert any(nasty in "".join(t) for t in (texts(root), [t.text or "" for t in root.iter(
            "{http://www.w3.org/2000/svg}title")]))
    assert "Map&lt;&amp;&gt;" in render_job_graph(snapshot_factory(op_name=nasty), chained=False)


def test_same_snapshot_gives_byte_identical_svg(snapshot):
    """Rendering is pure: a copy of the snapshot, a cold layout cache, same bytes."""
    first = render_job_graph(snapshot)
    layout_mod.clear_layout_cache()
    assert render_job_graph(copy.deepcopy(snapshot)) == first
    unchained = render_job_graph(snapshot, chained=False)
    assert render_job_graph(copy.deepcopy(snapshot), chained=False) == unchained


def test_svg_is_identical_across_processes_with_different_hash_seeds():
    """No output depends on str hashing (PYTHONHASHSEED) or other per-process state."""
    code = ("import hashlib; from flowlab.viz import render_job_graph; from samples import "
            "synthetic_snapshot as s; print(hashlib.sha256((render_job_graph(s()) + "
            "render_job_graph(s(), chained=False)).encode()).hexdigest())")
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), str(Path(__file__).parent),
                                                           os.environ.get("PYTHONPATH")]))}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_live_counters_change_the_svg(snapshot_factory):
    """Stepping shows: records and states change the drawing."""
    assert render_job_graph(snapshot_factory(step=3)) != render_job_graph(snapshot_factory(step=4))


def test_explicit_layout_is_used_and_a_stale_one_is_ignored(snapshot, snapshot_factory):
    """A precomputed layout gives the same SVG; one for another graph shape is recomputed."""
    lay = layout_mod.compute_layout(snapshot, chained=True)
    assert render_job_graph(snapshot, layout=lay) == render_job_graph(snapshot)
    other = layout_mod.compute_layout(synthetic_snapshot(), chained=True)
    assert render_job_graph(snapshot, layout=other) == render_job_graph(snapshot)


def test_extra_keys_and_missing_optional_fields_are_tolerated(snapshot):
    """Later snapshot fields are ignored; channels, busy flags and slots may be absent."""
    snap = copy.deepcopy(snapshot)
    snap["watermarks"] = {"v1": [1, 2]}
    snap["checkpoints"] = []
    del snap["edges"][0]["channels"]
    for st_ in snap["vertices"][1]["subtasks"]:
        for k in ("busy", "backpressured", "input_queued", "taskmanager", "slot"):
            st_.pop(k)
    for chained in (True, False):
        parse(render_job_graph(snap, chained=chained))


def test_unchained_view_skips_tasks_whose_operators_are_unknown(snapshot):
    """A task listing operators the snapshot does not describe is left out, not a crash."""
    snap = copy.deepcopy(snapshot)
    snap["operators"] = [o for o in snap["operators"] if o["vertex"] != "v2"]
    snap["operator_edges"] = snap["operator_edges"][:1]
    root = parse(render_job_graph(snap, chained=False))
    assert [f.get("data-vertex") for f in groups(root, "flowlab-task-frame")] == ["v1"]


def test_unchained_view_without_operator_data_falls_back_to_tasks(snapshot):
    """A snapshot without operators can only be drawn as tasks."""
    snap = {k: v for k, v in snapshot.items() if k not in ("operators", "operator_edges")}
    root = parse(render_job_graph(snap, chained=False))
    assert len(groups(root, "flowlab-vertex")) == 2


def test_empty_snapshot_renders_a_placeholder():
    """Before a job exists there is still a (small) drawing."""
    root = parse(render_job_graph({"step": 0}))
    assert "No job graph yet" in texts(root)


def test_high_parallelism_collapses_rows_into_a_grid():
    """Above eight subtasks a box shows a grid of cells, still one per subtask."""
    snap = synthetic_snapshot(3, 12)
    root = parse(render_job_graph(snap))
    for box in groups(root, "flowlab-vertex"):
        assert len(groups(box, "flowlab-subtask")) == 12


def test_legend_explains_states_and_marks(snapshot):
    """The legend names every execution state and the marks used."""
    legend = groups(parse(render_job_graph(snapshot, chained=False)), "flowlab-legend")[0]
    words = " ".join(texts(legend))
    for w in ("created", "scheduled", "deploying", "initializing", "running", "finished", "failed", "busy",
              "backpressured", "chained"):
        assert w in words


# ---- random graphs ---------------------------------------------------------------------------------

@st.composite
def random_jobs(draw):
    """Random DAGs of tasks (1-3 chained operators each) with random parallelism and counters."""
    n = draw(st.integers(1, 7))
    vertices, operators, op_edges, edges = [], [], [], []
    for k in range(n):
        p = draw(st.integers(1, 10))
        n_ops = draw(st.integers(1, 3))
        ops = [f"n{k}_{j}" for j in range(n_ops)]
        subtasks = [{"index": i, "state": draw(st.sampled_from(["CREATED", "RUNNING", "FINISHED", "FAILED"])),
                     "taskmanager": f"tm-{i % 2}", "slot": i // 2, "records_in": draw(st.integers(0, 10**7)),
                     "records_out": draw(st.integers(0, 10**7)), "busy": draw(st.booleans()),
                     "backpressured": draw(st.booleans()), "input_queued": 0} for i in range(p)]
        name = draw(st.text(min_size=1, max_size=40))
        vertices.append({"id": f"v{k}", "name": name, "parallelism": p, "operators": ops,
                         "subtasks": subtasks})
        for j, o in enumerate(ops):
            operators.append({"id": o, "name": f"{name} {j}", "kind": "map", "vertex": f"v{k}",
                              "parallelism": p,
                              "subtasks": [{"index": i, "records_in": 1, "records_out": 1}
                                           for i in range(p)]})
        op_edges += [{"source": a, "target": b, "partitioner": "FORWARD", "chained": True}
                     for a, b in zip(ops, ops[1:], strict=False)]
        for src in range(k):
            if draw(st.booleans()):
                part = draw(st.sampled_from(["HASH", "REBALANCE", "BROADCAST"]))
                bufs = draw(st.integers(0, 3))
                edges.append({"source": f"v{src}", "target": f"v{k}", "partitioner": part,
                              "buffers_in_flight": bufs, "records_in_flight": 5 * bufs, "channels": []})
                op_edges.append({"source": vertices[src]["operators"][-1], "target": ops[0],
                                 "partitioner": part, "chained": False})
    return {"step": 1, "now_ms": 0.5, "job": {"name": "random", "status": "RUNNING"}, "vertices": vertices,
            "operators": operators, "operator_edges": op_edges, "edges": edges}


@settings(max_examples=60, deadline=None)
@given(random_jobs(), st.booleans())
def test_random_jobs_render_well_formed_and_complete(snap, chained):
    """Any DAG renders to valid XML with one box per task (or operator), one edge group per edge."""
    svg = render_job_graph(snap, chained=chained)
    root = parse(svg)
    if chained:
        assert len(groups(root, "flowlab-vertex")) == len(snap["vertices"])
        assert len(groups(root, "flowlab-edge")) == len(snap["edges"])
    else:
        assert len(groups(root, "flowlab-operator")) == len(snap["operators"])
        assert len(groups(root, "flowlab-edge")) == len(snap["operator_edges"])
    assert len(groups(root, "flowlab-inflight")) == sum(
        1 for e in snap["edges"] if e["buffers_in_flight"] or e["records_in_flight"])
    assert render_job_graph(copy.deepcopy(snap), chained=chained) == svg


def _lesson01_sim():
    import flowlab
    from flowlab.common import Types
    from flowlab.datastream import StreamExecutionEnvironment
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    ds = env.from_collection([("a", 1), ("b", 2), ("a", 3)], type_info=Types.TUPLE([Types.STRING(), Types.INT()]))
    ds.map(lambda t: (t[0], t[1] * 10), output_type=Types.TUPLE([Types.STRING(), Types.INT()])) \
      .key_by(lambda t: t[0], key_type=Types.STRING()).sum(1).print()
    sim = flowlab.Simulation(env, seed=7)
    sim.run()
    return sim


def test_a_source_receives_nothing_in_both_views():
    """Flink's rule in chained and unchained views alike: the source shows in 0, out 3."""
    sim = _lesson01_sim()
    snap = sim.snapshot()
    source_op = next(o for o in snap["operators"] if o["kind"] == "source")
    source_task = next(v for v in snap["vertices"] if v["id"] == source_op["vertex"])
    assert [(s["records_in"], s["records_out"]) for s in source_op["subtasks"]] == [(0, 3)]
    assert [(s["records_in"], s["records_out"]) for s in source_task["subtasks"]] == [(0, 3)]


def test_legend_says_what_in_and_out_count():
    """Both views explain the counts: a source receives none, a sink sends/emits none."""
    snap = _lesson01_sim().snapshot()

    def legend(svg: str) -> str:
        part = unescape(svg[svg.index('<g class="flowlab-legend"'):])
        return " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", part))

    chained = legend(render_job_graph(snap, chained=True))
    unchained = legend(render_job_graph(snap, chained=False))
    assert "numRecordsIn / numRecordsOut" in chained and "a source task receives none (in 0)" in chained
    assert "a task ending in a sink sends none (out 0), as a print sink" in chained
    assert "also to a chained operator: a source receives none (in 0), a sink emits none (out 0)" in unchained
    assert "<title>records received (Flink&#x27;s numRecordsIn); a source receives none</title>" \
        in render_job_graph(snap, chained=True)


def test_operator_kind_tag_is_not_cut_and_names_have_hover_text():
    """The unchained view tags the aggregation 'rolling reduce' in full; each name has a <title>."""
    svg = render_job_graph(_lesson01_sim().snapshot(), chained=False)
    assert ">rolling reduce</text>" in svg and "redu…" not in svg
    assert '<g class="flowlab-name"><title>Keyed Aggregation</title>' in svg


def test_long_window_name_is_wrapped_whole():
    """A window operator's long name wraps over lines at word/camelCase boundaries, without an ellipsis."""
    from flowlab.viz.render.box import name_lines
    name = "Window(TumblingEventTimeWindows(1000), default) → window results → too late"
    lines = name_lines(name, 216, "v2")
    assert "".join(lines).replace(" ", "") == name.replace(" ", "") and not any("…" in x for x in lines)
    assert not any(x.endswith("-") for x in lines)
