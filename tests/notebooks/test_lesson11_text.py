"""Lesson 11 (BATCH vs STREAMING) says what its cells compute: every number and order its text states is pinned here.

The lesson's code cells run once, in this process (about 3 s); each test checks one claim of the text against the
objects and printed lines they produced.
"""
from __future__ import annotations

import ast
import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "notebooks" / "11_batch_vs_streaming.ipynb"
LONG_MIN, LONG_MAX = -(2 ** 63), 2 ** 63 - 1


def _cells(kind: str) -> list[str]:
    nb = json.loads(LESSON.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


TEXT = " ".join(" ".join(_cells("markdown")).split())       # the lesson's prose, whitespace collapsed


@pytest.fixture(scope="module")
def lesson() -> dict[str, Any]:
    """Run every code cell; the namespace, plus each cell's printed text under "__printed__" (by cell's first line)."""
    shown: list[Any] = []
    ns: dict[str, Any] = {"display": shown.append, "__shown__": shown}
    printed: dict[str, str] = {}
    cwd = os.getcwd()
    os.chdir(LESSON.parent)
    try:
        for source in _cells("code"):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(source, "lesson 11", "exec"), ns)  # noqa: S102 - our own lesson
            printed[source.splitlines()[0]] = out.getvalue()
    finally:
        os.chdir(cwd)
    ns["__printed__"] = printed
    return ns


def _said(*phrases: str) -> None:
    missing = [p for p in phrases if p not in TEXT]
    assert missing == []


def _out(lesson: dict[str, Any], first_line: str) -> list[str]:
    return lesson["__printed__"][first_line].splitlines()


# -- 1. choosing the mode -----------------------------------------------------------------------------
def test_the_modes_resolve_as_the_text_says(lesson: dict[str, Any]) -> None:
    """STREAMING/BATCH as set, AUTOMATIC is BATCH for a bounded source, the key alone works in any case."""
    assert _out(lesson, "def numbers(env):") == [
        "set_runtime_mode(STREAMING) -> STREAMING", "set_runtime_mode(BATCH) -> BATCH",
        "set_runtime_mode(AUTOMATIC) -> BATCH", "execution.runtime-mode: batch -> BATCH"]
    _said("`AUTOMATIC` picks BATCH when every source is bounded")


def test_an_unbounded_source_is_refused_with_flinks_message(lesson: dict[str, Any]) -> None:
    """The refusal starts with Flink's own sentence."""
    (line,) = _out(lesson, "env = environment(BATCH)")
    assert line.startswith("RuntimeModeError: Detected an UNBOUNDED source with the 'execution.runtime-mode' set to "
                           "'BATCH'. This combination is not allowed, please set the 'execution.runtime-mode' to "
                           "STREAMING or AUTOMATIC.")


# -- 2. outputs ---------------------------------------------------------------------------------------------
def test_seven_updates_against_four_final_values(lesson: dict[str, Any]) -> None:
    """STREAMING prints 7 rolling rows, BATCH the 4 final totals a 7, b 5, ab 5, ccc 7 in that key order."""
    runs = lesson["both_modes"](lesson["totals"])
    assert runs["STREAMING"].printed_lines() == ["('b', 3)", "('a', 1)", "('ccc', 7)", "('a', 5)", "('b', 5)",
                                                 "('ab', 5)", "('a', 7)"]
    assert runs["BATCH"].printed_lines() == ["('a', 7)", "('b', 5)", "('ab', 5)", "('ccc', 7)"]
    _said("seven records, seven rows", "four rows", "`a` 7, `b` 5, `ab` 5, `ccc` 7", "key order: `a, b, ab, ccc`",
          "(`a, ab, b, ccc`)")


