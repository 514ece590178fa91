"""A key's identity as Java sees it: Python's ``1 == 1.0 == True`` must not merge keys that Flink keeps apart.

Routing (``key_by``'s channel selector) and keyed state both use ``state_key`` so that a key lands on the
same subtask and in the same state entry as it would in Flink.
"""
from __future__ import annotations

from typing import Any


class TypedKey:
    """A key whose Python equality would merge it with a key of another type (``1 == 1.0 == True``).

    Java keeps Long 1, Double 1.0 and Boolean true apart (they even hash to different key groups), so
    state must too: bool and float keys (and tuples holding them) are stored under their type as well.
    """

    __slots__ = ("type", "key")

    def __init__(self, key: Any) -> None:
        self.type = _type_signature(key)
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypedKey) and self.type == other.type and self.key == other.key

    def __hash__(self) -> int:
        return hash((self.type, self.key))

    def __repr__(self) -> str:
        return repr(self.key)


def _type_signature(key: Any) -> Any:
    if type(key) is tuple:
        return tuple(_type_signature(k) for k in key)
    return type(key).__name__


def state_key(key: Any) -> Any:
    """The identity a key has in state: the key itself, or a ``TypedKey`` where Python would merge types."""
    t = type(key)
    if t is str or t is int:
        return key
    if t is bool or t is float or (t is tuple and any(type(k) in (bool, float, tuple) for k in key)):
        return TypedKey(key)
    return key
