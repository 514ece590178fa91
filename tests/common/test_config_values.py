"""Typed configuration values: parsed as Flink parses ConfigOptions, and every error names the key."""
from __future__ import annotations

import pytest

from flowlab.common.config_values import (
    IllegalConfigurationException,
    read_bool,
    read_duration_ms,
    read_float,
    read_int,
    read_memory_size,
)


def test_an_integer_that_is_not_one_names_key_and_type():
    """'two' for an int option fails with Flink's wording plus what was expected."""
    with pytest.raises(IllegalConfigurationException) as err:
        read_int({"taskmanager.numberOfTaskSlots": "two"}, "taskmanager.numberOfTaskSlots", 1)
    assert str(err.value) == ("Could not parse value 'two' for key 'taskmanager.numberOfTaskSlots': expected an "
                              "integer (e.g. 2).")


def test_an_integer_below_its_minimum_names_the_key():
    """0 task slots is refused: at least 1."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Invalid value '0' for key 'k': it must be at least 1\.$"):
        read_int({"k": "0"}, "k", 1, minimum=1)


def test_an_unset_integer_is_the_default():
    """A missing key gives the default."""
    assert read_int({}, "k", 7) == 7


def test_a_nan_float_is_refused():
    """'nan' is not a usable number for a float option."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Could not parse value 'nan' for key 'k': expected a finite number"):
        read_float({"k": "nan"}, "k", 1.0)


def test_a_negative_latency_is_refused():
    """-1 below a minimum of 0 fails with the value as written."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Invalid value '-1' for key 'flowlab.network.latency-ms': it must be at least 0\.$"):
        read_float({"flowlab.network.latency-ms": "-1"}, "flowlab.network.latency-ms", 1, minimum=0)


def test_booleans_are_true_or_false_in_any_case():
    """'TRUE' is true; 'yes' is refused naming the key."""
    assert read_bool({"k": "TRUE"}, "k", False) is True
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Could not parse value 'yes' for key 'k': expected true or false\.$"):
        read_bool({"k": "yes"}, "k", False)


@pytest.mark.parametrize(("text", "size"), [("32kb", 32768), ("1 mb", 1048576), ("256b", 256), ("4096", 4096),
                                            ("2k", 2048), ("1g", 1024 ** 3)])
def test_memory_sizes_use_flinks_units(text, size):
    """Flink's MemorySize units; a plain number is bytes."""
    assert read_memory_size({"k": text}, "k", "0") == size


def test_a_memory_size_with_an_unknown_unit_is_refused():
    """'32 parsecs' is not a memory size."""
    with pytest.raises(IllegalConfigurationException, match=r"^Could not parse value '32 parsecs' for key 'k'"):
        read_memory_size({"k": "32 parsecs"}, "k", "0")


@pytest.mark.parametrize(("text", "ms"), [("200 ms", 200), ("1 s", 1000), ("2min", 120_000), ("150", 150)])
def test_durations_use_flinks_units(text, ms):
    """Flink's duration units; a plain number is milliseconds."""
    assert read_duration_ms({"k": text}, "k", "0") == ms
