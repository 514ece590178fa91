"""print() writes what Flink's print sink writes: Java's toString of the declared type, Python str untyped."""
from __future__ import annotations

import datetime
import decimal
import math

import pytest

import flowlab
from flowlab.common import Row, Types
from flowlab.common.time import Instant
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime import JobExecutionException
from flowlab.runtime.operators.java_strings import hashmap_order, print_text

S, INT, L, D, F = Types.STRING(), Types.INT(), Types.LONG(), Types.DOUBLE(), Types.FLOAT()

# (value, declared type, what Flink's print sink writes)
CASES = [
    ("hello", S, "hello"),
    (None, S, "null"),
    (42, INT, "42"),
    (-(2 ** 63), L, "-9223372036854775808"),
    (True, Types.BOOLEAN(), "true"),
    (100.0, D, "100.0"),
    (1.0e7, D, "1.0E7"),
    (1.0e-4, D, "1.0E-4"),
    (12345678.0, D, "1.2345678E7"),
    (math.nan, D, "NaN"),
    (math.inf, D, "Infinity"),
    (-0.0, D, "-0.0"),
    (0.1, F, "0.1"),
    (1.0e7, F, "1.0E7"),
    ("x", Types.CHAR(), "x"),
    (2 ** 70, Types.BIG_INT(), "1180591620717411303424"),
    (decimal.Decimal("0.0000001"), Types.BIG_DEC(), "1E-7"),
    (decimal.Decimal("12.50"), Types.BIG_DEC(), "12.50"),
    (("a", 40), Types.TUPLE([S, INT]), "(a,40)"),
    (("a", 2.5e7, True), Types.TUPLE([S, D, Types.BOOLEAN()]), "(a,2.5E7,true)"),
    ((("a", 1), 2), Types.TUPLE([Types.TUPLE([S, INT]), INT]), "((a,1),2)"),
    (Row("a", 1), Types.ROW([S, INT]), "+I[a, 1]"),
    (Row("a", None), Types.ROW([S, INT]), "+I[a, null]"),
    (Row(x=1.0e7, y="b"), Types.ROW_NAMED(["x", "y"], [D, S]), "+I[1.0E7, b]"),
    ([1, 2, 3], Types.LIST(INT), "[1, 2, 3]"),
    ([1.0, None], Types.LIST(D), "[1.0, null]"),
    ({"a": 1, "b": 2}, Types.MAP(S, INT), "{a=1, b=2}"),
    ({"b": 1, "a": 2, "zz": 3}, Types.MAP(S, INT), "{zz=3, a=2, b=1}"),      # Java HashMap order, not Python's
    ({"k": None}, Types.MAP(S, D), "{k=null}"),
    (("a", [1, 2]), Types.TUPLE([S, Types.PRIMITIVE_ARRAY(INT)]), "(a,[1, 2])"),   # arrays inside: elements
    (("a", b"\x01\xff"), Types.TUPLE([S, Types.PRIMITIVE_ARRAY(Types.BYTE())]), "(a,[1, -1])"),
    (Row("a", ["x", "y"]), Types.ROW([S, Types.BASIC_ARRAY(S)]), "+I[a, [x, y]]"),
    (Row({"k": [1]}), Types.ROW([Types.MAP(S, Types.LIST(INT))]), "+I[{k=[1]}]"),
    (("a", {"k": 1.5}), Types.TUPLE([S, Types.MAP(S, D)]), "(a,{k=1.5})"),
    (Instant(0, 123_000_000), Types.INSTANT(), "1970-01-01T00:00:00.123Z"),
    (Instant(1_700_000_000, 0), Types.INSTANT(), "2023-11-14T22:13:20Z"),
    (datetime.date(2024, 1, 2), Types.SQL_DATE(), "2024-01-02"),
    (datetime.time(3, 4, 5), Types.SQL_TIME(), "03:04:05"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5), Types.SQL_TIMESTAMP(), "2024-01-02 03:04:05.0"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, 120000), Types.SQL_TIMESTAMP(), "2024-01-02 03:04:05.12"),
    (("a", 40), None, "('a', 40)"),                 # untyped: PyFlink prints Python's str
    ({"b": 1, "a": 2}, None, "{'b': 1, 'a': 2}"),
    (1.0e7, None, "10000000.0"),
    (None, None, "None"),
]


@pytest.mark.parametrize(("value", "type_info", "text"), CASES)
def test_print_text(value, type_info, text):
    """One line body of Flink's print sink."""
    assert print_text(value, type_info) == text