def test_the_serialized_keys_show_the_length_first(lesson: dict[str, Any]) -> None:
    """The bytes printed: mask byte 00, then length + 1, then the characters."""
    assert _out(lesson, "from flowlab.runtime.batch import batch_key_order, serialized_key") == [
        "Python's sorted: ['a', 'ab', 'b', 'ccc']", "BATCH key order: ['a', 'b', 'ab', 'ccc']",
        "   'a' is serialized as 00 02 61", "   'b' is serialized as 00 02 62", "  'ab' is serialized as 00 03 61 62",
        " 'ccc' is serialized as 00 04 63 63 63"]
    _said("one byte for its null mask, then the field", "a string as its length + 1 (0 would mean null)")


def test_each_subtask_sorts_its_own_keys(lesson: dict[str, Any]) -> None:
    """At parallelism 2, subtask 0 prints ccc, subtask 1 prints a, b, ab: each in key order."""
    runs = lesson["both_modes"](lesson["totals"], parallelism=2)
    assert runs["BATCH"].printed_lines() == ["1> ('ccc', 7)", "2> ('a', 7)", "2> ('b', 5)", "2> ('ab', 5)"]
    _said("every subtask's rows are in key order")


# -- 3. stages ------------------------------------------------------------------------------------------------
def test_streaming_runs_every_task_from_zero_and_prints_at_2_ms(lesson: dict[str, Any]) -> None:
    """28 records one per ms; STREAMING: three tasks RUNNING from 0, 28 totals, the first at 2 ms."""
    sim = lesson["runs"]["STREAMING"]
    timeline = lesson["timeline"](sim)
    assert list(timeline["RUNNING from"]) == [0.0, 0.0, 0.0]
    assert len(sim.printed_lines()) == 28
    assert _out(lesson, "def pipeline(env, sum_slot_group=None):")[:2] == ["STREAMING: 28 lines printed, the first at 2 ms",
                                                     "BATCH: 4 lines printed, the first at 30.018 ms"]
    _said("reads 28 records, one per virtual ms", "parses them on two subtasks", "all three tasks run from 0 ms",
          "the first total is printed at 2 ms", "28 records give 28 running totals")


def test_batch_schedules_each_stage_when_the_one_before_finished(lesson: dict[str, Any]) -> None:
    """BATCH: parse RUNNING from 28 ms, when the source FINISHED; the sum when parse FINISHED; lines at the end."""
    sim = lesson["runs"]["BATCH"]
    timeline = lesson["timeline"](sim)
    assert list(timeline["RUNNING from"]) == [0.0, 28.0, 29.014]
    assert list(timeline["FINISHED at"]) == [28.0, 29.014, 30.047]
    sinks = [e.time_ms for e in sim.events() if e.kind == "sink"]
    assert len(sinks) == 4 and min(sinks) > 29.014
    _said("`parse` is scheduled only when the source has finished, at 28 ms", "the sum only when `parse` has finished",
          "the 4 final totals are printed at the very end")


def test_the_stages_view_shows_the_sum_reading_its_sorted_input(lesson: dict[str, Any]) -> None:
    """Where the lesson stops: stages 1 and 2 finished and materialised, stage 3 running through its sorted input."""
    from flowlab.viz.render.stages_html import render_stages
    mid = lesson["mid"]
    html = render_stages(mid.snapshot())
    assert 'data-stage="1" data-status="finished"' in html and 'data-stage="2" data-status="finished"' in html
    assert 'data-stage="3" data-status="running"' in html
    assert "28 records materialised" in html and "sorted input: 8 of 28 records processed" in html
    assert _out(lesson, "env = environment(BATCH, parallelism=2)")[1] == (
        "29.014 ms  stage          v2      parse (stage 2) finished: 28 record(s) materialised in 2 result "
        "partition(s) for v3")


