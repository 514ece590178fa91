"""StateView and render_state: key groups, keys and values per state name (window contents included), sizes,
backend — for hand-written and simulated snapshots."""
from __future__ import annotations

import re
from html import unescape

from flowlab.viz import StateView
from flowlab.viz.render.state_html import render_state, state_operators
from tests.runtime.event_time_jobs import late_job
from tests.viz.checkpoint_samples import protocol_sim


def plain(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def _entry(key, value, kg=3, ns=None):
    return {"key": key, "key_group": kg, "namespace": ns, "value": value}


def _snapshot() -> dict:
    keyed = [
        {"name": "count", "kind": "value", "type": "Types.LONG()", "ttl_ms": 1000,
         "entries": [_entry("a", {"value": "7", "ts": 12})], "truncated": False,
         "size": {"entries": 1, "keys": 1, "elements": 1, "bytes": 57}},
        {"name": "seen", "kind": "list", "type": None, "ttl_ms": None,
         "entries": [_entry(5, ["1", "2"], kg=97)] + [_entry(k, ["0"]) for k in range(6, 30)], "truncated": False,
         "size": {"entries": 25, "keys": 25, "elements": 26, "bytes": 300}},
        {"name": "totals", "kind": "map", "type": None, "ttl_ms": None,
         "entries": [_entry("b", [["'x'", "1"], ["'y'", "2"]])], "truncated": False,
         "size": {"entries": 1, "keys": 1, "elements": 2, "bytes": 40}},
    ]
    return {"state": {"backend": "rocksdb", "directory": "/tmp/flowlab-rocksdb-x", "operators": [
        {"vertex": "v2", "subtask": 0, "operator": "n3", "name": "count", "key_groups": [0, 63],
         "max_parallelism": 128, "backend": "rocksdb", "rocksdb_path": "/tmp/flowlab-rocksdb-x/job_op_0",
         "keyed": keyed, "operator_state": None},
        {"vertex": "v2", "subtask": 1, "operator": "n3", "name": "count", "key_groups": [64, 127],
         "max_parallelism": 128, "backend": "rocksdb", "rocksdb_path": None, "keyed": [], "operator_state": None},
        {"vertex": "v3", "subtask": 0, "operator": "n4", "name": "rules", "key_groups": None,
         "max_parallelism": 128, "backend": None, "rocksdb_path": None, "keyed": [],
         "operator_state": {"lists": [{"name": "buffer", "mode": "split", "elements": ["1", "2"], "size": 2}],
                            "broadcast": [{"name": "limits", "entries": [["'max'", "10"]], "size": 1}]}},
    ]}}


def test_one_card_per_subtask_with_its_key_group_range_and_backend():
    html = render_state(_snapshot())
    cards = re.findall(r'class="flowlab-state-subtask" data-vertex="(\w+)" data-subtask="(\d)" '
                       r'data-operator="(\w+)"', html)
    assert cards == [("v2", "0", "n3"), ("v2", "1", "n3"), ("v3", "0", "n4")]
    text = plain(html)
    assert "count [0] · key groups 0–63 of 128 · rocksdb /tmp/flowlab-rocksdb-x/job_op_0" in text
    assert "count [1] · key groups 64–127 of 128 · rocksdb" in text
    assert text.startswith("State backend: rocksdb (bytes in an embedded RocksDB on local disk) · working "
                           "directory /tmp/flowlab-rocksdb-x")


def test_each_state_lists_its_entries_and_sizes():
    """Value with TTL and its last access, list elements, map entries; sizes with RocksDB bytes."""
    text = plain(render_state(_snapshot()))
    assert ('ValueState "count" · Types.LONG() · TTL 1000 ms · 1 key(s), 1 entry, 57 B in RocksDB key key group '
            "value 'a' 3 7 (last access 12)") in text
    assert 'ListState "seen" · 25 key(s), 25 entries, 26 element(s), 300 B in RocksDB' in text
    assert "5 97 [1, 2]" in text
    assert "MapState \"totals\" · 1 key(s), 1 entry, 2 map entrie(s), 40 B in RocksDB key key group value " \
           "'b' 3 {'x': 1, 'y': 2}" in text


def test_long_states_are_cut_with_a_count_of_the_rest():
    """25 entries: 20 are listed and '… and 5 more entries'."""
    html = render_state(_snapshot())
    assert html.count('data-state="seen" data-key=') == 20 and "… and 5 more entries" in plain(html)


def test_operator_and_broadcast_state_are_shown():
    text = plain(render_state(_snapshot()))
    assert 'operator list state (even-split) "buffer" 2 element(s) [1, 2]' in text
    assert "broadcast state \"limits\" 1 entr(ies), this subtask's copy {'max': 10}" in text


def test_one_operator_can_be_picked():
    assert state_operators(_snapshot()) == [("n3", "count"), ("n4", "rules")]
    assert "flowlab-state-subtask" in render_state(_snapshot(), "n4")
    assert 'data-operator="n3"' not in render_state(_snapshot(), "n4")


def test_empty_state_says_so():
    assert "No operator holds state yet" in plain(render_state({"state": {"backend": "hashmap", "operators": []}}))


def test_state_view_shows_the_keyed_sum_of_a_running_job():
    """At the first blocked channel the keyed sum holds a → ('a', 51) and b → ('b', 113), key groups 64 and 65."""
    sim = protocol_sim()
    sim.break_on("channel_blocked")
    sim.run()
    view = StateView(sim)
    rows = re.findall(r'data-key="([^"]+)"><td[^>]*>[^<]*</td><td[^>]*>(\d+)</td><td[^>]*>([^<]*)</td>',
                      view.html.value)
    assert [(unescape(k), int(g), unescape(v)) for k, g, v in rows] == [("'a'", 64, "('a', 51)"),
                                                                        ("'b'", 65, "('b', 113)")]


def test_state_view_shows_window_contents_with_their_window():
    """A tumbling event-time window: window-contents holds key 'k' in [10, 20) with ('k', 20)."""
    sim = late_job()
    sim.run(until_ms=25)
    text = plain(StateView(sim).html.value)
    assert 'ReducingState "window-contents" · 1 key(s), 1 entry key key group window value \'k\' 78 [10, 20) ' \
           "('k', 20)" in text


def test_state_view_follows_the_simulation():
    """A move made in code redraws the view: the count of 'a' goes from 9 at 10 ms to 19 at 20 ms."""
    sim = protocol_sim()
    sim.run(until_ms=10)
    view = StateView(sim)
    assert "('a', 9)" in unescape(view.html.value)
    sim.run(until_ms=20)
    assert "('a', 19)" in unescape(view.html.value) and "('a', 9)" not in unescape(view.html.value)
