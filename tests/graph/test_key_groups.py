"""Tests for flowlab.graph.key_groups: Flink's key-group arithmetic and PyFlink's key hash."""

import decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowlab.common.row import Row, RowKind
from flowlab.common.typeinfo import Types
from flowlab.graph.key_groups import (
    assign_key_to_parallel_operator,
    assign_to_key_group,
    check_parallelism,
    compute_default_max_parallelism,
    compute_operator_index_for_key_group,
    java_double_hash,
    java_float_hash,
    java_int_hash,
    java_long_hash,
    java_row_hash,
    java_string_hash,
    java_tuple_hash,
    key_group_for,
    key_group_range_for_operator,
    murmur_hash,
    pyflink_key_hash,
)

STR, INT, LONG = Types.STRING(), Types.INT(), Types.LONG()

# ---- Java DataStream API vectors (plain hashCode, docs/flink-rules.md §3) ------------------------------------


@pytest.mark.parametrize(("code", "expected"), [(0, 593689054), (1, 68075478), (2, 1085422463)])
def test_murmur_hash_vectors(code, expected):
    """murmur_hash matches Flink's MathUtils.murmurHash on the reference vectors."""
    assert murmur_hash(code) == expected


def test_murmur_hash_is_never_negative():
    """murmur_hash folds negative results to non-negative ones (and MIN to 0)."""
    assert all(murmur_hash(code) >= 0 for code in (-1, -2 ** 31, 2 ** 31 - 1, 123456789, -987654321))


@pytest.mark.parametrize(("java_hash", "key_group", "subtask_p2", "subtask_p4"), [
    (0, 94, 1, 2), (1, 86, 1, 2), (2, 127, 1, 3), (42, 29, 0, 0),
    (97, 81, 1, 2), (98, 22, 0, 0), (99162322, 35, 0, 1),
])
def test_java_api_key_groups(java_hash, key_group, subtask_p2, subtask_p4):
    """Integer 0/1/2/42 and "a"/"b"/"hello" land in Flink's key groups and subtasks (maxP 128)."""
    assert assign_to_key_group(java_hash, 128) == key_group
    assert compute_operator_index_for_key_group(128, 2, key_group) == subtask_p2
    assert compute_operator_index_for_key_group(128, 4, key_group) == subtask_p4


def test_java_string_hash_of_ascii():
    """String.hashCode of 'a' is 97 and of 'hello' is 99162322."""
    assert (java_string_hash("a"), java_string_hash("hello"), java_string_hash("")) == (97, 99162322, 0)


def test_java_string_hash_counts_utf16_code_units():
    """A character outside the BMP hashes as its surrogate pair: 31 * 0xD83D + 0xDE00 for '😀'."""
    assert java_string_hash("\U0001F600") == 31 * 0xD83D + 0xDE00


def test_java_string_hash_wraps_to_32_bits():
    """Long strings wrap like Java int arithmetic."""
    assert java_string_hash("user-42") == -147182656


def test_java_long_hash_folds_high_and_low_words():
    """Long.hashCode is (int)(v ^ v >>> 32): -1 → 0, 2^32 → 1, 2^31 → MIN."""
    assert (java_long_hash(-1), java_long_hash(2 ** 32), java_long_hash(2 ** 31)) == (0, 1, -2 ** 31)


def test_java_int_hash_rejects_values_beyond_32_bits():
    """java_int_hash raises TypeError for a value that is not a Java int."""
    with pytest.raises(TypeError, match="32-bit"):
        java_int_hash(2 ** 31)


def test_java_double_and_float_hashes():
    """Double/Float hashCodes come from the IEEE bits, with one canonical NaN."""
    assert java_double_hash(1.5) == 1073217536
    assert java_double_hash(-0.0) == -2 ** 31
    assert java_double_hash(float("nan")) == 2146959360
    assert java_float_hash(-2.5) == -1071644672
    assert java_float_hash(float("nan")) == 0x7FC00000


