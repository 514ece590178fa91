"""Deep copies of the runtime whose recursion does not grow with the size of the job graph.

``copy.deepcopy`` follows references depth-first: task → output partition → channel → next task → …,
so a chain of 200 tasks, or 32 × 32 all-to-all channels, overflows Python's recursion limit. A class
that mixes in ``DeferredCopy`` is copied as an empty shell first and its attributes later, from a
work list that ``deep_copy`` drains iteratively, so the depth is bounded by one task's own structure.
"""
from __future__ import annotations

import copy
from typing import Any, TypeVar

T = TypeVar("T")
_PENDING = "flowlab.pending"      # key of the work list in the deepcopy memo (memo keys are otherwise ids)


class DeferredCopy:
    """Mixin: under ``deep_copy``, instances are copied breadth-first instead of depth-first."""

    def __deepcopy__(self, memo: dict) -> Any:
        cls = type(self)
        twin = cls.__new__(cls)
        memo[id(self)] = twin
        pending = memo.get(_PENDING)
        if pending is None:                  # a plain copy.deepcopy of this object: copy it right away
            twin.__dict__.update(copy.deepcopy(self.__dict__, memo))
        else:
            pending.append((self, twin))
        return twin


class _CountingMemo(dict):
    """The deepcopy memo, counting the objects visited: a deterministic measure of what a copy costs."""

    __slots__ = ("visits",)

    def get(self, key: Any, default: Any = None) -> Any:
        self.visits += 1
        return dict.get(self, key, default)


def deep_copy(obj: T) -> T:
    """``copy.deepcopy(obj)``, with ``DeferredCopy`` objects filled in from a work list, not by recursion."""
    return deep_copy_counted(obj)[0]


def deep_copy_counted(obj: T) -> tuple[T, int]:
    """``deep_copy(obj)`` and the number of objects the copy visited (its cost, independent of the machine)."""
    memo = _CountingMemo()
    memo.visits = 0
    pending: list[tuple[Any, Any]] = []
    memo[_PENDING] = pending
    twin = copy.deepcopy(obj, memo)
    while pending:
        original, shell = pending.pop()
        shell.__dict__.update(copy.deepcopy(original.__dict__, memo))
    return twin, memo.visits