# -- 4. slots ------------------------------------------------------------------------------------------------
def test_streaming_needs_4_slots_batch_2_and_runs_on_one(lesson: dict[str, Any]) -> None:
    """The table: 4 vs 2 slots; on one slot STREAMING fails (NoResourceAvailableException), BATCH ends later."""
    rows = lesson["rows"]
    assert rows[("STREAMING", "enough slots")]["slots needed"] == 4
    assert rows[("BATCH", "enough slots")]["slots needed"] == 2
    assert (rows[("STREAMING", "1 slot")]["status"], rows[("STREAMING", "1 slot")]["failure"]) == (
        "FAILED", "NoResourceAvailableException")
    assert (rows[("BATCH", "1 slot")]["status"], rows[("BATCH", "1 slot")]["most slots at once"]) == ("FINISHED", 1)
    assert rows[("BATCH", "1 slot")]["ends at (ms)"] > rows[("BATCH", "enough slots")]["ends at (ms)"]
    _said("STREAMING needs 4 slots (2 for source and `parse`, 2 for the sums' group)",
          "`NoResourceAvailableException`. BATCH needs 2 and still finishes on one", "the job ends a little later")


# -- 5. time --------------------------------------------------------------------------------------------------
def test_streaming_timers_wait_for_the_max_watermark(lesson: dict[str, Any]) -> None:
    """STREAMING: watermark 29 after the first record, all five event-time timers at MAX in timestamp order, the
    processing-time timers at 7 ms never (the job ends at 6 ms)."""
    sim = lesson["timer_runs"]["STREAMING"]
    assert sim.printed_lines() == [
        "b@30: record, watermark Long.MIN_VALUE", "a@20: record, watermark 29", "b@5: record, watermark 29",
        "ab@1: record, watermark 29", "a@3: record, watermark 29",
        *[f"{k}: event-time timer {ts}, watermark Long.MAX_VALUE"
          for k, ts in (("ab", 11), ("a", 13), ("b", 15), ("a", 30), ("b", 40))]]
    assert 6 <= sim.now_ms < 7
    _said("event time `timestamp + 10` and processing time 7 ms", "raises the watermark to 29",
          "all five fire at the end of the input", "the job ends at 6 ms of its clock")


def test_batch_timers_fire_per_key_at_max(lesson: dict[str, Any]) -> None:
    """BATCH: a@3, a@20 at MIN, a's timers 13, 30 and 7 at MAX, then b, then ab."""
    lines = lesson["timer_runs"]["BATCH"].printed_lines()
    assert lines[:5] == ["a@3: record, watermark Long.MIN_VALUE", "a@20: record, watermark Long.MIN_VALUE",
                         "a: event-time timer 13, watermark Long.MAX_VALUE",
                         "a: event-time timer 30, watermark Long.MAX_VALUE",
                         "a: processing-time timer 7, watermark Long.MAX_VALUE"]
    assert [ln.split(":")[0].split("@")[0] for ln in lines] == ["a"] * 5 + ["b"] * 5 + ["ab"] * 3
    assert all(ln.endswith("Long.MIN_VALUE") == ("record" in ln) for ln in lines)
    _said("`a`'s event-time timers 13 and 30 and its processing-time timer 7", "then key `b`, then `ab`")


def test_windows_are_the_same_nine_grouped_by_key(lesson: dict[str, Any]) -> None:
    """Nine windows in both; nothing late in STREAMING; [0,10) x3 at watermark 9, [10,20) at 19; BATCH a, b, ab, ccc."""
    streaming, batch = (lesson["window_runs"][m] for m in ("STREAMING", "BATCH"))
    assert sorted(streaming.printed_lines()) == sorted(batch.printed_lines()) and len(batch.printed_lines()) == 9
    assert not any(e.kind == "late_record" for e in streaming.events())
    fired = [(e.data["key"], e.data["window_start"], e.data["watermark"]) for e in streaming.events()
             if e.kind == "window_fire"]
    assert [f for f in fired if f[2] != LONG_MAX] == [("b", 0, 9), ("a", 0, 9), ("ab", 0, 9), ("a", 10, 19),
                                                      ("ccc", 10, 19), ("b", 10, 19)]
    assert [ast.literal_eval(ln)[0] for ln in batch.printed_lines()] == ["a"] * 3 + ["b"] * 3 + ["ab"] * 2 + ["ccc"]
    _said("Tumbling 10 ms windows counting events, with a watermark delay of 5 ms", "the same nine windows",
          "`[0, 10)` of three keys when the watermark reaches 9", "`[10, 20)` windows when it reaches 19",
          "all of `a`'s windows, then `b`'s, `ab`'s and `ccc`'s")