def test_row_hash_formula():
    """Row.hashCode = 31*kind + A, A = 1 then 31*A + (31 + h) per field (0 for null)."""
    assert java_row_hash([97]) == 62 + 97
    assert java_row_hash([None]) == 31
    assert java_row_hash([97, 1]) == 31 * (31 * 1 + 31 + 97) + 31 + 1
    assert java_row_hash([97], RowKind.DELETE) == 31 * 3 + 62 + 97


def test_tuple_hash_formula():
    """TupleN.hashCode folds 31*h + field hash starting from 0."""
    assert java_tuple_hash([97, 1]) == 31 * 97 + 1


# ---- PyFlink key hash: vectors cross-checked against Flink 2.3.0's Row / KeyByKeySelector classes ---

# (key, key_type, Row-wrapped hashCode, key group at maxP 128, subtask at p=2, p=3, p=4)
PYFLINK_VECTORS = [
    ("a", STR, 159, 64, 1, 1, 2),
    ("b", STR, 160, 65, 1, 1, 2),
    ("hello", STR, 99162384, 40, 0, 0, 1),
    ("", STR, 62, 33, 0, 0, 1),
    ("user-42", STR, -147182594, 76, 1, 1, 2),
    ("Grüße", STR, 69215413, 33, 0, 0, 1),
    ("日本語", STR, 25922005, 93, 1, 2, 2),
    ("naïve café", STR, 824164372, 57, 0, 1, 1),
    ("\U0001F600", STR, 1772961, 19, 0, 0, 0),
    ("key\U0001F680x", STR, -1079803788, 63, 0, 1, 1),
    (None, STR, 31, 123, 1, 2, 3),
    (0, INT, 62, 33, 0, 0, 1),
    (1, INT, 63, 44, 0, 1, 1),
    (-1, INT, 61, 62, 0, 1, 1),
    (42, INT, 104, 26, 0, 0, 0),
    (-42, INT, 20, 79, 1, 1, 2),
    (2 ** 31 - 1, INT, -2147483587, 59, 0, 1, 1),
    (-(2 ** 31), INT, -2147483586, 122, 1, 2, 3),
    (-1, LONG, 62, 33, 0, 0, 1),
    (2 ** 31, LONG, -2147483586, 122, 1, 2, 3),
    (2 ** 32, LONG, 63, 44, 0, 1, 1),
    (2 ** 40 + 7, LONG, 325, 9, 0, 0, 0),
    (9876543210123, LONG, -1881568594, 22, 0, 0, 0),
    (2 ** 63 - 1, LONG, -2147483586, 122, 1, 2, 3),
    (True, Types.BOOLEAN(), 1293, 67, 1, 1, 2),
    (False, Types.BOOLEAN(), 1299, 41, 0, 0, 1),
    (-32768, Types.SHORT(), -32706, 114, 1, 2, 3),
    (-5, Types.BYTE(), 57, 96, 1, 2, 3),
    (1.5, Types.DOUBLE(), 1073217598, 54, 0, 1, 1),
    (-0.0, Types.DOUBLE(), -2147483586, 122, 1, 2, 3),
    (float("nan"), Types.DOUBLE(), 2146959422, 102, 1, 2, 3),
    (0.1, Types.FLOAT(), 1036832011, 44, 0, 1, 1),
    ("é", Types.CHAR(), 295, 106, 1, 2, 3),
    (12345678901234567890123, Types.BIG_INT(), -2057333584, 41, 0, 0, 1),
    (-17, Types.BIG_INT(), 45, 88, 1, 2, 2),
    (decimal.Decimal("1.50"), Types.BIG_DEC(), 4714, 113, 1, 2, 3),
    (decimal.Decimal("1E+2"), Types.BIG_DEC(), 91, 120, 1, 2, 3),
    (("a", 1), Types.ROW([STR, LONG]), 5023, 75, 1, 1, 2),
    (("a", None), Types.ROW([STR, LONG]), 4991, 112, 1, 2, 3),
    (("a", 1), Types.TUPLE([STR, LONG]), 3070, 44, 0, 1, 1),
    (Row(n=1, k="a"), Types.ROW_NAMED(["k", "n"], [STR, INT]), 5023, 75, 1, 1, 2),
    (Row.of_kind(RowKind.DELETE, "a", 1), Types.ROW([STR, LONG]), 5116, 29, 0, 0, 0),
    ((("x", 2), 3), Types.ROW([Types.TUPLE([STR, INT]), LONG]), 117400, 37, 0, 0, 1),
    ((("x", 2), 3), Types.TUPLE([Types.ROW([STR, INT]), LONG]), 175990, 102, 1, 2, 3),
    (("a", 1, 2.5, True), Types.TUPLE([STR, INT, Types.DOUBLE(), Types.BOOLEAN()]), -1062723379, 69, 1, 1, 2),
]


