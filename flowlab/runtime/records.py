"""Records are not shared by reference: where Flink serialises a record, the receiver gets its own copy.

In Flink a record that crosses the network is serialised by the sender and deserialised by each receiver
(one copy per channel, so broadcast copies never alias each other); between chained operators Java
copies each record (``CopyingChainingOutput``) unless ``enable_object_reuse()`` is set. PyFlink adds one
rule: consecutive Python operators that it fuses into one (``PythonOperatorChainingOptimizer``: a
``map``/``flat_map``/``filter``/``process`` after another Python operator with a single consumer, same
parallelism, forward) pass their results on by reference, with no serialisation in between. Everywhere
else a Python function sees a freshly unpickled value. So mutating a record in place in a ``map`` never
changes the source's collection, the records another subtask received, or what a sink already got.

``copy_record`` does it cheaply: values that cannot change (``int``, ``float``, ``str``, ``bool``, ``None``,
``bytes`` and tuples of those) are never copied; anything else is copied by a pickle round trip, as
PyFlink's pickle-based serialiser would. A record that cannot be pickled (a generator, a lock) fails
with ``RecordNotSerializableError``, as it fails in PyFlink.
"""
from __future__ import annotations

import decimal
import pickle
from typing import Any

import cloudpickle

# Types whose values never change in place: a record made only of these is passed on as it is.
IMMUTABLE = frozenset({int, float, str, bool, type(None), bytes, complex, decimal.Decimal})

_DUMPS, _LOADS, _PROTOCOL = pickle.dumps, pickle.loads, pickle.HIGHEST_PROTOCOL


class RecordNotSerializableError(TypeError):
    """A record cannot be serialised to reach the next operator (PyFlink's pickler would fail too)."""


def is_immutable(value: Any) -> bool:
    """True if ``value`` is made only of immutable values (so nobody can change it in place)."""
    t = type(value)
    if t in IMMUTABLE:
        return True
    if t is tuple:
        for v in value:
            if type(v) not in IMMUTABLE and not (type(v) is tuple and is_immutable(v)):
                return False
        return True
    return False


def copy_record(value: Any) -> Any:
    """The receiver's own copy of ``value``: ``value`` itself when it is immutable, else a deep copy."""
    if type(value) in IMMUTABLE or is_immutable(value):
        return value
    return deep_copy(value)


def deep_copy(value: Any) -> Any:
    """What a receiver deserialises: a pickle round trip (cloudpickle for classes defined in a notebook)."""
    try:
        return _LOADS(_DUMPS(value, _PROTOCOL))
    except Exception:  # noqa: BLE001 - e.g. an instance of a class defined inside a function: try cloudpickle
        try:
            return _LOADS(cloudpickle.dumps(value))
        except Exception as exc:  # noqa: BLE001 - pickling raises TypeError, PicklingError, AttributeError ...
            text = repr(value)
            raise RecordNotSerializableError(
                f"the record {text if len(text) <= 80 else text[:77] + '...'} cannot be serialized "
                f"({type(exc).__name__}: {exc}). PyFlink pickles every record that leaves an operator, so "
                "records must be plain data (str, numbers, tuples, lists, dicts, Row): not a generator, "
                "a lock, an open file or a connection. Emit the data they hold instead "
                "(e.g. list(generator)).") from exc
