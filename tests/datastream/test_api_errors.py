"""Mistakes in a program are reported early, with messages that say what to fix."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Types
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.graph.stream_graph import GraphError


def _env(parallelism: int = 1) -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    return env


def test_empty_job_raises_no_operators_defined():
    """execute() with no operators: Flink's "No operators defined in streaming topology"."""
    with pytest.raises(GraphError, match="No operators defined in streaming topology"):
        _env().execute()


def test_env_set_parallelism_zero_rejected():
    """env.set_parallelism(0) raises, naming the bound."""
    with pytest.raises(ValueError, match="at least 1"):
        _env().set_parallelism(0)


def test_operator_set_parallelism_zero_rejected():
    """ds.map(...).set_parallelism(0) raises, naming the bound."""
    ds = _env().from_collection([1]).map(lambda x: x)
    with pytest.raises(ValueError, match="at least 1"):
        ds.set_parallelism(0)


def test_env_parallelism_above_max_parallelism_rejected():
    """With max parallelism 4, env.set_parallelism(8) raises naming both numbers."""
    env = _env()
    env.set_max_parallelism(4)
    with pytest.raises(ValueError, match=r"\(8\).*max parallelism \(4\)"):
        env.set_parallelism(8)


def test_operator_parallelism_above_max_parallelism_fails_the_build():
    """An operator at p=8 with max parallelism 4 is rejected when the graph is built, naming the operator."""
    env = _env()
    env.from_collection([1]).map(lambda x: x).set_parallelism(8).set_max_parallelism(4).print()
    with pytest.raises(GraphError, match="Operator 'Map'"):
        env.get_job_graph()


def test_collection_source_parallelism_cannot_change():
    """from_collection is non-parallel: set_parallelism(2) on it raises."""
    ds = _env().from_collection([1])
    with pytest.raises(ValueError, match="non parallel operator"):
        ds.set_parallelism(2)


def test_key_selector_returning_list_fails_job_mentioning_hashable():
    """A key selector returning a list: the job fails and the message says the key is not hashable."""
    env = _env(2)
    env.from_collection([(1, 2), (3, 4)]).key_by(lambda t: list(t)).map(lambda x: x).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FAILED"
    assert "not hashable" in sim.failure and "list" in sim.failure


def test_union_with_stream_of_other_environment_rejected():
    """union() across environments raises naming "different execution environments"."""
    a = _env().from_collection([1])
    b = _env().from_collection([2])
    with pytest.raises(ValueError, match="different execution environments"):
        a.union(b)


def test_union_of_different_declared_types_rejected():
    """union() of an INT stream with a STRING stream raises naming both types."""
    env = _env()
    a = env.from_collection([1], Types.INT())
    b = env.from_collection(["x"], Types.STRING())
    with pytest.raises(TypeError, match="different types") as info:
        a.union(b)
    assert "INT" in str(info.value).upper() and "STRING" in str(info.value).upper()


def test_sum_position_out_of_range_raises_at_build_time():
    """sum(5) on a Tuple(STRING, INT) stream raises immediately, listing the valid positions."""
    ds = _env().from_collection([("a", 1)], Types.TUPLE([Types.STRING(), Types.INT()]))
    with pytest.raises(IndexError, match=r"2 fields \(positions 0\.\.1\)"):
        ds.key_by(lambda t: t[0]).sum(5)


def test_sum_unknown_field_name_raises_key_error_naming_fields():
    """sum("nope") on ROW_NAMED(['word', 'count']) raises KeyError listing the fields."""
    from flowlab.common import Row
    row_type = Types.ROW_NAMED(["word", "count"], [Types.STRING(), Types.INT()])
    ds = _env().from_collection([Row(word="a", count=1)], row_type)
    with pytest.raises(KeyError) as info:
        ds.key_by(lambda r: r.word).sum("nope")
    message = str(info.value)
    assert "'nope'" in message and "word" in message and "count" in message


def test_from_collection_element_not_matching_type_rejected():
    """from_collection([1, "x"], INT) raises naming the element index and value."""
    with pytest.raises(TypeError, match=r"element 1 \('x'\)"):
        _env().from_collection([1, "x"], Types.INT())


def test_keyed_stream_set_parallelism_raises():
    """KeyedStream is not an operator: set_parallelism on it raises and points to the next operator."""
    keyed = _env().from_collection([1]).key_by(lambda x: x)
    with pytest.raises(ValueError, match="Set parallelism for KeyedStream is not supported"):
        keyed.set_parallelism(2)


