"""Processing-time windows still open when a bounded input ends: flowlab says so (issue 7, section 3)."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Time, Types
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.window import TumblingProcessingTimeWindows
from flowlab.runtime.simulation import UnfiredWindowsWarning

NOTE = ("The input ended while 2 processing-time windows still held elements and never fired, so their result "
        "was never emitted: key 'a' [0, 1000) (2 elements) at Window(TumblingProcessingTimeWindows(1000), default); "
        "key 'b' [0, 1000) (1 element) at Window(TumblingProcessingTimeWindows(1000), default). Why: it is a "
        "processing-time window that fires when the clock reaches 999 ms, but the bounded input ended and the job "
        "finished at t = 1.006 virtual ms, before that; a finishing task drops its pending processing-time timers, "
        "so the window never fires (Flink does the same). sim.explain_window() lists them.")


def _env() -> StreamExecutionEnvironment:
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_collection([("a", 1), ("b", 2), ("a", 3)],
                             type_info=Types.TUPLE([Types.STRING(), Types.INT()]))
    ds.key_by(lambda t: t[0], key_type=Types.STRING()) \
      .window(TumblingProcessingTimeWindows.of(Time.seconds(1))) \
      .reduce(lambda a, b: (a[0], a[1] + b[1])).print()
    return env


def test_run_notes_the_windows_that_never_fired():
    """run() finishes with nothing printed; sim.notes and the returned note name both windows and why."""
    sim = flowlab.Simulation(_env())
    last = sim.run()
    assert sim.job_status == "FINISHED" and sim.printed_lines() == []
    assert sim.notes == [NOTE]
    assert last.note == NOTE


def test_explain_window_without_arguments_lists_them():
    """sim.explain_window() returns the note with status never_fired and the windows as facts."""
    sim = flowlab.Simulation(_env())
    sim.run()
    answer = sim.explain_window()
    assert answer.status == "never_fired" and str(answer) == NOTE
    assert [(w["key"], w["window"], w["elements"]) for w in answer.facts["windows"]] == \
        [("a", "[0, 1000)", 2), ("b", "[0, 1000)", 1)]


def test_explain_one_window_says_why_it_never_fired():
    """explain_window('a', 0, 1000) after the end says it never fired, and why."""
    sim = flowlab.Simulation(_env())
    sim.run()
    answer = sim.explain_window("a", 0, 1000)
    assert answer.status == "never_fired"
    assert str(answer).startswith("Window [0, 1000) of key 'a' (at v2[0], Window(TumblingProcessingTimeWindows(1000), "
                                  "default)) never fired: it is a processing-time window that fires when the clock "
                                  "reaches 999 ms")


def test_execute_warns_and_keeps_the_note_in_its_result():
    """env.execute() warns UnfiredWindowsWarning with the note; result.notes holds it."""
    with pytest.warns(UnfiredWindowsWarning) as caught:
        result = _env().execute()
    assert [str(w.message) for w in caught] == [NOTE]
    assert result.notes == [NOTE]


def test_a_job_whose_windows_all_fired_has_no_note():
    """Event-time windows fire at the final watermark: no note."""
    from flowlab.common import WatermarkStrategy
    from flowlab.datastream.window import TumblingEventTimeWindows
    from flowlab.sources import ScriptedSource
    env = StreamExecutionEnvironment.get_execution_environment()
    ds = env.from_source(ScriptedSource([(0, ("a", 1), 5), (1, ("a", 2), 7)]),
                         WatermarkStrategy.for_monotonous_timestamps(), "events")
    ds.key_by(lambda t: t[0], key_type=Types.STRING()).window(TumblingEventTimeWindows.of(Time.seconds(1))) \
      .reduce(lambda a, b: (a[0], a[1] + b[1])).print()
    sim = flowlab.Simulation(env)
    last = sim.run()
    assert sim.printed_lines() == ["('a', 3)"] or sim.printed_lines() == ["(a,3)"]
    assert sim.notes == [] and last.note is None
    assert sim.explain_window().status == "all_fired"
