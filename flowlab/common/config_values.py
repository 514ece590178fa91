"""Reading typed values from a job's configuration, as Flink's ``ConfigOption`` parsing does, with the key named.

A job's settings arrive as strings (``Configuration.to_dict()``). Flink parses each option into its declared
type when it reads it and fails with ``Could not parse value 'two' for key 'taskmanager.numberOfTaskSlots'``;
flowlab does the same and also says what was expected. Memory sizes follow Flink's ``MemorySize`` units
(``b``, ``kb``/``k``, ``mb``/``m``, ``gb``/``g``; a plain number is bytes) and durations ``TimeUtils``
(``ms``, ``s``, ``min``, ``h``; a plain number is milliseconds).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["IllegalConfigurationException", "read_int", "read_float", "read_bool", "read_memory_size",
           "read_duration_ms"]

_MEMORY_UNITS = {"": 1, "b": 1, "bytes": 1, "k": 1024, "kb": 1024, "kibibytes": 1024, "m": 1024 ** 2,
                 "mb": 1024 ** 2, "mebibytes": 1024 ** 2, "g": 1024 ** 3, "gb": 1024 ** 3, "gibibytes": 1024 ** 3}
_DURATION_UNITS = {"": 1, "ms": 1, "milli": 1, "millis": 1, "millisecond": 1, "milliseconds": 1, "s": 1000,
                   "sec": 1000, "secs": 1000, "second": 1000, "seconds": 1000, "min": 60_000, "m": 60_000,
                   "minute": 60_000, "minutes": 60_000, "h": 3_600_000, "hour": 3_600_000, "hours": 3_600_000}
_NUMBER_UNIT = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([a-z]*)\s*$")


class IllegalConfigurationException(ValueError):
    """A configuration value that cannot be parsed or is out of range (Flink's exception of this name)."""


def _fail(key: str, value: Any, expected: str) -> IllegalConfigurationException:
    return IllegalConfigurationException(f"Could not parse value '{value}' for key '{key}': expected {expected}.")


def _check_min(key: str, raw: Any, value: float, minimum: float | None, what: str) -> None:
    if minimum is not None and value < minimum:
        raise IllegalConfigurationException(f"Invalid value '{raw}' for key '{key}': {what} must be at least "
                                            f"{minimum:g}.")


def read_int(conf: Mapping[str, Any], key: str, default: int, minimum: int | None = None) -> int:
    """An integer option (Flink's ``intType()``/``longType()``)."""
    raw = conf.get(key, default)
    if isinstance(raw, bool):
        raise _fail(key, raw, "an integer (e.g. 2)")
    if isinstance(raw, int):
        value = raw
    else:
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise _fail(key, raw, "an integer (e.g. 2)") from None
    _check_min(key, raw, value, minimum, "it")
    return value


def read_float(conf: Mapping[str, Any], key: str, default: float, minimum: float | None = None) -> float:
    """A finite floating-point option (Flink's ``doubleType()``)."""
    raw = conf.get(key, default)
    try:
        value = float(raw) if not isinstance(raw, bool) else math.nan
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise _fail(key, raw, "a finite number (e.g. 1.5)")
    _check_min(key, raw, value, minimum, "it")
    return value


def read_bool(conf: Mapping[str, Any], key: str, default: bool) -> bool:
    """A boolean option: ``true`` or ``false`` (any case), as Flink's ``booleanType()``."""
    raw = conf.get(key, default)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise _fail(key, raw, "true or false")


def read_memory_size(conf: Mapping[str, Any], key: str, default: str, minimum: int | None = None) -> int:
    """A memory size in bytes (Flink's ``MemorySize``: ``32kb``, ``1 mb``, ``256b``; a plain number is bytes)."""
    raw = conf.get(key, default)
    match = _NUMBER_UNIT.match(str(raw).lower())
    if match is None or match.group(2) not in _MEMORY_UNITS:
        raise _fail(key, raw, "a memory size such as 32kb, 1mb or 4096 (bytes)")
    value = int(float(match.group(1)) * _MEMORY_UNITS[match.group(2)])
    if minimum is not None and value < minimum:
        raise IllegalConfigurationException(f"Invalid value '{raw}' for key '{key}': the size must be at least "
                                            f"{minimum} bytes.")
    return value


def read_duration_ms(conf: Mapping[str, Any], key: str, default: str, minimum: float | None = None) -> float:
    """A duration in milliseconds (Flink's ``Duration`` options: ``200 ms``, ``1 s``, ``2 min``; plain = ms)."""
    raw = conf.get(key, default)
    match = _NUMBER_UNIT.match(str(raw).lower())
    if match is None or match.group(2) not in _DURATION_UNITS:
        raise _fail(key, raw, "a duration such as 200 ms, 1 s or 2 min")
    value = float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    _check_min(key, raw, value, minimum, "the duration (ms)")
    return value