def test_an_array_alone_prints_as_java_object_to_string():
    """An int[] record prints as Java's ``[I@…`` (type and a hash), as Flink's print sink does."""
    text = print_text([1, 2], Types.PRIMITIVE_ARRAY(INT))
    assert text == "[I@61c9e7ff"        # the hash is made up, from the contents: same every run


def test_a_string_array_alone_prints_its_java_class_name():
    """A String[] record prints as ``[Ljava.lang.String;@…``."""
    assert print_text(["a"], Types.BASIC_ARRAY(S)).startswith("[Ljava.lang.String;@")


def test_hashmap_order_goes_by_bucket_then_insertion():
    """Hashes 32 and 0 share bucket 0 of a 4-bucket table and keep their insertion order; 1 comes after."""
    assert hashmap_order([32, 1, 0]) == [0, 2, 1]


def test_hashmap_order_follows_the_grown_table():
    """13 entries grow Java's table to 32 buckets: hash 16 leaves bucket 0 for bucket 16, after 1 and 100."""
    assert hashmap_order([16, 1] + [100 + 32 * i for i in range(11)]) == [1, *range(2, 13), 0]


def _printed(build) -> list[str]:
    env = StreamExecutionEnvironment.get_execution_environment()
    build(env)
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    return sim.printed_lines()


def test_a_typed_tuple_stream_prints_java_tuples():
    """``output_type=Types.TUPLE([STRING, INT])`` prints ``(a,40)``, not Python's ``('a', 40)``."""
    lines = _printed(lambda env: env.from_collection([("a", 40)]).map(
        lambda t: t, output_type=Types.TUPLE([S, INT])).print())
    assert lines == ["(a,40)"]


def test_an_untyped_stream_prints_python_reprs():
    """Without output_type PyFlink prints ``str(value)``: ``('a', 40)``."""
    assert _printed(lambda env: env.from_collection([("a", 40)]).map(lambda t: t).print()) == ["('a', 40)"]


def test_an_int_declared_double_prints_as_a_double():
    """The coder of Types.DOUBLE() makes 3 a Double: Flink prints ``3.0``."""
    assert _printed(lambda env: env.from_collection([3]).map(lambda x: x, output_type=D).print()) == ["3.0"]


def test_doubles_print_with_javas_thresholds():
    """1e7 prints 1.0E7 and 1e-4 prints 1.0E-4, 100 prints 100.0."""
    lines = _printed(lambda env: env.from_collection([1e7, 1e-4, 100.0, math.nan], type_info=D).print())
    assert lines == ["1.0E7", "1.0E-4", "100.0", "NaN"]


def test_float_values_are_32_bit_between_operators():
    """A Types.FLOAT() 0.1 reaches the next operator as the 32-bit 0.10000000149011612."""
    env = StreamExecutionEnvironment.get_execution_environment()
    out = env.from_collection([0.1], type_info=F).map(lambda x: x).execute_and_collect()
    assert list(out) == [0.10000000149011612]


def test_float_values_print_as_java_floats():
    """Types.FLOAT() 0.1 prints 0.1 (Float.toString), 1/3 prints 0.33333334."""
    lines = _printed(lambda env: env.from_collection([0.1, 1 / 3], type_info=F).print())
    assert lines == ["0.1", "0.33333334"]


def test_a_map_prints_in_java_hashmap_order():
    """A typed dict prints as Java's HashMap: ``{zz=3, a=2, b=1}`` for keys inserted b, a, zz."""
    lines = _printed(lambda env: env.from_collection([{"b": 1, "a": 2, "zz": 3}]).map(
        lambda m: m, output_type=Types.MAP(S, INT)).print())
    assert lines == ["{zz=3, a=2, b=1}"]


def test_a_str_where_int_is_declared_fails_naming_operator_and_type():
    """PyFlink's INT coder fails on a str: flowlab fails the job naming the operator and the declared type."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1]).map(lambda x: str(x), output_type=INT).name("to text").print()
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    assert ("to text: the result '1' does not fit the declared output_type Integer: expected Integer (int), "
            "got str '1'. Return values of the declared type") in str(err.value)


def test_a_tuple_field_of_the_wrong_type_is_named():
    """A TUPLE([STRING, INT]) result ('a', 'b') fails and says which field is wrong."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1]).map(lambda x: ("a", "b"), output_type=Types.TUPLE([S, INT])).print()
    with pytest.raises(JobExecutionException,
                       match=r"expected Integer \(int\), got str 'b' in field 1 of \('a', 'b'\)"):
        env.execute()


def test_a_double_beyond_the_float_range_becomes_infinity():
    """1e39 declared Types.FLOAT() becomes Infinity, as a Java (float) cast does, and prints so."""
    assert _printed(lambda env: env.from_collection([1]).map(lambda x: 1e39, output_type=F).print()) == ["Infinity"]