# -- 6. checkpoints and failures ---------------------------------------------------------------------------
def test_checkpointing_is_ignored_with_flinks_log_line(lesson: dict[str, Any]) -> None:
    """The note quotes Flink 2.3's log line; the run takes no checkpoint."""
    assert _out(lesson, 'RESTART = {"restart-strategy.type": "fixed-delay", '
                        '"restart-strategy.fixed-delay.delay": "20 ms"}')[0].startswith(
        'Checkpointing is ignored in BATCH mode (Flink 2.3 logs: "Disabled Checkpointing. Checkpointing is not '
        'supported and not needed when executing jobs in BATCH mode.")')
    assert not any(e.kind.startswith("checkpoint") for e in lesson["sim"].events())


def test_the_failed_subtask_alone_runs_again(lesson: dict[str, Any]) -> None:
    """Fault at 29.5 ms in v3[1] while RUNNING; restart 1 ms later names v2[0], v2[1]; attempt 1 created 20 ms later;
    the source emitted its 28 records once; the totals are those of the run without a failure, printed once."""
    sim = lesson["sim"]
    events = sim.events()
    (failed,) = [e for e in events if e.kind == "task_failed"]
    (restart,) = [e for e in events if e.kind == "region_restart"]
    assert (failed.time_ms, failed.vertex, failed.subtask) == (29.5, "v3", 1)
    assert restart.time_ms == 30.5 and restart.detail.startswith(
        "restart 1: region v3[1] runs again in 20 ms (FixedDelayRestartBackoffTimeStrategy(")
    assert restart.detail.endswith("it re-reads the materialised results of v2[0], v2[1], which do not run again")
    (created,) = [e for e in events if e.kind == "task_state" and e.detail == "FAILED -> CREATED (attempt 1)"]
    assert created.time_ms == 50.5
    assert sum(e.kind == "source_emit" for e in events) == 28
    assert {t.name: t.attempt for ts in sim.runtime.tasks.values() for t in ts} == {
        "v1[0]": 0, "v2[0]": 0, "v2[1]": 0, "v3[0]": 0, "v3[1]": 1}
    assert sim.printed_lines() == lesson["runs"]["BATCH"].printed_lines()
    _said("a 20 ms delay", "fail at 29.5 ms, while it runs", "20 ms later the subtask goes FAILED → CREATED as attempt 1",
          "The source and `parse` ran once; no checkpoint was taken", "Here the sums had not printed yet")


# -- 7. exercise -------------------------------------------------------------------------------------------
def test_the_first_attempt_fails_and_the_hidden_solution_passes(lesson: dict[str, Any]) -> None:
    """The shown attempt is wrong on both parts; the solution cell, switched on, displays a passed check."""
    first = next(c for c in _cells("code") if c.startswith('words = [("be", 2), ("is", 1), ("not", 1)'))
    ns = _exec(first.rsplit("\n", 1)[0], lesson)
    result = ns["check_batch_prediction"](ns["words"], ns["clicks"])
    assert not result.passed
    assert "word count: your keys are in Python's string order" in result.messages[0]
    assert result.messages[1] == "clicks per window: that is what STREAMING prints. Two things change in BATCH"
    solution = next(c for c in _cells("code") if c.startswith("SHOW_SOLUTION = False"))
    shown = lesson["__shown__"]
    shown.clear()
    with contextlib.redirect_stdout(io.StringIO()):
        _exec(solution.replace("SHOW_SOLUTION = False", "SHOW_SOLUTION = True", 1), lesson)
    assert len(shown) == 1 and shown[0].passed
    _said("tumbling 10 ms event-time windows", "The clicks arrive one every 2 virtual ms")


def _exec(source: str, lesson: dict[str, Any]) -> dict[str, Any]:
    ns = dict(lesson)
    exec(compile(source, "lesson 11 cell", "exec"), ns)  # noqa: S102 - our own lesson
    return ns
