"""BATCH key order: Flink's serialized-key order, not Python's."""
from __future__ import annotations

import flowlab
from flowlab.common import Types
from flowlab.runtime.batch import batch_key_order, serialized_key
from tests.batch.jobs import env_in


def test_strings_sort_shorter_first() -> None:
    """The length comes first in StringSerializer's bytes: a, b, ab, ccc (Python: a, ab, b, ccc)."""
    keys = ["ccc", "ab", "b", "a"]
    assert batch_key_order(keys) == ["a", "b", "ab", "ccc"]
    assert sorted(keys) == ["a", "ab", "b", "ccc"]


def test_serialized_key_is_the_row_mask_then_the_string() -> None:
    """Row(key): one mask byte (row kind INSERT, not null), then length + 1 and the characters."""
    assert serialized_key("ab") == bytes([0x00, 0x03, 0x61, 0x62])
    assert serialized_key("ab", Types.STRING()) == bytes([0x00, 0x03, 0x61, 0x62])


def test_a_null_key_sorts_last() -> None:
    """A null field sets its mask bit: after every non-null key."""
    assert serialized_key(None) == bytes([0x01])
    assert batch_key_order(["b", None, "a"]) == ["a", "b", None]


def test_long_keys_compare_byte_by_byte_as_signed_bytes() -> None:
    """Big-endian longs, each byte compared signed: negatives first, and 128 or 10**12 before 0."""
    assert batch_key_order([3, 0, 127, 128, -1, -5, 10**12]) == [-5, -1, 10**12, 128, 0, 3, 127]


def test_doubles_put_negative_numbers_first_in_descending_order() -> None:
    """The IEEE bits compared signed: -1.0 before -2.0, then 0.0, 1.0."""
    assert batch_key_order([1.0, -2.0, 0.0, -1.0]) == [-1.0, -2.0, 0.0, 1.0]


def test_high_characters_and_long_strings_sort_first() -> None:
    """A byte of 128 or more is negative: 'é' (a character >= 128, written in two bytes) before 'a'; a
    130-character string (its length needs two bytes) before every short one."""
    long = "a" * 130
    assert batch_key_order(["b", "é", long, "a"]) == [long, "é", "a", "b"]


def test_tuple_keys_sort_by_their_fields() -> None:
    """An untyped tuple is a ROW of its fields: mask, then each field."""
    assert batch_key_order([("b", 1), ("a", 2), ("a", 1)]) == [("a", 1), ("a", 2), ("b", 1)]


def test_a_batch_job_hands_its_keys_in_serialized_order() -> None:
    """The keyed operator of a BATCH job sees a, b, ab, ccc — each key's records together."""
    env = env_in("BATCH")
    env.from_collection(["ccc", "ab", "b", "a", "ab", "ccc", "a"]).key_by(lambda s: s).map(lambda s: s).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.printed_lines() == ["a", "a", "b", "ab", "ab", "ccc", "ccc"]
