"""Operator IDs as Flink computes them: uid -> murmur3_128 (pinned against a real Flink run), set_uid_hash,
and generated IDs that follow the graph's structure."""
from __future__ import annotations

import pytest

from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.graph.operator_ids import murmur3_128, uid_operator_id
from flowlab.sources import ScriptedSource


def _ids(env: StreamExecutionEnvironment) -> dict[str, str]:
    graph = env.get_job_graph()
    return {n.name: n.operator_hash for n in graph.stream_graph.nodes}


def _job(extra_map: bool = False, uid: str | None = None, uid_hash: str | None = None,
         chaining: bool = True) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    if not chaining:
        env.disable_operator_chaining()
    ds = env.from_source(ScriptedSource([(0, ("a", 1))]), WatermarkStrategy.no_watermarks(), "src")
    ds = ds.map(lambda r: r).name("parse")
    if extra_map:
        ds = ds.filter(lambda r: True).name("filter")
    counted = ds.key_by(lambda r: r[0], key_type=Types.STRING()).sum(1).name("count")
    if uid is not None:
        counted = counted.uid(uid)
    if uid_hash is not None:
        counted = counted.set_uid_hash(uid_hash)
    counted.add_sink(lambda v: None).name("out")
    return env


def test_uid_count_gives_the_id_a_real_flink_run_printed() -> None:
    """Flink 2.3's error message named b71731f1c0df9c3076c4a455334d0ad6 for uid("count")."""
    assert uid_operator_id("count") == "b71731f1c0df9c3076c4a455334d0ad6"
    assert _ids(_job(uid="count"))["count"] == "b71731f1c0df9c3076c4a455334d0ad6"


def test_murmur3_128_matches_the_reference_vectors() -> None:
    """MurmurHash3_x64_128 with seed 0, its 16 bytes as Guava's ``asBytes()`` gives them: the published vector of
    the quick brown fox, and zeros for no input."""
    assert murmur3_128(b"").hex() == "00000000000000000000000000000000"
    assert murmur3_128(b"The quick brown fox jumps over the lazy dog").hex() == "6c1b07bc7bbc4be347939ac4a93c437a"


def test_set_uid_hash_is_the_id_itself_and_must_be_32_hex_digits() -> None:
    assert _ids(_job(uid_hash="00112233445566778899AABBCCDDEEFF"))["count"] == "00112233445566778899aabbccddeeff"
    with pytest.raises(ValueError) as err:
        _job(uid_hash="xyz")
    assert str(err.value) == "Node hash must be a 32 character String that describes a hex code. Found: xyz"


def test_generated_ids_are_stable_and_change_with_the_structure() -> None:
    """Built twice, the same program gets the same IDs; a filter before the keyed sum changes the sum's ID (and
    the sink's), not the source's; a uid keeps the sum's ID whatever changes."""
    plain = _ids(_job())
    assert plain == _ids(_job())
    changed = _ids(_job(extra_map=True))
    assert changed["Source: src"] == plain["Source: src"]
    assert changed["count"] != plain["count"] and changed["out"] != plain["out"]
    assert _ids(_job(uid="count"))["count"] == _ids(_job(extra_map=True, uid="count"))["count"]


def test_chaining_is_part_of_the_generated_id() -> None:
    """Flink hashes a node once more per chainable output: disabling chaining changes the map's ID."""
    assert _ids(_job())["parse"] != _ids(_job(chaining=False))["parse"]


def test_two_equal_uids_fail_with_flinks_message() -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_source(ScriptedSource([(0, 1)]), WatermarkStrategy.no_watermarks(), "src").uid("same")
    ds.map(lambda x: x).uid("same").add_sink(lambda v: None)
    with pytest.raises(ValueError) as err:
        env.get_job_graph()
    assert str(err.value) == ('Hash collision on user-specified ID "same". Most likely cause is a non-unique ID. '
                              "Please check that all IDs specified via `uid(String)` are unique.")
