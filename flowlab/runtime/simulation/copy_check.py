"""Copying the whole runtime for time travel, with an error a student can act on when it cannot be copied.

Time travel keeps a deep copy of the job every ``snapshot_interval`` steps. A record or a user function
holding something that cannot be copied (a lock, a generator, an open file, a socket) makes that copy
fail deep inside ``copy``/``pickle`` ("cannot pickle '_thread.lock' object"). ``copy_runtime`` turns that
into ``SnapshotCopyError`` naming the operator or the record and saying what to do. Flink has the same
constraint earlier: records are serialized between tasks and functions are serialized to reach the
TaskManagers, so neither may hold such objects there either.
"""
from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterator
from typing import Any

from flowlab.runtime.deferred_copy import deep_copy_counted

Path = list[tuple[str, Any]]

ADVICE = "or create the Simulation with time_travel=False (then back() and goto() are not available)"


class SnapshotCopyError(TypeError):
    """The runtime could not be copied for time travel; the message names what holds the uncopyable object."""


def copy_runtime(rt: Any, step: int) -> tuple[Any, int]:
    """A deep copy of the runtime and what it cost (``deep_copy_counted``), or ``SnapshotCopyError`` naming the
    operator or record that cannot be copied."""
    try:
        return deep_copy_counted(rt)
    except Exception as exc:  # noqa: BLE001 - any failure of deepcopy/pickle: explain it
        raise SnapshotCopyError(explain(rt, step, exc)) from exc


def _fails(obj: Any) -> bool:
    try:
        copy.deepcopy(obj)
    except Exception:  # noqa: BLE001 - we only ask whether it can be copied
        return True
    return False


def _children(obj: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield f"[{k!r}]", v
    elif isinstance(obj, (list, tuple, deque, set, frozenset)):
        for i, v in enumerate(obj):
            yield f"[{i}]", v
    elif hasattr(obj, "__self__") and hasattr(obj, "__func__"):      # a bound method: its object
        yield ".__self__", obj.__self__
    else:
        attrs = getattr(obj, "__dict__", None)
        if isinstance(attrs, dict):
            yield from ((f".{k}", v) for k, v in attrs.items())
        for cls in type(obj).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if isinstance(name, str) and hasattr(obj, name):
                    yield f".{name}", getattr(obj, name)


class _Objects:
    """A set of objects by identity (``is``), small: the path being walked and the owners to skip."""

    def __init__(self, items: Any = ()) -> None:
        self.items = list(items)

    def __contains__(self, obj: Any) -> bool:
        return any(x is obj for x in self.items)

    def add(self, obj: Any) -> None:
        self.items.append(obj)


def find_uncopyable(obj: Any, skip: Any = ()) -> Path | None:
    """The path ``[(label, object), ...]`` from ``obj`` down to the innermost object that cannot be copied,
    ``[]`` when ``obj`` itself is that object, or None when ``obj`` can be copied.

    ``skip`` holds objects not to walk into (the owners: the job, its kernel, other tasks), so the path stays
    inside ``obj``; an object that fails only through one of them is not blamed (None)."""
    found = _search(obj, _Objects(skip))
    return found if isinstance(found, list) else None


_FINE, _ELSEWHERE = "fine", "elsewhere"


def _search(obj: Any, seen: _Objects) -> Path | str:
    if not _fails(obj):
        return _FINE
    seen.add(obj)
    elsewhere = False
    for label, child in _children(obj):
        if child in seen:
            elsewhere = True
            continue
        found = _search(child, seen)
        if isinstance(found, list):
            return [(label, child), *found]
        elsewhere = elsewhere or found == _ELSEWHERE
    return _ELSEWHERE if elsewhere else []


def _type_name(obj: Any) -> str:
    t = type(obj)
    return t.__name__ if t.__module__ in ("builtins", None) else f"{t.__module__}.{t.__qualname__}"


def _where(path: Path) -> str:
    return "".join(label for label, _ in path)


def explain(rt: Any, step: int, exc: Exception) -> str:
    """The message: which operator (and attribute) or which record holds what cannot be copied."""
    head = f"Time travel could not copy the job at step {step} ({type(exc).__name__}: {exc}): "
    tasks_all = [t for tasks in rt.tasks.values() for t in tasks]
    owners = [rt, rt.kernel, getattr(rt, "network", None), getattr(rt, "jobmaster", None), *tasks_all]
    for vid, tasks in rt.tasks.items():
        for task in tasks:
            for op in task.operators:
                mine = [o for o in task.operators if o is not op] + [*task.partitions, *task.gates]
                path = find_uncopyable(op, owners + mine)
                if path is not None:
                    culprit = path[-1][1] if path else op
                    return (head + f"operator {op.name!r} ({vid}[{task.index}]) holds a {_type_name(culprit)} at "
                            f"`{op.name}{_where(path)}`, which cannot be copied. Time travel copies the whole job "
                            "every snapshot_interval steps, so a function may hold only copyable values (plain data, "
                            "Flink state): keep locks, open files, connections and generators out of it, "
                            f"{ADVICE}.")
    for vid, tasks in rt.tasks.items():
        for task in tasks:
            path = find_uncopyable(task, [o for o in owners if o is not task] + list(task.operators))
            if path is None:
                continue
            record = _record_in(path)
            culprit = path[-1][1] if path else task
            if record is not None:
                what = "is" if culprit is record else "holds"
                return (head + f"a record in flight at {vid}[{task.index}], {_short(record)}, {what} a "
                        f"{_type_name(culprit)}, which cannot be copied. Records must be plain data (Flink serializes "
                        "every record it sends to another task): emit values, e.g. list(...) of a generator instead "
                        f"of the generator, {ADVICE}.")
            return (head + f"task {vid}[{task.index}] holds a {_type_name(culprit)} at `{vid}[{task.index}]"
                    f"{_where(path)}`, which cannot be copied. Keep it out of functions and records, {ADVICE}.")
    path = find_uncopyable(rt) or []
    culprit = path[-1][1] if path else rt
    return (head + f"the job holds a {_type_name(culprit)} at `job{_where(path)}`, which cannot be copied. Keep it "
            f"out of functions and records, {ADVICE}.")


def _record_in(path: Path) -> Any:
    """The value of the record the path runs through (a ``(value, timestamp)`` element in a buffer or queue)."""
    for (label, parent), (_, child) in zip(path, path[1:], strict=False):
        if isinstance(parent, (list, deque)) and isinstance(child, tuple) and len(child) == 2 \
                and (child[1] is None or isinstance(child[1], int)):
            return child[0]
        if label == ".elements" and isinstance(child, tuple) and len(child) == 2:
            return child[0]
    return None


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{_type_name(value)}>"
    return text if len(text) <= 80 else text[:79] + "…"
