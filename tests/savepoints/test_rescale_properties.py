"""Property: stop a keyed count with a savepoint at a random moment, restore it at a random parallelism (and max
parallelism, and backend): every key is counted on the subtask Flink routes it to and ends with the count of a run
that was never stopped."""
from __future__ import annotations

import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowlab
from flowlab.common import Types
from flowlab.graph.key_groups import assign_key_to_parallel_operator
from tests.savepoints.jobs import counting_env, final_counts

_WHOLE: dict[tuple[int, int], dict[str, int]] = {}


def _whole(p: int, max_p: int) -> dict[str, int]:
    if (p, max_p) not in _WHOLE:
        env = counting_env(p, interval=0)
        env.set_max_parallelism(max_p)
        sim = flowlab.Simulation(env, record_trace=False)
        sim.run_to_result()
        _WHOLE[(p, max_p)] = final_counts(sim.outputs("out"))
    return _WHOLE[(p, max_p)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.integers(1, 4), after=st.integers(1, 5), max_p=st.sampled_from([5, 8, 128]),
       stop_ms=st.integers(30, 560), drain=st.booleans(), backend=st.sampled_from(["hashmap", "rocksdb"]))
def test_rescaled_counts_go_on_on_the_subtask_flink_picks(before, after, max_p, stop_ms, drain, backend) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = counting_env(before, interval=0)
        env.set_max_parallelism(max_p)
        first = flowlab.Simulation(env, record_trace=False, time_travel=False)
        first.run(until_ms=stop_ms)
        path = first.stop_with_savepoint(drain, tmp)
        again = counting_env(after, interval=0, restore=path, state_backend=backend)
        again.set_max_parallelism(max_p)
        second = flowlab.Simulation(again, record_trace=False, time_travel=False)
        second.run_to_result()
        rows = second.outputs("out")
        for key, _, subtask in rows:
            assert subtask == assign_key_to_parallel_operator(key, max_p, after, Types.STRING())
        counts = final_counts(first.outputs("out"))
        counts.update(final_counts(rows))
        assert counts == _whole(before, max_p)