@pytest.mark.parametrize(("key", "key_type", "key_hash", "key_group", "p2", "p3", "p4"), PYFLINK_VECTORS)
def test_pyflink_key_vectors(key, key_type, key_hash, key_group, p2, p3, p4):
    """Typed keys hash, group and route exactly as PyFlink 2.3.0 (Row-wrapped key, maxP 128)."""
    assert pyflink_key_hash(key, key_type) == key_hash
    assert key_group_for(key, 128, key_type) == key_group
    routes = [assign_key_to_parallel_operator(key, 128, p, key_type) for p in (2, 3, 4)]
    assert routes == [p2, p3, p4]


def test_pyflink_string_key_is_62_plus_string_hash():
    """A STRING key feeds murmur 62 + String.hashCode: 'a' → 159 → key group 64 → subtask 1 of 2."""
    assert pyflink_key_hash("a", STR) == 159
    assert key_group_for("a", 128, STR) == 64
    assert assign_key_to_parallel_operator("a", 128, 2, STR) == 1


def test_pyflink_key_group_at_other_max_parallelism():
    """Key groups follow the max parallelism: 'b' at maxP 1000 is key group 905."""
    assert key_group_for("b", 1000, STR) == 905


def test_int_key_type_rejects_values_beyond_32_bits():
    """An INT key beyond 32 bits raises a TypeError naming the problem."""
    with pytest.raises(TypeError, match="out of range for Integer"):
        pyflink_key_hash(2 ** 31, INT)


def test_key_that_does_not_fit_its_type_raises():
    """A str key declared as LONG raises TypeError."""
    with pytest.raises(TypeError, match="does not fit key_type Long"):
        pyflink_key_hash("5", LONG)


def test_unsupported_key_type_raises():
    """Keys typed as a list are not hashable in flowlab and say so."""
    with pytest.raises(TypeError, match="cannot hash keys of type ListTypeInfo"):
        pyflink_key_hash([1], Types.LIST(INT))


# ---- untyped keys: flowlab's documented rule -------------------------------------------------------


@pytest.mark.parametrize(("key", "typed_as"), [
    ("a", STR), (5, LONG), (-5, LONG), (2 ** 40, LONG), (2.5, Types.DOUBLE()), (True, Types.BOOLEAN()),
    (("a", 1), Types.ROW([STR, LONG])), (("a", ("b", 2.0), None), Types.ROW([STR, Types.ROW([STR, Types.DOUBLE()]), STR])),
])
def test_untyped_keys_hash_by_python_type(key, typed_as):
    """Without key_type, str/int/float/bool/tuple keys hash as STRING/LONG/DOUBLE/BOOLEAN/ROW."""
    assert pyflink_key_hash(key) == pyflink_key_hash(key, typed_as)


