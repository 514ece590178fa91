"""A key's identity as Java sees it: Python's ``1 == 1.0 == True`` must not merge keys that Flink keeps apart.

Routing (``key_by``'s channel selector) and keyed state both use ``state_key`` so that a key lands on the
same subtask and in the same state entry as it would in Flink. Java compares keys with ``equals``:
``Long 1``, ``Double 1.0`` and ``Boolean true`` differ, and ``Double.equals`` compares the bits, so
every ``NaN`` key is one key (Python's ``nan != nan`` would give each record its own state) and
``0.0`` and ``-0.0`` are two keys (Python's ``0.0 == -0.0`` would merge them).
"""
from __future__ import annotations

import struct
from typing import Any

from flowlab.common.row import Row

_CANONICAL_NAN = 0x7FF8000000000000         # Double.doubleToLongBits(NaN): one NaN for every NaN
_DOUBLE = struct.Struct(">q")
_PACK = struct.Struct(">d").pack


class TypedKey:
    """A key whose Python equality differs from Java's: stored under its Java identity.

    Bool and float keys (and tuples or rows holding them) compare by type and, for floats, by
    ``Double.doubleToLongBits`` of the value, as ``Double.equals`` does.
    """

    __slots__ = ("ident", "key")

    def __init__(self, key: Any) -> None:
        self.ident = java_identity(key)
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypedKey) and self.ident == other.ident

    def __hash__(self) -> int:
        return hash(self.ident)

    def __repr__(self) -> str:
        return repr(self.key)


def java_identity(key: Any) -> Any:
    """A value equal for two keys exactly when Java's ``equals`` says they are equal."""
    t = type(key)
    if t is float:
        return ("Double", _CANONICAL_NAN if key != key else _DOUBLE.unpack(_PACK(key))[0])
    if t is tuple:
        return ("Tuple",) + tuple(java_identity(k) for k in key)
    if t is Row:
        names = key.__dict__.get("_fields")
        return ("Row", key.get_row_kind().value, tuple(names) if names else None) + tuple(
            java_identity(k) for k in key._values)
    return (t.__name__, key)


def _needs_identity(key: tuple | list) -> bool:
    return any(type(k) in (bool, float, tuple, Row) for k in key)


def state_key(key: Any) -> Any:
    """The identity a key has in state: the key itself, or a ``TypedKey`` where Python equality differs."""
    t = type(key)
    if t is str or t is int:
        return key
    if t is bool or t is float or (t is tuple and _needs_identity(key)) or (t is Row and _needs_identity(key._values)):
        return TypedKey(key)
    return key
