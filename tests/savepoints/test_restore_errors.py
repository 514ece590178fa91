"""A restore that cannot work says why, with Flink's text first: missing, foreign, damaged or newer files;
state no operator claims; a changed max parallelism; a state declared with another type; pickled values."""
from __future__ import annotations

import os

import pytest

import flowlab
from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.functions import KeyedProcessFunction, RuntimeContext
from flowlab.datastream.state import ValueStateDescriptor
from flowlab.runtime.checkpointing.file_format import CheckpointFileError
from flowlab.runtime.checkpointing.restore import StateRestoreError
from flowlab.runtime.simulation.errors import JobExecutionException
from flowlab.runtime.state.snapshot_codec import PickleRefusedError
from flowlab.sources import ScriptedSource
from tests.savepoints.jobs import conf, counting_env, final_counts, splits


def _savepoint(tmp_path, env: StreamExecutionEnvironment | None = None, until_ms: int = 250) -> str:
    sim = flowlab.Simulation(env if env is not None else counting_env(2, interval=0))
    sim.run(until_ms=until_ms)
    return sim.stop_with_savepoint(False, str(tmp_path / "sp"))


def test_a_path_that_does_not_exist(tmp_path) -> None:
    missing = str(tmp_path / "nope")
    with pytest.raises(FileNotFoundError) as err:
        flowlab.Simulation(counting_env(2, interval=0, restore=missing))
    assert str(err.value) == (
        f"Cannot find checkpoint or savepoint file/directory '{missing}' on file system 'file'. "
        "(execution.state-recovery.path must name a savepoint directory — savepoint-<6 hex>-<12 hex> — a retained "
        "checkpoint directory chk-<n>, or the _metadata file in one.)")


def test_a_directory_that_is_no_savepoint(tmp_path) -> None:
    path = _savepoint(tmp_path)
    parent = os.path.dirname(path)
    with pytest.raises(FileNotFoundError) as err:
        flowlab.Simulation(counting_env(2, interval=0, restore=parent))
    assert str(err.value) == (
        f"Cannot find meta data file '_metadata' in directory '{parent}'. Please try to load the checkpoint/savepoint "
        f"directly from the metadata file instead of the directory. It holds {os.path.basename(path)}: name one of "
        "those. (A chk-<n> directory without _metadata is a checkpoint that never completed.)")