def test_untyped_vectors():
    """Untyped keys: 5 → 67, ('a', 1) → 5023, None → 31 (values from Flink's Row.hashCode)."""
    assert [pyflink_key_hash(key) for key in (5, ("a", 1), None, Row("a", 1), Row(x="a", y=1))] == [
        67, 5023, 31, 5023, 5023]


def test_pickled_key_type_means_untyped():
    """key_type=PICKLED_BYTE_ARRAY (PyFlink's default) uses the same rule as no key_type."""
    assert pyflink_key_hash(("a", 1), Types.PICKLED_BYTE_ARRAY()) == pyflink_key_hash(("a", 1))


def test_untyped_unsupported_key_raises():
    """An untyped dict key raises TypeError listing the allowed kinds and pointing to key_type."""
    with pytest.raises(TypeError, match="keys must be str, int, float, bool, None, tuple or Row"):
        pyflink_key_hash({"a": 1})


def test_untyped_int_beyond_64_bits_raises():
    """An untyped int beyond 64 bits raises TypeError (it would not fit a Java long)."""
    with pytest.raises(TypeError, match="out of range for Long"):
        pyflink_key_hash(2 ** 64)


# ---- parallelism and ranges -----------------------------------------------------------------------


@pytest.mark.parametrize(("parallelism", "expected"), [
    (1, 128), (85, 128), (86, 256), (170, 256), (171, 256), (172, 512), (21846, 32768), (32768, 32768),
])
def test_default_max_parallelism(parallelism, expected):
    """computeDefaultMaxParallelism: p ≤ 85 → 128, 86–171 → 256, 172 → 512, capped at 32768."""
    assert compute_default_max_parallelism(parallelism) == expected


def test_ranges_for_p3_max128():
    """maxP 128, p 3 → [0,42] [43,85] [86,127]."""
    assert [key_group_range_for_operator(128, 3, i) for i in range(3)] == [
        range(0, 43), range(43, 86), range(86, 128)]


@pytest.mark.parametrize(("parallelism", "max_parallelism", "message"), [
    (0, 128, "at least 1"), (129, 128, "larger than max parallelism"),
    (1, 0, "between 1 and 32768"), (1, 32769, "between 1 and 32768"),
])
def test_check_parallelism_rejects(parallelism, max_parallelism, message):
    """check_parallelism raises ValueError for p < 1, p > maxP, and maxP outside 1..32768."""
    with pytest.raises(ValueError, match=message):
        check_parallelism(parallelism, max_parallelism)


def test_check_parallelism_accepts_bounds():
    """p = maxP = 32768 and p = maxP = 1 are allowed."""
    check_parallelism(32768, 32768)
    check_parallelism(1, 1)


def test_operator_index_for_key_group_out_of_range():
    """A key group outside 0..maxP-1 raises ValueError."""
    with pytest.raises(ValueError, match="outside 0..127"):
        compute_operator_index_for_key_group(128, 2, 128)


@given(max_parallelism=st.integers(1, 32768), data=st.data())
def test_ranges_partition_and_match_operator_index(max_parallelism, data):
    """Ranges partition 0..maxP-1 in order, and each key group's subtask owns it."""
    parallelism = data.draw(st.integers(1, min(max_parallelism, 300)), label="parallelism")
    ranges = [key_group_range_for_operator(max_parallelism, parallelism, i) for i in range(parallelism)]
    assert [kg for r in ranges for kg in r] == list(range(max_parallelism))
    key_group = data.draw(st.integers(0, max_parallelism - 1), label="key_group")
    owner = compute_operator_index_for_key_group(max_parallelism, parallelism, key_group)
    assert key_group in ranges[owner]


@given(key=st.text(), max_parallelism=st.integers(1, 32768))
def test_string_keys_land_in_a_valid_key_group(key, max_parallelism):
    """Every string key's key group is within 0..maxP-1."""
    assert 0 <= key_group_for(key, max_parallelism, STR) < max_parallelism
