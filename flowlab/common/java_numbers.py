"""Java's ``Double.toString`` and ``Float.toString``, and Java's 32-bit ``float``, for Python floats.

Java prints a double or float as plain decimals when ``1e-3 <= |x| < 1e7`` (``100.0``, ``0.001``) and in
computerized scientific notation otherwise (``1.0E7``, ``1.2345678E7``, ``1.0E-4``), always with at least
one digit after the point; ``NaN``, ``Infinity``, ``-Infinity`` and ``-0.0`` are spelled out. The digits
are the fewest that identify the value among its type's values (so ``0.1f`` prints ``0.1``), and when one
digit would do, the closer of the one- and two-digit decimals (``Double.MIN_VALUE`` prints ``4.9E-324``).

Simplification: these are the digits of Java 19 and later (JDK-4511638); Java 17's ``FloatingDecimal``
prints a longer form for a few values (e.g. ``2.0E-3`` is the same, but some 17-digit doubles differ).
"""
from __future__ import annotations

import math
import struct
from decimal import Decimal

__all__ = ["java_double_to_string", "java_float_to_string", "to_float32", "FLOAT_MAX"]

FLOAT_MAX = 3.4028234663852886e38          # Float.MAX_VALUE


def to_float32(x: float) -> float:
    """``x`` rounded to Java's 32-bit ``float`` (round to nearest even); too large becomes infinite, as a
    Java ``(float)`` cast does."""
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:             # |x| beyond the float range rounds to infinity in Java
        return math.copysign(math.inf, x)


def _same_float32(text: str, x: float) -> bool:
    return to_float32(float(text)) == x


def _same_double(text: str, x: float) -> bool:
    return float(text) == x


def _digits(x: float, same: object) -> tuple[str, int]:
    """The shortest significant digits (without point) and decimal exponent that read back as ``x``
    (``x`` > 0 and finite), choosing the closest among equally short ones, as Java does."""
    exact = Decimal(x)                 # the binary value, exactly: "closest" is measured against it
    best = None
    for n in range(1, 18):
        text = f"{x:.{n - 1}e}"
        mantissa, exponent = text.split("e")
        candidates = [text]
        # a neighbour in the last digit may identify x when the nearest does not (at powers of two)
        unit = 10.0 ** (int(exponent) - (n - 1))
        candidates += [f"{float(text) - unit:.{n - 1}e}", f"{float(text) + unit:.{n - 1}e}"]
        good = [c for c in candidates if same(c, x)]
        if good:
            best = min(good, key=lambda c: abs(Decimal(c) - exact))
            break
    if best is None:                   # pragma: no cover - 17 digits always identify a double
        best = f"{x:.16e}"
    if len(best.split("e")[0].replace(".", "")) == 1:    # one digit: Java also weighs two-digit decimals
        two = f"{x:.1e}"
        if same(two, x) and abs(Decimal(two) - exact) < abs(Decimal(best) - exact):
            best = two
    mantissa, exponent = best.split("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    return digits, int(exponent)


def _layout(x: float, digits: str, exponent: int) -> str:
    """Place ``digits`` (d.ddd × 10^exponent) the way Java's toString does."""
    sign = "-" if x < 0 else ""
    if 1e-3 <= abs(x) < 1e7:
        if exponent >= 0:
            whole = digits[:exponent + 1].ljust(exponent + 1, "0")
            frac = digits[exponent + 1:] or "0"
        else:
            whole, frac = "0", "0" * (-exponent - 1) + digits
        return f"{sign}{whole}.{frac}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


def _special(x: float) -> str | None:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    return None


def java_double_to_string(x: float) -> str:
    """Java's ``Double.toString(x)``: ``100.0``, ``1.0E7``, ``1.0E-4``, ``NaN``, ``-0.0`` …"""
    x = float(x)
    special = _special(x)
    if special is not None:
        return special
    digits, exponent = _digits(abs(x), _same_double)
    return _layout(x, digits, exponent)


def java_float_to_string(x: float) -> str:
    """Java's ``Float.toString`` of ``x`` rounded to 32 bits: ``0.1``, ``1.6777216E7``, ``0.33333334`` …"""
    x = to_float32(float(x))
    special = _special(x)
    if special is not None:
        return special
    digits, exponent = _digits(abs(x), _same_float32)
    return _layout(x, digits, exponent)
