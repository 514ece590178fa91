"""User functions travel inside the job as bytes, and every subtask unpacks its own copy (PyFlink's rule).

PyFlink serialises each user function (a lambda, a ``MapFunction`` instance, a window's trigger …) with
``cloudpickle`` when the operator is declared (``ds.map(f)``), and every subtask's Python worker
deserialises its own copy. So a counter kept in a closure, an attribute or a notebook global counts per
subtask, and the notebook's own variables never change while the job runs. A function that cannot be
pickled (it holds a lock, an open file, a socket, a generator) fails right at ``ds.map(f)``.
flowlab does the same: ``ship_functions`` pickles them when the transformation is added, and
``load_function`` gives each subtask a fresh copy.

Simplification: cloudpickle pickles functions and classes of an importable module *by reference*. A
PyFlink worker is a separate process that imports that module anew; flowlab's subtasks share the
module, so the module's globals are shared by all subtasks. Functions written in a notebook (or any
``__main__``), lambdas and nested functions are copied by value, exactly as in PyFlink.
"""
from __future__ import annotations

import pickle
from typing import Any

import cloudpickle

# The params of a transformation that hold user code, shipped to every subtask.
SHIPPED = ("function", "window_function", "assigner", "trigger", "evictor")
_PART = {"function": "function", "window_function": "window function", "assigner": "window assigner",
         "trigger": "trigger", "evictor": "evictor"}
PICKLED = "pickled_functions"        # params key: {param name: cloudpickle bytes}


class FunctionNotSerializableError(TypeError):
    """A user function cannot be shipped to the workers (PyFlink fails the same way, with a pickling error)."""


def ship_functions(operator_name: str, params: dict[str, Any]) -> None:
    """Pickle the user code among ``params`` (into ``params["pickled_functions"]``), as PyFlink does when
    the operator is declared; raise a clear error naming the operator when it cannot be pickled."""
    shipped = {}
    for key in SHIPPED:
        fn = params.get(key)
        if fn is None:
            continue
        try:
            shipped[key] = cloudpickle.dumps(fn)
        except Exception as exc:  # noqa: BLE001 - pickling raises TypeError, PicklingError, AttributeError ...
            raise FunctionNotSerializableError(
                f"{operator_name}: the {_PART[key]} {_describe(fn)} cannot be serialized ({type(exc).__name__}: "
                f"{exc}). PyFlink ships every user function to its workers with cloudpickle, so it must not "
                "hold (or reach through a global or a closure) a lock, an open file, a socket, a generator or a "
                "connection. Create such things inside the function, or in open() of a Function class "
                "(e.g. a MapFunction), which runs once per subtask.") from exc
    if shipped:
        params[PICKLED] = shipped


def load_function(params: dict[str, Any], key: str) -> Any:
    """A fresh copy of the user code ``params[key]`` for one subtask (the object itself if it was not shipped)."""
    shipped = params.get(PICKLED)
    if shipped is None or key not in shipped:
        return params.get(key)
    return pickle.loads(shipped[key])


def _describe(fn: Any) -> str:
    """``'name'`` for a function, ``(a Name object)`` for a Function instance."""
    if isinstance(fn, type(_describe)):
        return f"'{fn.__qualname__}'"
    return f"(a {type(fn).__name__} object)"
