"""Restoring a job from a retained checkpoint (execution.state-recovery.path): same parallelism gives back the
same state, rescaling moves every key's state to the subtask Flink routes it to, and counts continue."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Types
from flowlab.graph.key_groups import assign_key_to_parallel_operator
from flowlab.runtime.checkpointing.restore import assign_state
from flowlab.runtime.checkpointing.restore_source import read_restore_path
from tests.savepoints.jobs import counting_env, final_counts, run_to_checkpoint


def _state_of(sim: flowlab.Simulation, vertex_name: str = "count") -> dict[str, tuple[int, int]]:
    """{key: (subtask, count)} of the keyed count, read from the running subtasks' backends."""
    rt = sim.runtime
    out = {}
    for task in rt.tasks[rt.find_vertex(vertex_name)]:
        op = next(o for o in task.operators if o.name == "count")
        names = op.backend.state_names() + list(op.backend.restored)
        for name in names:
            entries = op.backend.entries(name) if name in op.backend.metas else op.backend.restored[name]
            for key, _, value in entries:
                out[key] = (task.index, value)
    return dict(sorted(out.items()))


def _uninterrupted(parallelism: int) -> dict[str, int]:
    sim = flowlab.Simulation(counting_env(parallelism, interval=0))
    sim.run()
    return final_counts(sim.outputs("out"))


def test_same_parallelism_restore_gives_back_the_checkpointed_state(tmp_path) -> None:
    """Restored at parallelism 2 from chk-3, every key has the count and the subtask it had at checkpoint 3,
    and the job ends with the counts of a run that was never stopped."""
    first = flowlab.Simulation(counting_env(2, str(tmp_path)))
    chk = run_to_checkpoint(first, 3)
    at_checkpoint = read_restore_path(chk)[1]
    second = flowlab.Simulation(counting_env(2, str(tmp_path / "again"), restore=chk))
    second.break_on("task_state", to="RUNNING")
    second.run()
    stored = {}
    for sub in at_checkpoint["operators"][[k for k, e in at_checkpoint["operators"].items()
                                           if e["name"] == "count"][0]]["subtasks"].values():
        for group in sub["state"]["keyed"].values():
            for key, _, value in group["states"]["count"]:
                stored[key] = value
    restored = _state_of(second)
    assert {k: v for k, (_, v) in restored.items()} == dict(sorted(stored.items()))
    assert all(s == assign_key_to_parallel_operator(k, 128, 2, Types.STRING()) for k, (s, _) in restored.items())
    second.clear_breakpoints()
    second.run()
    assert second.job_status == "FINISHED"
    assert final_counts(second.outputs("out")) == _uninterrupted(2)


@pytest.mark.parametrize("before, after", [(2, 3), (3, 2), (1, 4)])
def test_rescaling_puts_every_key_on_the_subtask_flink_picks_and_counts_continue(tmp_path, before, after) -> None:
    first = flowlab.Simulation(counting_env(before, str(tmp_path)))
    chk = run_to_checkpoint(first, 3)
    second = flowlab.Simulation(counting_env(after, str(tmp_path / "again"), restore=chk))
    second.run()
    rows = second.outputs("out")
    assert rows, "the restored job produced nothing"
    for key, _, subtask in rows:
        assert subtask == assign_key_to_parallel_operator(key, 128, after, Types.STRING())
    assert final_counts(rows) == _uninterrupted(before)
    first_counts = {}
    for key, n, _ in first.outputs("out"):
        first_counts[key] = n
    for key, n, _ in rows:                         # the first count after the restore continues the stored one
        if key in first_counts:
            assert n > first_counts[key] or n == 1


def test_assignment_hands_each_subtask_exactly_its_key_groups(tmp_path) -> None:
    first = flowlab.Simulation(counting_env(2, str(tmp_path)))
    chk = run_to_checkpoint(first, 2)
    _, checkpoint = read_restore_path(chk)
    graph = counting_env(3).get_job_graph()
    assignment = assign_state(checkpoint, graph)
    vertex = next(v for v in graph.vertices if any(n.name == "count" for n in v.operators))
    node = next(n for n in vertex.operators if n.name == "count")
    groups = [sorted(assignment.for_subtask(vertex.id, i).for_operator(node.operator_id).keyed or {})
              for i in range(3)]
    assert [(g[0] >= lo and g[-1] <= hi) for g, (lo, hi) in zip(groups, [(0, 42), (43, 85), (86, 127)],
                                                                 strict=True)] == [True, True, True]
    assert assignment.checkpoint_id == 2


@pytest.mark.parametrize("written, read", [("hashmap", "rocksdb"), ("rocksdb", "hashmap"), ("rocksdb", "rocksdb")])
def test_state_restores_into_either_backend(tmp_path, written, read) -> None:
    """The checkpoint holds state in one format for both backends: written by one, restored by the other."""
    first = flowlab.Simulation(counting_env(2, str(tmp_path), state_backend=written))
    chk = run_to_checkpoint(first, 3)
    second = flowlab.Simulation(counting_env(3, str(tmp_path / "again"), restore=chk, state_backend=read))
    second.run()
    assert final_counts(second.outputs("out")) == _uninterrupted(2)


