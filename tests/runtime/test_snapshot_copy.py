"""A record or function that cannot be copied for time travel gives an error naming it (issue 7, section 6)."""
from __future__ import annotations

import re
import threading

import pytest

import flowlab
from flowlab.common import Types
from flowlab.datastream import MapFunction, StreamExecutionEnvironment
from flowlab.runtime.simulation import SnapshotCopyError


class Locked(MapFunction):
    """Creates its lock in open(), as a function PyFlink ships must (a lock cannot be pickled with the job)."""

    def open(self, runtime_context) -> None:
        self.lock = threading.Lock()

    def map(self, value):
        with self.lock:
            return value


def test_a_function_holding_a_lock_names_the_operator_and_attribute():
    """A MapFunction with a lock: SnapshotCopyError names the operator, the attribute and time_travel=False."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection(list(range(3000)), Types.INT()).map(Locked()).name("locked map").print()
    sim = flowlab.Simulation(env, snapshot_interval=5)       # snapshots are spaced by their cost: 3000 records
    with pytest.raises(SnapshotCopyError) as err:
        sim.run()
    text = str(err.value)
    assert re.match(r"Time travel could not copy the job at step \d+ \(TypeError: cannot pickle '_thread.lock' "
                    r"object\): operator 'locked map' \(v1\[0\]\) holds a _thread.lock at `locked map.function.lock`, "
                    r"which cannot be copied\.", text)
    assert text.endswith("or create the Simulation with time_travel=False (then back() and goto() are not available).")


def test_the_same_job_runs_without_time_travel():
    """time_travel=False never copies the job, so the lock is no problem."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1, 2, 3], Types.INT()).map(Locked()).print()
    sim = flowlab.Simulation(env, time_travel=False)
    sim.run()
    assert sim.printed_lines() == ["1", "2", "3"]


def test_a_generator_record_fails_the_task_naming_the_record():
    """A map emitting generator objects fails as PyFlink's pickling would, naming the operator and the cure
    (so no such record is ever in flight when time travel copies the job)."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.from_collection(list(range(50)), Types.INT()).map(lambda x: (i for i in range(x))).rebalance() \
        .map(lambda g: sum(g)).print()
    sim = flowlab.Simulation(env, snapshot_interval=10)
    sim.run()
    assert sim.job_status == "FAILED"
    assert "RecordNotSerializableError: Map: the record <generator object" in sim.failure
    assert "Emit the data they hold instead (e.g. list(generator))." in sim.failure