def test_keyed_stream_cannot_be_repartitioned():
    """rebalance() on a KeyedStream raises "Cannot override partitioning"."""
    keyed = _env().from_collection([1]).key_by(lambda x: x)
    with pytest.raises(ValueError, match="Cannot override partitioning for KeyedStream"):
        keyed.rebalance()


def test_custom_partitioner_out_of_range_fails_job():
    """A custom partitioner returning 7 for 2 channels fails the job naming the valid range."""
    env = _env(2)
    env.from_collection([1]).partition_custom(lambda k, n: 7, lambda x: x).map(lambda x: x).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FAILED"
    assert "returned 7" in sim.failure and "0..1" in sim.failure


def test_process_function_returning_a_non_iterable_says_to_yield():
    """A process_element that returns an int fails the job with a hint to yield, not a bare TypeError."""
    import flowlab
    from flowlab.datastream import ProcessFunction, StreamExecutionEnvironment

    class Returns(ProcessFunction):
        def process_element(self, value, ctx):
            return value * 2

    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1, 2]).process(Returns()).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FAILED"
    assert "must `yield` their results" in sim.failure


def test_flowlab_checks_fail_without_flowlab_frames():
    """When flowlab's own check fails (no user frame involved) the failure is the message, not a traceback."""
    import flowlab
    from flowlab.datastream import StreamExecutionEnvironment
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([("a", 1)]).key_by(lambda t: [t[0]]).sum(1).print()
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FAILED"
    assert "hashable" in sim.failure
    assert "flowlab/runtime" not in sim.failure


def test_one_argument_timestamp_assigner_is_refused_with_the_signature():
    """with_timestamp_assigner(lambda v: ...) names the (value, record_timestamp) signature."""
    import pytest

    from flowlab.common import WatermarkStrategy
    with pytest.raises(TypeError, match=r"f\(value, record_timestamp\)"):
        WatermarkStrategy.for_monotonous_timestamps().with_timestamp_assigner(lambda v: v[1])


def test_dynamic_session_gap_returns_the_dynamic_assigner():
    """with_dynamic_gap returns DynamicEventTimeSessionWindows / DynamicProcessingTimeSessionWindows, as in PyFlink."""
    from flowlab.datastream.window import (
        DynamicEventTimeSessionWindows,
        DynamicProcessingTimeSessionWindows,
        EventTimeSessionWindows,
        ProcessingTimeSessionWindows,
    )
    assert type(EventTimeSessionWindows.with_dynamic_gap(lambda e: 5)) is DynamicEventTimeSessionWindows
    assert type(ProcessingTimeSessionWindows.with_dynamic_gap(lambda e: 5)) is DynamicProcessingTimeSessionWindows


def test_set_parallelism_true_is_refused():
    """True is an int to Python, not a parallelism: ds.set_parallelism(True) raises naming the type."""
    ds = _env().from_collection([1]).map(lambda x: x)
    with pytest.raises(TypeError, match=r"^The parallelism must be an int \(the number of parallel subtasks\), got "
                                        r"bool True\.$"):
        ds.set_parallelism(True)


def test_env_set_parallelism_true_is_refused():
    """env.set_parallelism(True) raises too."""
    with pytest.raises(ValueError, match=r"The parallelism must be at least 1, got True"):
        _env().set_parallelism(True)


def test_config_set_parallelism_true_is_refused():
    """env.get_config().set_parallelism(True) raises instead of storing 1."""
    with pytest.raises(ValueError, match=r"The parallelism must be an int of at least 1, got True"):
        _env().get_config().set_parallelism(True)


@pytest.mark.parametrize("cost", [float("nan"), float("inf")])
def test_a_processing_cost_that_is_not_finite_is_refused(cost):
    """set_processing_cost(nan) used to fail later with 'cannot convert float NaN to integer'."""
    ds = _env().from_collection([1]).map(lambda x: x)
    with pytest.raises(ValueError, match=r"the processing cost must be a finite number >= 0 ms per record, got "):
        ds.set_processing_cost(cost)


def test_a_processing_cost_given_as_text_is_refused():
    """set_processing_cost('1') raises naming the type."""
    ds = _env().from_collection([1]).map(lambda x: x)
    with pytest.raises(TypeError, match=r"the processing cost must be a number of ms per record, got str '1'"):
        ds.set_processing_cost("1")
