"""The key context of a compiled keyed operator: ``KeyedUdfOperator.set_key_of`` with a key-group cache.

``KeyedStateBackend.set_current_key`` finds a key's identity in state (``keys.state_key``: the key itself for
int and str keys), looks up or computes its key group, checks that this subtask owns it and sets the current
key. For an int or str key whose key group the backend already knows, all of that is three assignments; any
other key (a new one, a float, a tuple, a Row, an unhashable one) goes through the backend's own code, which
computes, checks and remembers it, or fails with its message.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowlab.runtime.tasks.compiled_chain import ChainBuilder


def key_scope(op: Any, b: ChainBuilder) -> Callable[[Any], Any]:
    """``scope(value)``: set the key of ``value`` as the current key of ``op``'s backend; returns its identity
    in state (what the backend's state tables and timers are keyed by)."""
    backend = op.backend
    key_selector = op.key_selector
    set_key = op.set_key
    known = backend.key_group_of

    def prepare() -> None:
        nonlocal known
        known = backend.key_group_of
    b.prepares.append(prepare)

    def scope(value: Any) -> Any:
        key = key_selector(value)
        kind = type(key)
        if kind is int or kind is str:
            group = known.get(key)
            if group is not None:
                backend.current_key = key
                backend.user_key = key
                backend.current_key_group = group
                return key
        set_key(key)
        return backend.current_key
    return scope
