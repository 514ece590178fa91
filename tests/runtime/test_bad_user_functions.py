"""User functions that return the wrong thing fail clearly instead of being silently wrong."""
from __future__ import annotations

import pytest

from flowlab.common import Time, Types
from flowlab.datastream import (
    CoFlatMapFunction,
    OutputTag,
    ProcessFunction,
    StreamExecutionEnvironment,
)
from flowlab.datastream.window import TumblingProcessingTimeWindows
from flowlab.runtime import JobExecutionException

LATE = OutputTag("small", Types.INT())


def _env() -> StreamExecutionEnvironment:
    return StreamExecutionEnvironment.get_execution_environment()


def _fails(env: StreamExecutionEnvironment) -> str:
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    return str(err.value)


def _forgot_return(a, b):
    (a[0], a[1] + b[1])           # noqa: B018 - the classic slip: no `return`


def test_a_rolling_reduce_returning_none_fails_naming_the_key():
    """A reduce without `return` used to restart the key's sum silently; now the job fails and says why."""
    env = _env()
    env.from_collection([("a", 1), ("a", 2)]).key_by(lambda t: t[0]).reduce(_forgot_return).print()
    assert ("Keyed Reduce: the reduce function returned None for key 'a'. It must return the combined value of "
            "its two arguments, e.g. lambda a, b: (a[0], a[1] + b[1]). Did you forget `return`?") in _fails(env)


def test_a_window_reduce_returning_none_fails():
    """The same slip inside a window reduce fails too."""
    env = _env()
    (env.from_collection([("a", 1), ("a", 2)]).key_by(lambda t: t[0])
     .window(TumblingProcessingTimeWindows.of(Time.milliseconds(1000))).reduce(_forgot_return).print())
    assert "the reduce function returned None for key 'a'" in _fails(env)


def test_a_flat_map_returning_none_fails():
    """PyFlink iterates what flat_map returns, so None fails there as well: here with a hint."""
    env = _env()
    env.from_collection(["a b"]).flat_map(lambda s: print(s)).print()
    assert ("FlatMap: the flat_map function returned None. It must yield its results or return an iterable "
            "(e.g. a list); to emit nothing, return []. Did you forget `return` or `yield`?") in _fails(env)


class _CoSplit(CoFlatMapFunction):
    def flat_map1(self, value):
        return value.split()

    def flat_map2(self, value):
        value.split()                 # forgot to return


def test_a_co_flat_map_returning_none_fails():
    """flat_map2 returning None fails the connected stream's operator."""
    env = _env()
    env.from_collection(["a"]).connect(env.from_collection(["b c"])).flat_map(_CoSplit()).print()
    assert "the flat_map function returned None" in _fails(env)


class _Emit(ProcessFunction):
    def __init__(self, make):
        self.make = make

    def process_element(self, value, ctx):
        yield self.make(value)


def _with_side_output(make) -> StreamExecutionEnvironment:
    env = _env()
    main = env.from_collection([1]).process(_Emit(make))
    main.print()
    main.get_side_output(LATE).print()
    return env


def test_a_tag_value_list_is_refused():
    """``[tag, v]`` used to reach the main output unremarked; now it fails, showing the tuple form."""
    assert ("Process: the function yielded the list [OutputTag('small', Integer), 1]. To send a value to side "
            "output 'small', yield a tuple of two: `yield tag, value`; anything else goes to the main output."
            ) in _fails(_with_side_output(lambda v: [LATE, v]))


def test_a_bare_tag_is_refused():
    """Yielding the OutputTag itself is refused."""
    assert "Process: the function yielded the OutputTag itself." in _fails(_with_side_output(lambda v: LATE))


def test_a_tag_with_two_values_is_refused():
    """``(tag, a, b)`` is not a side-output pair."""
    assert "yielded the 3-tuple" in _fails(_with_side_output(lambda v: (LATE, v, v)))


def test_a_tag_value_tuple_goes_to_the_side_output():
    """``(tag, v)`` is the way: the value reaches the side output only."""
    env = _with_side_output(lambda v: (LATE, v))
    import flowlab
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.printed_lines() == ["1"]
    assert sim.job_status == "FINISHED"


class _OnlyState(ProcessFunction):
    def process_element(self, value, ctx):
        return None


def test_a_process_function_returning_none_emits_nothing():
    """As in PyFlink, a process function may return None: nothing is emitted and nothing fails."""
    env = _env()
    assert list(env.from_collection([1, 2]).process(_OnlyState()).execute_and_collect()) == []


def test_an_event_time_beyond_javas_long_fails():
    """A timestamp assigner returning 2**63 fails naming the value (it used to lose its windows silently)."""
    from flowlab.common import Duration, WatermarkStrategy
    env = _env()
    strategy = (WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(10))
                .with_timestamp_assigner(lambda v, _ts: v))
    env.from_collection([2 ** 63]).assign_timestamps_and_watermarks(strategy).print()
    assert ("The timestamp assigner returned 9223372036854775808 for 9223372036854775808, outside Java's long "
            "range (-9223372036854775808..9223372036854775807)") in _fails(env)
