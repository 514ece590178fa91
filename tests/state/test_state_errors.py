"""One name is one state; state needs a key; clear errors where Flink or PyFlink would fail."""
from __future__ import annotations

import flowlab
from flowlab.common import Configuration, Types
from flowlab.datastream import KeyedProcessFunction, ProcessFunction, StreamExecutionEnvironment
from flowlab.datastream.state import ListStateDescriptor, ValueStateDescriptor
from tests.state.state_jobs import ListSink


class TwoDescriptors(KeyedProcessFunction):
    """Writes through the first descriptor, reads through the second."""

    def __init__(self, first, second) -> None:
        self.first, self.second = first, second

    def open(self, runtime_context):
        get = {"value": runtime_context.get_state, "list": runtime_context.get_list_state}
        self.a = get[self.first.kind](self.first)
        self.b = get[self.second.kind](self.second)

    def process_element(self, value, ctx):
        self.a.update(value[1])
        yield self.b.value()


def run(function, values=(("k", 7),), conf=None) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    out: list = []
    env.from_collection(list(values)).key_by(lambda r: r[0]).process(function).add_sink(ListSink(out))
    sim = flowlab.Simulation(env)
    sim.run()
    sim.out = out
    return sim


def test_same_name_same_kind_and_type_is_one_state() -> None:
    """Two ValueStateDescriptor('n', LONG) objects address the same state."""
    sim = run(TwoDescriptors(ValueStateDescriptor("n", Types.LONG()), ValueStateDescriptor("n", Types.LONG())))
    assert sim.out == [7]


def test_untyped_and_pickled_are_the_same_type() -> None:
    """No type and Types.PICKLED_BYTE_ARRAY() are the same (both pickled in PyFlink)."""
    sim = run(TwoDescriptors(ValueStateDescriptor("n"), ValueStateDescriptor("n", Types.PICKLED_BYTE_ARRAY())))
    assert sim.out == [7]


def test_same_name_different_kind_fails_with_both_kinds() -> None:
    """ValueState 'n' then ListState 'n': the error names both kinds and quotes PyFlink."""
    sim = run(TwoDescriptors(ValueStateDescriptor("n", Types.LONG()), ListStateDescriptor("n", Types.LONG())))
    assert ("StateNameError: Two state descriptors are named 'n' in operator 'n3', but it is already a ValueState "
            "(ValueStateDescriptor), and here it is asked for as a ListState (ListStateDescriptor). PyFlink: "
            "\"The state name 'n' is already in use and not a ListState.\" One name is one state: give each state "
            "its own name, or use the same kind and type everywhere.") in sim.failure


def test_same_name_different_type_fails_with_both_types() -> None:
    """ValueState 'n' of LONG then of STRING: 'State name corrupted', with both types."""
    sim = run(TwoDescriptors(ValueStateDescriptor("n", Types.LONG()), ValueStateDescriptor("n", Types.STRING())))
    assert ("but it already holds values of type Long, and here it is declared with String. PyFlink: \"State name "
            "corrupted: n\".") in sim.failure


class ReadsInOpen(KeyedProcessFunction):
    def open(self, runtime_context):
        runtime_context.get_state(ValueStateDescriptor("n")).value()

    def process_element(self, value, ctx):
        yield value


def test_state_access_outside_a_keyed_context_fails_with_flinks_message() -> None:
    """Reading keyed state in open() (no current key) fails: "No key set. ..." and where to use state."""
    sim = run(ReadsInOpen())
    assert ("RuntimeError: No key set. This method should not be called outside of a keyed context. Keyed state and "
            "timers belong to the key of the element being processed: use them in process_element, on_timer or a "
            "window function — not in open(), close() or process_broadcast_element, where there is no current "
            "key.") in sim.failure


class NonKeyed(ProcessFunction):
    def open(self, runtime_context):
        self.s = runtime_context.get_state(ValueStateDescriptor("n"))

    def process_element(self, value, ctx):
        yield value


def test_keyed_state_on_a_non_keyed_stream_says_to_key_it() -> None:
    """get_state in a plain ProcessFunction fails: state needs key_by()."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1]).process(NonKeyed()).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert ("Keyed state can only be used on a 'keyed stream', i.e., after a 'key_by()' operation; 'Process' is not "
            "keyed, so it has no key to scope state to. Key the stream first, e.g. "
            "ds.key_by(lambda r: r[0]).process(MyKeyedProcessFunction()).") in sim.failure


def test_unknown_state_backend_lists_the_valid_ones() -> None:
    """state.backend.type: rocks -> an error naming the key, the value and hashmap/rocksdb."""
    conf = Configuration()
    conf.set_string("state.backend.type", "rocks")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.from_collection([1]).print()
    try:
        flowlab.Simulation(env)
    except ValueError as exc:
        text = str(exc)
    assert text == ("Unknown state backend 'rocks' in state.backend.type: 'rocks' is not a state backend. Valid "
                    "values: 'hashmap' (the default: state as objects in the TaskManager's memory) and 'rocksdb' "
                    "(state as bytes in an embedded RocksDB on local disk). (Flink reports: Cannot find configured "
                    "state backend factory class: rocks)")


def test_flink_1x_backend_name_is_explained() -> None:
    """state.backend: filesystem (Flink 1.x) -> says what it became in 2.x."""
    conf = Configuration()
    conf.set_string("state.backend", "filesystem")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.from_collection([1]).print()
    try:
        flowlab.Simulation(env)
    except ValueError as exc:
        text = str(exc)
    assert text.startswith("Unknown state backend 'filesystem' in state.backend: 'filesystem' was Flink 1.x's name "
                           "for FsStateBackend; since Flink 1.13 that is state.backend.type: hashmap with "
                           "execution.checkpointing.dir: <path>.")


def test_deprecated_key_state_backend_still_selects_rocksdb() -> None:
    """state.backend (the deprecated key) is read when state.backend.type is unset."""
    conf = Configuration()
    conf.set_string("state.backend", "RocksDB")
    sim = run(TwoDescriptors(ValueStateDescriptor("n"), ValueStateDescriptor("n")), conf=conf)
    assert (sim.runtime.state_backends.kind, sim.out) == ("rocksdb", [7])
