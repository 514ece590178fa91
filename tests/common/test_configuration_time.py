"""Tests for flowlab.common.configuration and flowlab.common.time."""

import copy

import pytest

from flowlab.common.configuration import Configuration
from flowlab.common.time import Duration, Instant, Time

# ---- Configuration -------------------------------------------------------------------------------


def test_string_round_trip_and_default():
    """set_string/get_string round-trips; a missing key gives the default."""
    config = Configuration().set_string("pipeline.name", "job")
    assert config.get_string("pipeline.name", "") == "job"
    assert config.get_string("missing", "dflt") == "dflt"


def test_setters_return_the_configuration():
    """Setters chain, as in PyFlink."""
    config = Configuration()
    assert config.set_integer("a", 1).set_boolean("b", True) is config


def test_integer_round_trip_and_string_view():
    """An integer reads back as int and as its decimal string."""
    config = Configuration().set_integer("parallelism.default", 4)
    assert config.get_integer("parallelism.default", 0) == 4
    assert config.get_string("parallelism.default", "") == "4"


def test_string_parses_as_integer():
    """A string value is parsed by get_integer, as Java's Configuration does."""
    assert Configuration().set_string("p", " 12 ").get_integer("p", 0) == 12


def test_unparsable_integer_raises():
    """get_integer on a non-numeric string raises ValueError naming the key."""
    with pytest.raises(ValueError, match="'p'"):
        Configuration().set_string("p", "four").get_integer("p", 0)


def test_boolean_round_trip_and_parsing():
    """Booleans round-trip, print as true/false and parse case-insensitively from strings."""
    config = Configuration().set_boolean("b", True).set_string("s", "FALSE")
    assert config.get_boolean("b", False) is True
    assert config.get_string("b", "") == "true"
    assert config.get_boolean("s", True) is False


def test_float_round_trip_and_java_rendering():
    """Floats round-trip and render like Java's Double.toString."""
    config = Configuration().set_float("f", 0.5).set_float("big", 1e16).set_float("n", 3)
    assert config.get_float("f", 0.0) == 0.5
    assert config.to_dict() == {"big": "1.0E16", "f": "0.5", "n": "3.0"}


def test_bytearray_round_trip():
    """set_bytearray/get_bytearray round-trips bytes."""
    config = Configuration().set_bytearray("k", bytearray(b"\x01\x02"))
    assert config.get_bytearray("k", bytearray()) == bytearray(b"\x01\x02")


def test_contains_and_remove():
    """contains_key sees set keys; remove_config removes and reports whether it did."""
    config = Configuration().set_string("a", "1")
    assert config.contains_key("a")
    assert config.remove_config("a") is True
    assert config.remove_config("a") is False
    assert not config.contains_key("a")


def test_key_set_is_sorted_and_set_like():
    """key_set iterates in sorted order and compares equal to a set."""
    config = Configuration().set_string("z", "1").set_string("a", "2").set_integer("m", 3)
    assert list(config.key_set()) == ["a", "m", "z"]
    assert config.key_set() == {"a", "m", "z"}


def test_to_dict_sorted_strings():
    """to_dict gives every value as a string, keys sorted."""
    config = Configuration().set_integer("b", 2).set_string("a", "x").set_boolean("c", False)
    assert list(config.to_dict().items()) == [("a", "x"), ("b", "2"), ("c", "false")]


def test_copy_constructor_is_independent():
    """Configuration(other) copies; later changes do not leak back."""
    original = Configuration().set_string("a", "1")
    clone = Configuration(original)
    clone.set_string("b", "2")
    assert original.to_dict() == {"a": "1"}
    assert clone.to_dict() == {"a": "1", "b": "2"}


def test_add_all_with_and_without_prefix():
    """add_all copies entries, prepending the prefix when given."""
    other = Configuration().set_string("k", "v")
    config = Configuration().add_all(other).add_all(other, "p.")
    assert config.to_dict() == {"k": "v", "p.k": "v"}


def test_from_dict_and_equality():
    """from_dict builds string settings; configurations with the same settings are equal."""
    assert Configuration.from_dict({"a": "1"}) == Configuration().set_string("a", "1")
    assert Configuration().set_string("a", "1") != Configuration().set_integer("a", 1)


def test_deepcopy_and_str():
    """deepcopy gives an equal, independent copy; str lists sorted key=value pairs."""
    config = Configuration().set_string("b", "2").set_integer("a", 1)
    clone = copy.deepcopy(config)
    assert clone == config and clone is not config
    assert str(config) == "{a=1, b=2}"


def test_set_integer_rejects_non_int():
    """set_integer with a float raises TypeError (catches a common slip early)."""
    with pytest.raises(TypeError, match="set_integer"):
        Configuration().set_integer("a", 1.5)


# ---- Duration ------------------------------------------------------------------------------------


def test_duration_factories_in_millis():
    """Each Duration factory gives the right number of milliseconds."""
    assert [d.to_milliseconds() for d in (
        Duration.of_millis(5), Duration.of_seconds(2), Duration.of_minutes(1), Duration.of_hours(1),
        Duration.of_days(1), Duration.of_nanos(2_500_000))] == [5, 2000, 60_000, 3_600_000, 86_400_000, 2]


def test_duration_to_milliseconds_floors_like_java():
    """Negative sub-millisecond durations round down, like Duration.toMillis."""
    assert Duration.of_nanos(-1).to_milliseconds() == -1
    assert Duration.of_nanos(1_999_999).to_nanos() == 1_999_999


def test_duration_equality_and_ordering():
    """Durations compare by amount, whichever factory built them."""
    assert Duration.of_seconds(1) == Duration.of_millis(1000)
    assert Duration.of_millis(999) < Duration.of_seconds(1)
    assert hash(Duration.of_minutes(1)) == hash(Duration.of_seconds(60))
    assert max(Duration.of_millis(3), Duration.of_millis(7)) == Duration.of_millis(7)


def test_duration_repr():
    """Duration reprs read back as code."""
    assert repr(Duration.of_seconds(2)) == "Duration.of_millis(2000)"
    assert repr(Duration.of_nanos(1500)) == "Duration.of_nanos(1500)"


def test_duration_rejects_float():
    """A float amount raises TypeError (Java takes a long)."""
    with pytest.raises(TypeError, match="millis must be an int"):
        Duration.of_millis(1.5)


# ---- Time ----------------------------------------------------------------------------------------


def test_time_factories_in_millis():
    """Each Time factory gives the right number of milliseconds."""
    assert [t.to_milliseconds() for t in (
        Time.milliseconds(5), Time.seconds(2), Time.minutes(1), Time.hours(1), Time.days(1))] == [
        5, 2000, 60_000, 3_600_000, 86_400_000]


def test_time_equality_ordering_and_text():
    """Times compare by milliseconds; str is PyFlink's '<n> ms'; repr reads back as code."""
    assert Time.seconds(1) == Time.milliseconds(1000)
    assert Time.seconds(1) < Time.seconds(2)
    assert str(Time.seconds(1)) == "1000 ms"
    assert repr(Time.seconds(1)) == "Time.milliseconds(1000)"


# ---- Instant -------------------------------------------------------------------------------------


def test_instant_epoch_milli_round_trip():
    """of_epoch_milli/to_epoch_milli round-trip, also before the epoch."""
    assert Instant.of_epoch_milli(1234).to_epoch_milli() == 1234
    assert Instant.of_epoch_milli(-1).to_epoch_milli() == -1
    assert Instant.of_epoch_milli(-1) == Instant(-1, 999_000_000)
    assert repr(Instant(1, 5)) == "Instant<1, 5>"