def test_the_deprecated_key_execution_savepoint_path_is_read(tmp_path) -> None:
    first = flowlab.Simulation(counting_env(2, str(tmp_path)))
    chk = run_to_checkpoint(first, 3)
    env = counting_env(2, str(tmp_path / "again"), **{"execution.savepoint.path": chk})
    second = flowlab.Simulation(env)
    second.run()
    assert final_counts(second.outputs("out")) == _uninterrupted(2)
    restored = second.trace[second.trace.kind == "state_restored"]
    assert restored.detail.iloc[0] == (f"JobMaster restores the job from checkpoint 3 at {chk}: state of 3 operator(s) "
                                       "mapped by operator ID; checkpoint ids go on from 4")
    assert second.checkpoints().id.iloc[0] == 4


def test_a_restored_job_gives_the_same_result_stepped_and_fast_forwarded(tmp_path) -> None:
    first = flowlab.Simulation(counting_env(2, str(tmp_path)))
    chk = run_to_checkpoint(first, 3)
    stepped = flowlab.Simulation(counting_env(3, str(tmp_path / "a"), restore=chk))
    stepped.run()
    fast = flowlab.Simulation(counting_env(3, str(tmp_path / "b"), restore=chk), record_trace=False)
    fast.run_to_result()
    assert fast.outputs("out") == stepped.outputs("out")
    assert fast.now_ms == stepped.now_ms
    assert fast.checkpoints().drop(columns=["path"]).equals(stepped.checkpoints().drop(columns=["path"]))


def test_the_key_groups_snapshot_shows_ranges_and_keys_before_and_after_a_rescale(tmp_path) -> None:
    first = flowlab.Simulation(counting_env(2, interval=0))
    first.run(until_ms=250)
    path = first.stop_with_savepoint(False, str(tmp_path))
    before = first.snapshot()["key_groups"]
    assert before["restored_from"] is None
    (op,) = before["operators"]
    assert [(s["range"], s["keys"]) for s in op["subtasks"]] == [([0, 63], 7), ([64, 127], 5)]
    second = flowlab.Simulation(counting_env(3, interval=0, restore=path))
    second.break_on("task_state", to="RUNNING")
    second.run()
    after = second.snapshot()["key_groups"]
    assert after["restored_from"] == {"checkpoint_id": 1, "path": path, "kind": "savepoint"}
    (op,) = after["operators"]
    assert (op["name"], op["operator_id"], op["max_parallelism"], op["parallelism"]) == (
        "count", "b71731f1c0df9c3076c4a455334d0ad6", 128, 3)
    assert [(s["range"], s["keys"]) for s in op["subtasks"]] == [([0, 42], 4), ([43, 85], 4), ([86, 127], 4)]
    assert op["subtasks"][1]["keys_per_group"] == [[58, 1], [61, 1], [63, 1], [78, 1]]
    assert op["before"] == {"parallelism": 2, "subtasks": before["operators"][0]["subtasks"]}


@pytest.mark.parametrize("after", [2, 3])
def test_a_source_subtask_that_had_finished_reads_nothing_again(tmp_path, after) -> None:
    """Split 0 ends at 60 ms, so source subtask 0 has finished (FLIP-147) when checkpoint 3 is taken: it stored no
    position, and restored it must not read its split again."""
    from tests.savepoints.jobs import KEYS
    parts = [[(20 * i, (KEYS[i % 12], 1)) for i in range(3)], [(20 * i, (KEYS[(i + 5) % 12], 1)) for i in range(40)]]
    first = flowlab.Simulation(counting_env(2, str(tmp_path), parts=parts))
    chk = run_to_checkpoint(first, 3)
    assert read_restore_path(chk)[1]["operators"][
        "f362c87ffabe89c8a91fa7d0a523ba6c"]["subtasks"][0] == {"finished": True, "state": None}
    whole = flowlab.Simulation(counting_env(2, interval=0, parts=parts))
    whole.run()
    second = flowlab.Simulation(counting_env(after, str(tmp_path / "again"), restore=chk, parts=parts))
    second.run()
    assert final_counts(second.outputs("out")) == final_counts(whole.outputs("out"))


@pytest.mark.parametrize("after", [2, 3])
def test_a_generator_source_goes_on_after_its_position(tmp_path, after) -> None:
    """GeneratorSource keeps how many of its indices each subtask emitted; at another parallelism the new subtasks
    go on from the first index not emitted yet."""
    from flowlab.common import WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.sources import GeneratorSource
    from tests.savepoints.jobs import conf

    def env(p: int, restore: str | None = None) -> StreamExecutionEnvironment:
        e = StreamExecutionEnvironment.get_execution_environment(
            conf(**({"execution.state-recovery.path": restore} if restore else {})))
        e.set_parallelism(p)
        (e.from_source(GeneratorSource(lambda i: (f"k{i % 5}", i), count=200, records_per_second=1000),
                       WatermarkStrategy.no_watermarks(), "gen").uid("gen")
            .key_by(lambda t: t[0], key_type=Types.STRING()).sum(1).uid("sum").name("sum")
            .add_sink(lambda v: None).name("out"))
        return e

    whole = flowlab.Simulation(env(2))
    whole.run()
    first = flowlab.Simulation(env(2))
    first.run(until_ms=60)
    path = first.stop_with_savepoint(False, str(tmp_path))
    second = flowlab.Simulation(env(after, path))
    second.run()
    last = {}
    for key, total in second.outputs("out"):
        last[key] = total
    expected = {}
    for key, total in whole.outputs("out"):
        expected[key] = total
    assert last == expected
