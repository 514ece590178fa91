"""Bad arguments to the Simulation raise a clear error before anything moves (issue 7, section 6)."""
from __future__ import annotations

import math

import pytest

import flowlab
from flowlab.common import Types
from flowlab.datastream import StreamExecutionEnvironment


def _sim(**kwargs) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1, 2, 3], Types.INT()).map(lambda x: x + 1).print()
    return flowlab.Simulation(env, **kwargs)


def test_step_minus_one_raises_and_points_to_back():
    """step(-1) raises ValueError naming back(1); the simulation did not move."""
    sim = _sim()
    sim.step(3)
    with pytest.raises(ValueError, match=r"^step\(n\) must be >= 0, got -1\. To go back, use back\(1\)\.$"):
        sim.step(-1)
    assert sim.step_count == 3


def test_step_with_a_fraction_raises():
    """step(2.5) raises TypeError: a step count is a whole number."""
    sim = _sim()
    with pytest.raises(TypeError, match=r"^step\(n\) must be a whole number of steps \(an int\), got 2\.5\. "):
        sim.step(2.5)
    assert sim.step_count == 0


def test_step_with_a_bool_raises():
    """step(True) is not taken as one step."""
    with pytest.raises(TypeError, match=r"got True \(bool\)"):
        _sim().step(True)


def test_back_with_a_negative_count_raises_instead_of_stepping_forward():
    """back(-3) raises (it used to step forward 3 steps) and points to step(3)."""
    sim = _sim()
    sim.step(5)
    with pytest.raises(ValueError, match=r"^back\(n\) must be >= 0, got -3\. To go forward, use step\(3\)\.$"):
        sim.back(-3)
    assert sim.step_count == 5


def test_goto_with_a_negative_step_raises():
    """goto(-1) raises ValueError."""
    with pytest.raises(ValueError, match=r"^goto\(step\) must be >= 0, got -1\.$"):
        _sim().goto(-1)


def test_break_on_an_unknown_kind_raises_listing_the_known_kinds():
    """break_on('window_fired') raises, suggests 'window_fire' and lists every kind; no breakpoint is added."""
    sim = _sim()
    with pytest.raises(ValueError) as err:
        sim.break_on("window_fired")
    text = str(err.value)
    assert text.startswith("break_on('window_fired'): no event has kind 'window_fired', so the breakpoint would "
                           "never stop run(). Did you mean 'window_fire'? Known kinds: ")
    for kind in ("backpressure", "backpressured", "late_record", "sink", "watermark", "window_fire"):
        assert kind in text
    assert sim._breakpoints == []


def test_break_on_a_known_kind_is_accepted():
    """break_on('sink') stops run() after the first sink event."""
    sim = _sim()
    sim.break_on("sink")
    last = sim.run()
    assert [e.kind for e in last if e.kind == "sink"] == ["sink"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_run_until_ms_not_finite_raises(value: float):
    """run(until_ms=NaN/inf) raises ValueError naming until_ms (not 'cannot convert float NaN to integer')."""
    sim = _sim()
    with pytest.raises(ValueError, match=rf"^until_ms must be a finite number of virtual milliseconds, got {value!r}$"):
        sim.run(until_ms=value)
    assert sim.step_count == 0


def test_run_until_ms_as_text_raises():
    """run(until_ms='100') raises TypeError."""
    with pytest.raises(TypeError, match=r"^until_ms must be a number of virtual milliseconds, got '100' \(str\)$"):
        _sim().run(until_ms="100")


@pytest.mark.parametrize("call", ["fail", "kill_taskmanager", "pause_task"])
def test_at_ms_nan_raises(call: str):
    """fail/kill_taskmanager/pause_task with at_ms=NaN raise ValueError naming at_ms; the plan stays empty."""
    sim = _sim()
    args = {"fail": ("v1", 0), "kill_taskmanager": ("tm-1",), "pause_task": ("v1", 0)}[call]
    kwargs = {"duration_ms": 5} if call == "pause_task" else {}
    with pytest.raises(ValueError, match=r"^at_ms must be a finite number of virtual milliseconds, got nan$"):
        getattr(sim, call)(*args, at_ms=math.nan, **kwargs)
    assert sim._plan.faults == [] and sim._plan.stalls == []


def test_pause_duration_inf_raises():
    """pause_task(duration_ms=inf) raises ValueError."""
    with pytest.raises(ValueError, match=r"^duration_ms must be a finite number of virtual milliseconds, got inf$"):
        _sim().pause_task("v1", 0, at_ms=1, duration_ms=math.inf)


@pytest.mark.parametrize("seed", [1.5, "7", None, True])
def test_a_seed_that_is_not_an_int_raises(seed):
    """Simulation(seed=1.5/'7'/None/True) raises TypeError saying a seed is an int."""
    with pytest.raises(TypeError, match=rf"^seed must be an int \(the same program and seed give the same run\), "
                                        rf"got {seed!r} \({type(seed).__name__}\)"):
        _sim(seed=seed)


def test_horizon_ms_must_be_positive():
    """horizon_ms=0 raises; None means no horizon."""
    with pytest.raises(ValueError, match=r"^horizon_ms must be > 0 \(or None for no horizon\), got 0$"):
        _sim(horizon_ms=0)
    assert _sim(horizon_ms=None).horizon_ms is None
