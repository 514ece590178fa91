"""Flink's ``Configuration`` as PyFlink shows it (``pyflink.common.configuration``).

Values keep the type they were set with (string, long, boolean, double or bytes) and are converted on
read the way Java's ``Configuration`` converts them: ``set_integer("p", 4)`` then ``get_string("p", "")``
gives ``"4"``; ``set_string("p", "4")`` then ``get_integer("p", 0)`` gives ``4``.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import KeysView
from typing import Any

from flowlab.common.config_values import read_duration_ms, read_memory_size
from flowlab.common.java_numbers import java_double_to_string

__all__ = ["Configuration", "parse_duration_ms", "parse_memory_size"]


def _to_string(value: Any) -> str:
    """A stored value as Java's ``ConfigurationUtils.convertToString`` renders it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double_to_string(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


class Configuration:
    """Flink's ``Configuration``: a set of key/value settings, each value kept with its type.

    flowlab reads a few keys of its own besides Flink's: ``flowlab.pyflink-strict`` (bool, default false:
    refuse every call PyFlink 2.3 lacks, see ``flowlab.datastream.pyflink_compat``),
    ``flowlab.network.record-size``, ``flowlab.network.latency-ms`` and ``flowlab.metrics.sample-interval-ms``.

    Simplification: ``key_set()``, ``to_dict()`` and ``str()`` list keys in sorted order (Java's
    ``HashMap`` order is arbitrary); bytes render as base64 in ``to_dict`` (Java prints an object id).
    """

    def __init__(self, other: Configuration | None = None, j_configuration: Any = None):
        if j_configuration is not None:
            raise TypeError("flowlab has no JVM: j_configuration is not supported; pass other=")
        self._data: dict[str, Any] = dict(other._data) if other is not None else {}

    @classmethod
    def from_dict(cls, map: dict[str, str]) -> Configuration:
        """A configuration holding the given string settings."""
        config = cls()
        for key, value in map.items():
            config.set_string(key, value)
        return config

    def _set(self, key: str, value: Any) -> Configuration:
        if not isinstance(key, str):
            raise TypeError(f"configuration keys are str, got {type(key).__name__} {key!r}")
        self._data[key] = value
        return self

    def get_string(self, key: str, default_value: str) -> str:
        """The value of ``key`` as a string, or ``default_value`` if it is not set."""
        return _to_string(self._data[key]) if key in self._data else default_value

    def set_string(self, key: str, value: str) -> Configuration:
        """Set ``key`` to a string value."""
        return self._set(key, str(value))

    def get_integer(self, key: str, default_value: int) -> int:
        """The value of ``key`` as an integer (a long in Java), or ``default_value`` if it is not set."""
        if key not in self._data:
            return default_value
        value = self._data[key]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value == int(value):
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise ValueError(f"Could not parse value {_to_string(value)!r} for key {key!r} as an integer")

    def set_integer(self, key: str, value: int) -> Configuration:
        """Set ``key`` to an integer value."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"set_integer expects an int, got {type(value).__name__} {value!r}")
        return self._set(key, value)

    def get_boolean(self, key: str, default_value: bool) -> bool:
        """The value of ``key`` as a boolean (``"true"``/``"false"``, any case), or ``default_value``."""
        if key not in self._data:
            return default_value
        value = self._data[key]
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ValueError(f"Could not parse value {_to_string(value)!r} for key {key!r} as a boolean")

    def set_boolean(self, key: str, value: bool) -> Configuration:
        """Set ``key`` to a boolean value."""
        if not isinstance(value, bool):
            raise TypeError(f"set_boolean expects a bool, got {type(value).__name__} {value!r}")
        return self._set(key, value)

    def get_float(self, key: str, default_value: float) -> float:
        """The value of ``key`` as a float (a double in Java), or ``default_value`` if it is not set."""
        if key not in self._data:
            return float(default_value)
        value = self._data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise ValueError(f"Could not parse value {_to_string(value)!r} for key {key!r} as a float")

    def set_float(self, key: str, value: float) -> Configuration:
        """Set ``key`` to a float value."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"set_float expects a float, got {type(value).__name__} {value!r}")
        return self._set(key, float(value))

    def get_bytearray(self, key: str, default_value: bytearray) -> bytearray:
        """The value of ``key`` as bytes (a base64 string is decoded), or ``default_value``."""
        if key not in self._data:
            return default_value
        value = self._data[key]
        if isinstance(value, (bytes, bytearray)):
            return bytearray(value)
        if isinstance(value, str):
            return bytearray(base64.b64decode(value))
        raise ValueError(f"Value for key {key!r} is not a byte array: {_to_string(value)!r}")

    def set_bytearray(self, key: str, value: bytearray) -> Configuration:
        """Set ``key`` to a byte array."""
        if not isinstance(value, (bytes, bytearray)):
            raise TypeError(f"set_bytearray expects bytes, got {type(value).__name__}")
        return self._set(key, bytes(value))

    def key_set(self) -> KeysView[str]:
        """The keys that are set, as a set-like view iterating in sorted order."""
        return dict.fromkeys(sorted(self._data)).keys()

    def add_all_to_dict(self, target_dict: dict) -> None:
        """Copy every setting, as strings, into ``target_dict``."""
        target_dict.update(self.to_dict())

    def add_all(self, other: Configuration, prefix: str | None = None) -> Configuration:
        """Copy every setting of ``other`` into this one, with keys prefixed by ``prefix`` if given."""
        for key, value in other._data.items():
            self._data[key if prefix is None else prefix + key] = value
        return self

    def contains_key(self, key: str) -> bool:
        """Whether ``key`` is set."""
        return key in self._data

    def to_dict(self) -> dict[str, str]:
        """Every setting as strings, keys in sorted order."""
        return {key: _to_string(self._data[key]) for key in sorted(self._data)}

    def remove_config(self, key: str) -> bool:
        """Unset ``key``; True if it was set."""
        return self._data.pop(key, _MISSING) is not _MISSING

    def __deepcopy__(self, memodict: dict | None = None) -> Configuration:
        clone = Configuration()
        clone._data = copy.deepcopy(self._data, memodict)
        return clone

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Configuration):
            return False
        typed = {key: (type(value), value) for key, value in self._data.items()}
        return typed == {key: (type(value), value) for key, value in other._data.items()}

    def __hash__(self) -> int:
        return hash(tuple(self.to_dict().items()))

    def __str__(self) -> str:
        return "{" + ", ".join(f"{key}={value}" for key, value in self.to_dict().items()) + "}"

    def __repr__(self) -> str:
        return f"Configuration({self})"


_MISSING = object()


def parse_duration_ms(value: Any, key: str = "duration") -> int:
    """A Flink duration (``"10 min"``, ``"500 ms"``, ``"2s"``; a bare number is ms) as whole milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    return int(round(read_duration_ms({key: value}, key, "0")))


def parse_memory_size(value: Any, key: str = "memory size") -> int:
    """A Flink memory size (``"20 kb"``, ``"5 mb"``; a bare number is bytes) as bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return read_memory_size({key: value}, key, "0")