def test_a_file_that_is_no_checkpoint(tmp_path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(CheckpointFileError) as err:
        flowlab.Simulation(counting_env(2, interval=0, restore=str(other)))
    assert str(err.value) == f"checkpoint file '{other}' is not a flowlab checkpoint file: it has no header line"


@pytest.mark.parametrize("damage, problem", [
    ("truncate", "is truncated: it holds {kept:,} of the {length:,} bytes its header announces (a crash while "
                 "writing, or a copy cut short); use another checkpoint"),
    ("flip", "is corrupted: its content does not match the SHA-256 checksum in its header (a changed or damaged "
             "file); use another checkpoint"),
    ("version", "has format version 9; this flowlab reads version 1 and older: read it with a newer flowlab"),
])
def test_a_damaged_or_newer_metadata_file(tmp_path, damage, problem) -> None:
    path = _savepoint(tmp_path)
    meta = os.path.join(path, "_metadata")
    with open(meta, "rb") as f:
        data = f.read()
    header, body = data.split(b"\n", 1)
    length = len(body)
    if damage == "truncate":
        data = data[:-100]
    elif damage == "flip":
        data = header + b"\n" + body.replace(b'"count"', b'"COUNT"', 1)
    else:
        data = data.replace(b" v1 ", b" v9 ", 1)
    with open(meta, "wb") as f:
        f.write(data)
    with pytest.raises(CheckpointFileError) as err:
        flowlab.Simulation(counting_env(2, interval=0, restore=path))
    assert str(err.value) == f"checkpoint file '{meta}' " + problem.format(kept=length - 100, length=length)


def test_state_of_an_operator_the_job_no_longer_has(tmp_path) -> None:
    """The count moved to another uid: Flink's message; with ignore-unclaimed-state the state is dropped (the
    trace says which) and counts start again from 1."""
    path = _savepoint(tmp_path)
    with pytest.raises(StateRestoreError) as err:
        flowlab.Simulation(counting_env(2, interval=0, restore=path, uid="counter-v2"))
    assert str(err.value) == (
        f"Failed to rollback to checkpoint/savepoint {path}. Cannot map checkpoint/savepoint state for operator "
        "b71731f1c0df9c3076c4a455334d0ad6 to the new program, because the operator is not available in the new "
        "program. If you want to allow to skip this, you can set the --allowNonRestoredState option on the CLI. "
        "(The state was written by operator 'count' with uid 'count'. Give the operator that should take it over "
        "the same uid, or set execution.state-recovery.ignore-unclaimed-state: true to drop it.)")
    sim = flowlab.Simulation(counting_env(2, interval=0, restore=path, uid="counter-v2",
                                          **{"execution.state-recovery.ignore-unclaimed-state": "true"}))
    sim.run()
    note = sim.trace[sim.trace.kind == "state_restored"].iloc[0]
    assert note.detail.endswith("state not claimed by any operator dropped (ignore-unclaimed-state): 'count' "
                                "(b71731f1c0df9c3076c4a455334d0ad6)")
    assert note.data["dropped"] == ["b71731f1c0df9c3076c4a455334d0ad6"]
    firsts = {}
    for key, n, _ in sim.outputs("out"):
        firsts.setdefault(key, n)
    assert set(firsts.values()) == {1}


def _with_extra_map(restore: str) -> StreamExecutionEnvironment:
    """The counting job (uid only on the source), with a map added before key_by: a structural change."""
    env = StreamExecutionEnvironment.get_execution_environment(conf(**{"execution.state-recovery.path": restore}))
    env.set_parallelism(2)
    src = env.from_source(ScriptedSource(partitions=splits()), WatermarkStrategy.no_watermarks(), "src").uid("src")
    src = src.map(lambda r: r).name("copy")
    from tests.savepoints.jobs import Count
    src.key_by(lambda r: r[0], key_type=Types.STRING()).process(
        Count(), output_type=Types.TUPLE([Types.STRING(), Types.LONG(), Types.INT()])).name("count") \
        .add_sink(lambda v: None).name("out")
    return env


def test_without_uids_a_structural_change_breaks_the_mapping(tmp_path) -> None:
    path = _savepoint(tmp_path, counting_env(2, interval=0, uid=None))
    with pytest.raises(StateRestoreError) as err:
        flowlab.Simulation(_with_extra_map(path))
    assert "Cannot map checkpoint/savepoint state for operator" in str(err.value)
    assert str(err.value).endswith("(The state was written by operator 'count' without a uid. Give the "
                                   "operator that should take it over the same uid, or set "
                                   "execution.state-recovery.ignore-unclaimed-state: true to drop it.)")
    unchanged = flowlab.Simulation(counting_env(2, interval=0, uid=None, restore=path))
    unchanged.run()
    assert unchanged.job_status == "FINISHED"


def test_an_explicitly_changed_max_parallelism(tmp_path) -> None:
    first = counting_env(2, interval=0)
    first.set_max_parallelism(256)
    path = _savepoint(tmp_path, first)
    again = counting_env(2, interval=0, restore=path)
    again.set_max_parallelism(128)
    with pytest.raises(StateRestoreError) as err:
        flowlab.Simulation(again)
    assert str(err.value).startswith(
        f"Failed to rollback to checkpoint/savepoint {path}. Max parallelism mismatch between checkpoint/savepoint "
        "state and new program. Cannot map operator ")
    assert "with max parallelism 256 to new program with max parallelism 128. This indicates that the program " \
           "has been changed in a non-compatible way after the checkpoint/savepoint." in str(err.value)


def test_a_derived_max_parallelism_takes_the_stored_one(tmp_path) -> None:
    """Written with max parallelism 256, restored without one set: Flink takes 256 over (a key keeps its group)."""
    first = counting_env(2, interval=0)
    first.set_max_parallelism(256)
    path = _savepoint(tmp_path, first)
    sim = flowlab.Simulation(counting_env(3, interval=0, restore=path))
    assert {v.max_parallelism for v in sim.job_graph.vertices} == {256}
    sim.run()
    whole = flowlab.Simulation(counting_env(2, interval=0))
    whole.run()
    assert final_counts(sim.outputs("out")) == final_counts(whole.outputs("out"))


def test_a_parallelism_above_the_stored_max_parallelism(tmp_path) -> None:
    first = counting_env(2, interval=0)
    first.set_max_parallelism(4)
    path = _savepoint(tmp_path, first)
    with pytest.raises(StateRestoreError) as err:
        flowlab.Simulation(counting_env(6, interval=0, restore=path))
    assert "can not be restored. The maximum parallelism (4) of the restored state is lower than the configured " \
           "parallelism (6). Please reduce the parallelism of the task to be lower or equal to the maximum " \
           "parallelism." in str(err.value)


class CountAsString(KeyedProcessFunction):
    """The count's state declared with another type than it was written with (LONG -> STRING)."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.STRING()))

    def process_element(self, value, ctx):
        yield value[0], 0, 0


def test_a_state_declared_with_another_type(tmp_path) -> None:
    path = _savepoint(tmp_path)
    env = StreamExecutionEnvironment.get_execution_environment(conf(**{"execution.state-recovery.path": path}))
    env.set_parallelism(2)
    src = env.from_source(ScriptedSource(partitions=splits()), WatermarkStrategy.no_watermarks(), "src").uid("src")
    src.key_by(lambda r: r[0], key_type=Types.STRING()).process(CountAsString()).uid("count").name("count") \
        .add_sink(lambda v: None).name("out")
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    assert ("StateMigrationError: For heap backends, the new state serializer (String) must not be incompatible "
            "with the old state serializer (Long). State 'count' of operator 'n") in str(err.value)


class Holder:
    """A value that is not plain data: pickled into the savepoint."""

    def __init__(self, n: int) -> None:
        self.n = n


class CountInObject(KeyedProcessFunction):
    def open(self, runtime_context: RuntimeContext) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.PICKLED_BYTE_ARRAY()))

    def process_element(self, value, ctx):
        h = self.count.value() or Holder(0)
        self.count.update(Holder(h.n + 1))
        yield value[0], h.n + 1, 0


def _object_env(restore: str | None = None, **extra) -> StreamExecutionEnvironment:
    keys = dict(extra)
    if restore:
        keys["execution.state-recovery.path"] = restore
    env = StreamExecutionEnvironment.get_execution_environment(conf(**keys))
    env.set_parallelism(2)
    src = env.from_source(ScriptedSource(partitions=splits()), WatermarkStrategy.no_watermarks(), "src").uid("src")
    src.key_by(lambda r: r[0], key_type=Types.STRING()).process(CountInObject()).uid("count").name("count") \
        .add_sink(lambda v: None).name("out")
    return env


def test_a_savepoint_with_pickled_state_is_refused_unless_the_user_opts_in(tmp_path) -> None:
    path = _savepoint(tmp_path, _object_env())
    with pytest.raises(PickleRefusedError) as err:
        flowlab.Simulation(_object_env(path))
    assert str(err.value).endswith(
        "holds a pickled value (state that is not plain data), and this run did not write it: unpickling runs code "
        "from the file. If you trust the file, set flowlab.checkpointing.unpickle-foreign-files: true.")
    sim = flowlab.Simulation(_object_env(path, **{"flowlab.checkpointing.unpickle-foreign-files": "true"}))
    sim.run()
    assert sim.job_status == "FINISHED"
    assert final_counts(sim.outputs("out"))["k0"] == 11


def test_a_new_stateful_operator_starts_empty_and_the_rest_is_restored(tmp_path) -> None:
    """A second keyed count (new uid) added to the job: it has no state in the savepoint and starts from 0; the
    old one goes on."""
    from tests.savepoints.jobs import Count
    path = _savepoint(tmp_path)
    whole = flowlab.Simulation(counting_env(2, interval=0))
    whole.run()
    env2 = StreamExecutionEnvironment.get_execution_environment(conf(**{"execution.state-recovery.path": path}))
    env2.set_parallelism(2)
    s = env2.from_source(ScriptedSource(partitions=splits()), WatermarkStrategy.no_watermarks(), "src").uid("src")
    keyed = s.key_by(lambda r: r[0], key_type=Types.STRING())
    out_type = Types.TUPLE([Types.STRING(), Types.LONG(), Types.INT()])
    keyed.process(Count(), output_type=out_type).uid("count").name("count").add_sink(lambda v: None).name("out")
    keyed.process(Count(), output_type=out_type).uid("count-again").name("again").add_sink(lambda v: None) \
        .name("out2")
    restored = flowlab.Simulation(env2)
    restored.run()
    assert final_counts(restored.outputs("out")) == final_counts(whole.outputs("out"))
    firsts = {}
    for key, n, _ in restored.outputs("out2"):
        firsts.setdefault(key, n)
    assert set(firsts.values()) == {1}


def test_batch_mode_ignores_the_restore_path_and_says_so(tmp_path) -> None:
    path = _savepoint(tmp_path)
    env = counting_env(2, interval=0, restore=path, **{"execution.runtime-mode": "BATCH"})
    sim = flowlab.Simulation(env)
    sim.run()
    assert ("execution.state-recovery.path is ignored in BATCH mode: the job starts without the state of "
            "savepoint 1 (BATCH keeps no state between stages and takes no checkpoints).") in sim.notes
