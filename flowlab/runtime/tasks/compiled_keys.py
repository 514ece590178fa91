"""The key context of a compiled keyed operator: ``KeyedUdfOperator.set_key_of`` with a key-group cache.

``KeyedStateBackend.set_current_key`` finds a key's identity in state (``keys.state_key``: the key itself for
int and str keys), looks up or computes its key group, checks that this subtask owns it and sets the current
key. For an int or str key whose key group the backend already knows, all of that is three assignments; any
other key (a new one, a float, a tuple, a Row, an unhashable one) goes through the operator's own ``set_key``,
which computes, checks and remembers it, or fails with its message.
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.tasks.chain_codegen import LoopWriter


def write_key_scope(w: LoopWriter, op: Any, backend: str, value: str) -> str:
    """Write the code that makes the key of ``value`` the current key of ``op``'s backend (named ``backend`` in
    the code); returns the variable holding the key's identity in state (what state tables and timers use)."""
    known, key, kind, group, ident = (w.local(s) for s in ("known_keys", "key", "kind", "group", "ident"))
    w.prologue.append(f"{known} = {backend}.key_group_of")
    w.line(f"{key} = {w.const(op.key_selector, 'key_selector')}({value})")
    w.line(f"{kind} = type({key})")
    with w.block(f"if ({kind} is int or {kind} is str) and ({group} := {known}.get({key})) is not None:"):
        w.line(f"{backend}.current_key = {backend}.user_key = {ident} = {key}")
        w.line(f"{backend}.current_key_group = {group}")
    with w.block("else:"):
        w.line(f"{w.const(op.set_key, 'set_key')}({key})")
        w.line(f"{ident} = {backend}.current_key")
    return ident
