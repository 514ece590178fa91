"""Each subtask runs its own copy of the user's function, unpickled as PyFlink's workers do (cloudpickle)."""
from __future__ import annotations

import threading

import pytest

from flowlab.common import Types
from flowlab.datastream import MapFunction, StreamExecutionEnvironment
from flowlab.graph.user_functions import FunctionNotSerializableError

NOTEBOOK_CELL = """
counter = 0

def count(x):
    global counter
    counter += 1
    return counter
"""


def _notebook() -> dict:
    """The globals of a notebook: code run as ``__main__``, which cloudpickle copies by value."""
    namespace = {"__name__": "__main__"}
    exec(NOTEBOOK_CELL, namespace)  # noqa: S102 - a fixed cell standing in for a notebook
    return namespace


def _run_rebalanced(fn, parallelism: int = 3, n: int = 9) -> list[tuple[int, int]]:
    """(subtask, value) of every result of ``from_collection(range(n)).rebalance().map(fn)``."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    env.from_collection(list(range(n))).rebalance().map(fn).print()
    import flowlab
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    return sorted((row[0], row[1]) for res in sim._rt.sinks.values() for row in res.rows)


def test_a_notebook_global_counter_counts_per_subtask():
    """9 records over 3 subtasks: each subtask's copy of the global counts 1, 2, 3 (not 1..9)."""
    nb = _notebook()
    got = _run_rebalanced(nb["count"])
    assert got == [(s, c) for s in range(3) for c in (1, 2, 3)]


def test_the_job_never_changes_the_notebooks_variable():
    """After the job the notebook's ``counter`` is still 0: the job counted in its own copies."""
    nb = _notebook()
    _run_rebalanced(nb["count"])
    assert nb["counter"] == 0


def test_the_function_is_captured_when_the_operator_is_declared():
    """A global changed after ``ds.map(f)`` does not reach the job: PyFlink pickled f (and it) at map()."""
    nb = _notebook()
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_collection([1, 2]).map(nb["count"], output_type=Types.INT())
    nb["counter"] = 100
    assert list(ds.execute_and_collect()) == [1, 2]


def test_a_closure_counter_counts_per_subtask():
    """A counter in a closure is copied with the function: each of 3 subtasks counts its own 3 records."""
    def make_counter():
        seen = [0]

        def count(x):
            seen[0] += 1
            return seen[0]
        return count
    assert _run_rebalanced(make_counter()) == [(s, c) for s in range(3) for c in (1, 2, 3)]


def test_a_map_function_attribute_counts_per_subtask():
    """An attribute of a MapFunction instance is per subtask (each subtask unpickles the instance)."""
    class Count(MapFunction):
        def __init__(self):
            self.n = 0

        def map(self, value):
            self.n += 1
            return self.n
    fn = Count()
    assert _run_rebalanced(fn) == [(s, c) for s in range(3) for c in (1, 2, 3)]
    assert fn.n == 0


def test_a_function_holding_a_lock_fails_when_declared():
    """A lambda reaching a lock cannot be pickled: ``map()`` raises, naming the operator and what to do."""
    lock = threading.Lock()
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_collection([1])
    with pytest.raises(FunctionNotSerializableError) as err:
        ds.map(lambda x: (lock, x))
    msg = str(err.value)
    assert msg.startswith("Map: the function 'test_a_function_holding_a_lock_fails_when_declared.<locals>.<lambda>' "
                          "cannot be serialized (TypeError: cannot pickle '_thread.lock' object).")
    assert "in open() of a Function class" in msg


def test_a_function_object_holding_an_open_file_fails_when_declared(tmp_path):
    """A MapFunction holding a file open for writing cannot be shipped; the error names operator and class."""
    class Lookup(MapFunction):
        def __init__(self, f):
            self.f = f

        def map(self, value):
            return value
    with open(tmp_path / "table.txt", "w") as f:
        env = StreamExecutionEnvironment.get_execution_environment()
        with pytest.raises(FunctionNotSerializableError,
                           match=r"^Map: the function \(a Lookup object\) cannot be serialized \(PicklingError: "
                                 r"Cannot pickle files that are not opened for reading: w\)\. "):
            env.from_collection([1]).map(Lookup(f))


def test_a_lock_created_in_open_is_fine():
    """Creating the resource in ``open()`` (once per subtask) is the cure the error suggests."""
    class Guarded(MapFunction):
        def open(self, runtime_context):
            self.lock = threading.Lock()

        def map(self, value):
            with self.lock:
                return value * 2
    env = StreamExecutionEnvironment.get_execution_environment()
    assert list(env.from_collection([1, 2]).map(Guarded()).execute_and_collect()) == [2, 4]
