"""Records are copied where Flink serialises them; PyFlink's fused Python operators share them."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.datastream import MapFunction, StreamExecutionEnvironment
from flowlab.runtime import JobExecutionException
from flowlab.runtime.records import RecordNotSerializableError, copy_record


def _append_nine(record: list) -> list:
    record.append(9)
    return record


def test_a_map_mutating_its_input_does_not_change_the_collection():
    """from_collection hands the job its own copies: the user's list keeps its values."""
    data = [[1], [2]]
    env = StreamExecutionEnvironment.get_execution_environment()
    got = list(env.from_collection(data).map(_append_nine).execute_and_collect())
    assert got == [[1, 9], [2, 9]]
    assert data == [[1], [2]]


def test_changing_the_list_after_from_collection_does_not_reach_the_job():
    """PyFlink pickles the collection when from_collection is called; later changes are not seen."""
    data = [[1]]
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_collection(data)
    data[0].append(5)
    assert list(ds.execute_and_collect()) == [[1]]


def test_a_replay_after_back_repeats_the_run():
    """Going back and running again gives the same outputs (the source's records were never mutated)."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([[1], [2]]).map(_append_nine).print()
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    first = sim.printed_lines()
    sim.back(sim.step_count)
    sim.run()
    assert first == ["[1, 9]", "[2, 9]"]
    assert sim.printed_lines() == first


class _TagWithSubtask(MapFunction):
    def open(self, runtime_context):
        self.index = runtime_context.get_index_of_this_subtask()

    def map(self, value):
        value.append(self.index)
        return value


def test_broadcast_copies_do_not_alias_each_other():
    """Each of 2 subtasks receives its own copy of a broadcast record: each appends only its own index."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([[0]]).broadcast().map(_TagWithSubtask()).set_parallelism(2).print()
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    assert sorted(sim.printed_lines()) == ["[0, 0]", "[0, 1]"]


def _two_chained_consumers(object_reuse: bool) -> list[str]:
    """A map with two chained consumers; the first mutates its input, the second prints what it got."""
    env = StreamExecutionEnvironment.get_execution_environment()
    if object_reuse:
        env.get_config().enable_object_reuse()
    made = env.from_collection([1]).map(lambda x: [x])
    made.map(_append_nine).add_sink(lambda v: None)
    made.map(lambda r: list(r)).print()
    sim = flowlab.Simulation(env, seed=0)
    sim.run()
    return sim.printed_lines()


def test_chained_consumers_get_their_own_copies():
    """Without object reuse the second consumer sees [1], not the first consumer's [1, 9]."""
    assert _two_chained_consumers(object_reuse=False) == ["[1]"]


def test_object_reuse_hands_the_same_record_to_chained_consumers():
    """With enable_object_reuse() both chained consumers share one object: the second sees [1, 9]."""
    assert _two_chained_consumers(object_reuse=True) == ["[1, 9]"]


class _Remember(MapFunction):
    """Emits the same list every time, with one more element."""

    def open(self, runtime_context):
        self.seen = []

    def map(self, value):
        self.seen.append(value)
        return self.seen


def test_fused_python_operators_share_the_record():
    """PyFlink fuses map -> map into one Python operator: the second map's pop() empties the first's list."""
    env = StreamExecutionEnvironment.get_execution_environment()
    out = env.from_collection([1, 2]).map(_Remember()).map(lambda lst: (lst.pop(), len(lst)))
    assert list(out.execute_and_collect()) == [(1, 0), (2, 0)]


def test_an_operator_with_two_consumers_is_not_fused():
    """With a second consumer PyFlink serialises: the pop() works on a copy and the list keeps growing."""
    env = StreamExecutionEnvironment.get_execution_environment()
    remembered = env.from_collection([1, 2]).map(_Remember())
    remembered.add_sink(lambda v: None)
    out = remembered.map(lambda lst: (lst.pop(), len(lst)))
    assert list(out.execute_and_collect()) == [(1, 0), (2, 1)]


def test_immutable_records_are_never_copied():
    """A tuple of str and int is passed on as the same object; a list is copied."""
    record, mutable = ("a", 1, (2.5, None)), ["a"]
    assert copy_record(record) is record
    assert copy_record(mutable) == mutable and copy_record(mutable) is not mutable


def test_a_record_that_cannot_be_pickled_fails_naming_the_operator():
    """A map emitting a generator fails the job: the operator, the record and what to do are named."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([3]).map(lambda x: (i for i in range(x))).name("make gen").print()
    with pytest.raises(JobExecutionException,
                       match=r"make gen: the record <generator object .* cannot be serialized \(TypeError: "
                             r"cannot pickle 'generator' object\)\. PyFlink pickles every record"):
        env.execute()


def test_from_collection_of_unpicklable_elements_fails_at_once():
    """from_collection pickles its elements when called, as PyFlink does: a generator fails right there."""
    env = StreamExecutionEnvironment.get_execution_environment()
    with pytest.raises(RecordNotSerializableError, match=r"^from_collection: the record <generator object"):
        env.from_collection([(i for i in range(2))])
