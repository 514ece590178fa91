"""KeyGroupView: key-group ranges per subtask (Flink's KeyGroupRangeAssignment), the keys of the state snapshot
at their key groups, and which key groups and keys move when the job is rescaled."""
from __future__ import annotations

import re
from html import unescape

import pytest

import flowlab
from flowlab.common import Configuration, Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.graph.key_groups import assign_key_to_parallel_operator, key_group_for
from flowlab.sources import GeneratorSource, ScriptedSource
from flowlab.viz import Dashboard, KeyGroupView
from flowlab.viz.key_group_moves import layout, moves, rescaled, resolve_operator

WORDS = ["apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "honeydew-melon-with-a-long-name", "kiwi",
         "lemon", "mango", "nectarine"]


def plain(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def _words_sim(parallelism: int = 2, max_parallelism: int | None = None) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    if max_parallelism is not None:
        env.set_max_parallelism(max_parallelism)
    src = env.from_source(ScriptedSource([(i, (w, 1)) for i, w in enumerate(WORDS)]),
                          WatermarkStrategy.no_watermarks(), "words")
    src.key_by(lambda t: t[0], key_type=Types.STRING()).sum(1).name("count").print()
    return flowlab.Simulation(env)


def _ranges(lay: dict) -> list[list[int]]:
    return lay["ranges"]


def test_ranges_and_moves_follow_flinks_key_group_range_assignment():
    """128 key groups: p=2 owns [0,63],[64,127]; p=3 [0,42],[43,85],[86,127]; 2 -> 3 moves 43-63 (0 -> 1) and
    86-127 (1 -> 2): 63 key groups."""
    before = {"operator": "n", "name": "n", "vertex": "v", "parallelism": 2, "max_parallelism": 128,
              "ranges": [[0, 63], [64, 127]], "keys": [{"key": "'a'", "key_group": 50, "subtask": 0}]}
    after = rescaled(before, 3)
    assert _ranges(after) == [[0, 42], [43, 85], [86, 127]]
    model = moves(before, after)
    assert [(s["first"], s["last"], s["from"], s["to"]) for s in model["segments"]] == [
        (0, 42, 0, 0), (43, 63, 0, 1), (64, 85, 1, 1), (86, 127, 1, 2)]
    assert model["moved_key_groups"] == 63
    assert model["keys"] == [{"key": "'a'", "key_group": 50, "from": 0, "to": 1}]


def test_keys_of_the_state_snapshot_sit_in_their_key_groups():
    sim = _words_sim()
    sim.run()
    snap = sim.snapshot()
    lay = layout(snap, resolve_operator(snap, "count"))
    assert (lay["parallelism"], lay["max_parallelism"], lay["ranges"]) == (2, 128, [[0, 63], [64, 127]])
    expected = sorted((key_group_for(w, 128, Types.STRING()), repr(w),
                       assign_key_to_parallel_operator(w, 128, 2, Types.STRING())) for w in WORDS)
    assert [(k["key_group"], k["key"], k["subtask"]) for k in lay["keys"]] == expected


def test_the_view_draws_a_rescale_from_2_to_3():
    """9 of the 12 words move: those in key groups 43-63 and 86-127; the rest stay."""
    sim = _words_sim()
    sim.run()
    view = KeyGroupView(sim, "count", rescale_to=3)
    assert plain(view.summary.value).endswith("Parallelism 2 rescaled to 3: 63 of 128 key groups move to another "
                                              "subtask; 9 of 12 key(s) move with them.")
    svg = view.svg.value
    assert re.findall(r'class="flowlab-kg-segment( flowlab-kg-moved)?" data-first="(\d+)" data-last="(\d+)"', svg) == [
        ("", "0", "42"), (" flowlab-kg-moved", "43", "63"), ("", "64", "85"), (" flowlab-kg-moved", "86", "127")]
    assert svg.count('class="flowlab-kg-subtask"') == 5
    rows = re.findall(r'data-key="([^"]+)" data-moved="(\d)"><td[^>]*>[^<]*</td><td[^>]*>(\d+)</td><td[^>]*>(\d)'
                      r'</td><td[^>]*>(\d)</td>', view.table.value)
    by_key = {unescape(k): (int(kg), int(a), int(b), m == "1") for k, m, kg, a, b in rows}
    for w in WORDS:
        kg = key_group_for(w, 128, Types.STRING())
        a, b = kg * 2 // 128, kg * 3 // 128
        assert by_key[repr(w)] == (kg, a, b, a != b)
    assert sum(m for *_, m in by_key.values()) == 9
    assert re.findall(r'flowlab-kg-legend.*', svg)[0].count("<text") == 4


def test_long_keys_are_cut_in_the_picture_with_the_whole_key_on_hover():
    sim = _words_sim()
    sim.run()
    svg = KeyGroupView(sim, rescale_to=3).svg.value
    label = re.search(r'<text class="flowlab-kg-key-label"[^>]*><title>([^<]*)</title>(&#x27;honeydew[^<]*)</text>',
                      svg)
    assert unescape(label.group(2)) == "'honeydew-m…"
    assert unescape(label.group(1)) == ("key 'honeydew-melon-with-a-long-name' · key group 55 of 128 · subtask 0")


def test_a_restored_job_is_compared_as_it_placed_its_keys():
    """``after``: a run of the same job at parallelism 3 — every key sits where Flink's formula puts it."""
    before, after = _words_sim(2), _words_sim(3)
    before.run()
    after.run()
    view = KeyGroupView(before, "count", after=after)
    assert "Parallelism 2 restored at 3: 63 of 128 key groups move to another subtask; 9 of 12 key(s) move with " \
           "them." in plain(view.summary.value)
    assert view.rescale.layout.display == "none"
    assert all(k["to"] == k["key_group"] * 3 // 128 for k in view.model["moves"]["keys"])


def test_a_changed_max_parallelism_is_called_out():
    before, after = _words_sim(2), _words_sim(3, max_parallelism=256)
    before.run()
    after.run()
    view = KeyGroupView(before, after=after)
    assert ("The max parallelism changed from 128 to 256: every key would fall into another key group, so Flink "
            "cannot restore keyed state into it (keep pipeline.max-parallelism when rescaling).") in plain(
        view.summary.value)
    assert "flowlab-kg-segment" not in view.svg.value


def test_the_rescale_box_redraws_and_bad_requests_say_what_is_wrong():
    sim = _words_sim()
    sim.run()
    view = KeyGroupView(sim)
    assert view.rescale.value == 2 and "flowlab-kg-segment" not in view.svg.value
    view.rescale.value = 4
    assert "Parallelism 2 rescaled to 4: 96 of 128 key groups" in plain(view.summary.value)
    with pytest.raises(ValueError, match="rescale_to=200 is larger than the max parallelism 128: a subtask needs at "
                                         "least one key group"):
        KeyGroupView(sim, rescale_to=200)
    with pytest.raises(ValueError, match=r"no keyed operator 'nope'; the keyed operators are 'count' \(n3\)"):
        KeyGroupView(sim, "nope")
    with pytest.raises(ValueError, match="either rescale_to .* or after"):
        KeyGroupView(sim, rescale_to=3, after=sim)


def test_the_view_follows_the_simulation_from_no_state_to_keys():
    sim = _words_sim()
    view = KeyGroupView(sim, rescale_to=3)
    assert plain(view.summary.value).startswith("No keyed operator holds state yet")
    sim.run(until_ms=13.001)                   # the first two records reach the keyed sum at 13 ms
    first = len(view.model["before"]["keys"])
    sim.run()
    assert (first, len(view.model["before"]["keys"])) == (2, 12)
    assert len(re.findall(r'<circle class="flowlab-kg-key', view.svg.value)) == 24    # each key in both rows


def test_the_dashboard_has_a_key_groups_tab_for_keyed_state():
    sim = _words_sim()
    dash = Dashboard(sim)
    sim.run()
    panel = dash.views[4]
    assert [t for t, _ in panel.shown] == ["State", "Key groups"]
    panel.tabs.selected_index = 1
    assert panel.key_groups.svg.value.count('class="flowlab-kg-subtask"') == 2


def _savepoint_job(parallelism: int, path: str | None = None) -> flowlab.Simulation:
    """Twelve words a millisecond, counted per word (uid "count"); the source stays at parallelism 2."""
    conf = Configuration()
    if path is not None:
        conf.set_string("execution.state-recovery.path", path)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(parallelism)
    words = [w for w in WORDS if w != "honeydew-melon-with-a-long-name"] + ["plum"]
    (env.from_source(GeneratorSource(lambda i: (words[i % 12], 1), count=None, records_per_second=1000),
                     WatermarkStrategy.no_watermarks(), "words").set_parallelism(2)
        .key_by(lambda t: t[0], key_type=Types.STRING()).sum(1).uid("count").name("count").print())
    return flowlab.Simulation(env)


def test_a_job_restored_from_a_savepoint_at_another_parallelism(tmp_path):
    """Stop at 30 ms with a savepoint at p=2, restore at p=3: the restored job alone shows where its key groups
    were in the savepoint (snapshot["key_groups"]) and where they are now; compared with the first job through
    ``after`` it gives the same moves: 63 key groups, 8 of the 12 words."""
    first = _savepoint_job(2)
    first.run(until_ms=30)
    savepoint = first.stop_with_savepoint(savepoint_directory=str(tmp_path))
    restored = _savepoint_job(3, savepoint)
    restored.run(until_ms=5)
    alone = KeyGroupView(restored, "count")
    assert plain(alone.summary.value).endswith("Restored from a savepoint of parallelism 2 at parallelism 3: 63 of "
                                               "128 key groups move to another subtask; 8 of 12 key(s) move with "
                                               "them.")
    assert re.findall(r'class="flowlab-kg-row-label"><title>([^<]*)</title>', alone.svg.value) == [
        "in the savepoint · parallelism 2", "restored · parallelism 3"]
    compared = KeyGroupView(first, "count", after=restored)
    assert compared.model["moves"] == alone.model["moves"]
    assert alone.rescale.value == 3
    alone.rescale.value = 4                       # the box asks for a rescale of the restored job instead
    assert "Parallelism 3 rescaled to 4:" in plain(alone.summary.value)
