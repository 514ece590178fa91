"""Java's Double.toString / Float.toString and 32-bit float rounding (flowlab.common.java_numbers)."""
from __future__ import annotations

import math
import sys

import pytest

from flowlab.common.java_numbers import java_double_to_string, java_float_to_string, to_float32

# (value, what Java's Double.toString prints): plain in [1e-3, 1e7), scientific outside, shortest digits.
DOUBLES = [
    (100.0, "100.0"),
    (1.0, "1.0"),
    (0.0, "0.0"),
    (-0.0, "-0.0"),
    (0.5, "0.5"),
    (-1234.5, "-1234.5"),
    (0.001, "0.001"),                  # 1e-3 itself is still plain
    (0.000999, "9.99E-4"),             # just below 1e-3: scientific
    (1.0e-4, "1.0E-4"),
    (9999999.0, "9999999.0"),          # just below 1e7: plain
    (1.0e7, "1.0E7"),                  # 1e7 itself: scientific
    (12345678.0, "1.2345678E7"),
    (123456.789, "123456.789"),
    (0.1 + 0.2, "0.30000000000000004"),
    (1.0e16, "1.0E16"),                # Python switches at 1e16 (1e+16), Java at 1e7
    (1.0e21, "1.0E21"),
    (1.0e23, "1.0E23"),
    (2.0 ** 63, "9.223372036854776E18"),
    (sys.float_info.max, "1.7976931348623157E308"),
    (5e-324, "4.9E-324"),              # Double.MIN_VALUE: one digit would do, Java prints the closer two
    (2.2250738585072014e-308, "2.2250738585072014E-308"),
    (math.nan, "NaN"),
    (math.inf, "Infinity"),
    (-math.inf, "-Infinity"),
]

# (value, what Java's Float.toString prints for the value rounded to 32 bits)
FLOATS = [
    (0.1, "0.1"),                      # 0.1f is 0.100000001490116…, the shortest float digits are 0.1
    (0.3, "0.3"),
    (1 / 3, "0.33333334"),
    (2.5, "2.5"),
    (100.0, "100.0"),
    (0.001, "0.001"),
    (1.0e-4, "1.0E-4"),
    (1.0e7, "1.0E7"),
    (16777216.0, "1.6777216E7"),
    (1.0e10, "1.0E10"),
    (3.14159265, "3.1415927"),
    (123456.789, "123456.79"),
    (3.4028235e38, "3.4028235E38"),    # Float.MAX_VALUE
    (1.401298464324817e-45, "1.4E-45"),  # Float.MIN_VALUE
    (-0.0, "-0.0"),
    (math.nan, "NaN"),
    (-math.inf, "-Infinity"),
]


@pytest.mark.parametrize(("value", "text"), DOUBLES)
def test_double_to_string(value, text):
    """Double.toString as Java prints it."""
    assert java_double_to_string(value) == text


@pytest.mark.parametrize(("value", "text"), FLOATS)
def test_float_to_string(value, text):
    """Float.toString of the value as a 32-bit float."""
    assert java_float_to_string(value) == text


def test_to_float32_rounds_to_the_nearest_32_bit_float():
    """0.1 as a Java float is 0.100000001490116119384765625."""
    assert to_float32(0.1) == 0.10000000149011612


def test_to_float32_of_a_too_large_double_is_infinite():
    """A Java (float) cast of 1e39 gives Infinity."""
    assert to_float32(-1e39) == -math.inf
