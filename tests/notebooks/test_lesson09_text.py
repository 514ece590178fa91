"""Lesson 09 (recovery and exactly-once) says what its cells compute: every number its text states is pinned here.

The lesson's code cells run once, in this process, in a temporary directory of their own (about 30 s, most of it the
latency measurement); each test finds a cell by a piece of its source and checks one claim of the text against what
the cell printed, the value of its last expression, or the objects it left behind.
"""
from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "notebooks" / "09_recovery_and_exactly_once.ipynb"

pytestmark = pytest.mark.notebooks


def _cells(kind: str) -> list[str]:
    nb = json.loads(LESSON.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


TEXT = " ".join(" ".join(_cells("markdown")).split())       # the lesson's prose, whitespace collapsed


@pytest.fixture(scope="module")
def lesson() -> dict[str, Any]:
    """Run every code cell; the namespace, with (source, printed, last value) per cell under "__cells__"."""
    shown: list[Any] = []
    ns: dict[str, Any] = {"display": shown.append, "__shown__": shown}
    ran = []
    saved, tmp = tempfile.tempdir, tempfile.mkdtemp(prefix="lesson09-")
    tempfile.tempdir = tmp                        # the FileSink section writes under tempfile.gettempdir()
    try:
        for source in _cells("code"):
            tree = ast.parse(source)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(tree, "lesson 09", "exec"), ns)  # noqa: S102 - our own lesson
                value = eval(compile(ast.Expression(last.value), "lesson 09", "eval"),  # noqa: S307
                             ns) if last is not None else None
            ran.append((source, out.getvalue(), value))
        ns["__cells__"] = ran
        yield ns
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(tmp, ignore_errors=True)


def _cell(lesson: dict[str, Any], piece: str) -> tuple[str, Any]:
    """(printed text, last value) of the one code cell whose source contains ``piece``."""
    found = [(printed, value) for source, printed, value in lesson["__cells__"] if piece in source]
    assert len(found) == 1, f"{len(found)} cells contain {piece!r}"
    return found[0]


def _said(*phrases: str) -> None:
    missing = [p for p in phrases if " ".join(p.split()) not in TEXT]
    assert missing == []


def _rows(frame: Any, *columns: str) -> list[tuple]:
    return [tuple(r) for r in frame[list(columns)].itertuples(index=False)]


# -- 1. a TaskManager dies -------------------------------------------------------------------------------------
def test_the_fault_fails_the_two_subtasks_of_tm2(lesson: dict[str, Any]) -> None:
    """At 130 ms (step 580) tm-2 dies; v1[1] and v2[1] go FAILED; nothing else happens in that step."""
    _, table = _cell(lesson, 'sim.break_on("fault")')
    assert _rows(table, "step", "time_ms", "kind") == [(580, 130.0, "fault"), (580, 130.0, "task_failed"),
                                                       (580, 130.0, "task_failed")]
    assert _rows(table[1:], "vertex", "subtask") == [("v1", 1), ("v2", 1)]
    assert all(d.startswith("RUNNING -> FAILED") for d in table.detail[1:])
    first = [(e.vertex, e.subtask, e.detail) for e in lesson["sim"].events() if "DEPLOYING in" in e.detail][:4]
    assert first == [("v1", 0, "SCHEDULED -> DEPLOYING in tm-1 slot 0"), ("v1", 1, "SCHEDULED -> DEPLOYING in tm-2 slot 0"),
                     ("v2", 0, "SCHEDULED -> DEPLOYING in tm-1 slot 0"), ("v2", 1, "SCHEDULED -> DEPLOYING in tm-2 slot 0")]
    _said("`tm-1` runs subtask 0 of every operator, `tm-2` subtask 1")
    _said("At 130 ms `tm-2` is gone, and with it the two subtasks in its slot: `v1[1]`", "and `v2[1]`",
          "the failure strikes at step 580")


def test_the_jobmaster_restarts_and_cancels_at_131_ms(lesson: dict[str, Any]) -> None:
    """131 ms: RESTARTING, fixed-delay 20 ms for the region of 4, v1[0] and v2[0] CANCELING, 1 buffer discarded."""
    _, table = _cell(lesson, 'sim.break_on("recovery", phase="canceling")')
    assert set(table.time_ms) == {131.0}
    details = list(table.detail)
    assert "job 'Flink Streaming Job' RUNNING -> RESTARTING" in details
    assert ("restart 1 (FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=1, backoffTimeMS=20)): region "
            "of 4 subtask(s) restarts in 20 ms") in details
    assert _rows(table[table.kind == "task_state"], "vertex", "subtask", "detail") == [
        ("v1", 0, "RUNNING -> CANCELING"), ("v2", 0, "RUNNING -> CANCELING")]
    assert details[-1] == "cancels 2 subtask(s) of the region; 1 buffer(s) in flight or queued are discarded"
    _said("At 131 ms the JobMaster hears of it", "`fixed-delay`: in 20 ms", "here all 4 subtasks",
          "`v1[0]` and `v2[0]` (CANCELING; CANCELED when they have answered, at 133 ms)", "1 network buffer")


def test_the_restore_comes_20_ms_later_and_waits_for_a_slot(lesson: dict[str, Any]) -> None:
    """133 ms CANCELED; 151 ms RUNNING, attempt 1 restores checkpoint 2, every subtask SCHEDULED, none deployed."""
    _, table = _cell(lesson, 'sim.break_on("recovery", phase="restoring")\nsim.run()')
    canceled = table[table.detail == "CANCELING -> CANCELED"]
    assert set(canceled.time_ms) == {133.0} and len(canceled) == 2
    later = table[table.time_ms > 133]
    assert set(later.time_ms) == {151.0}
    assert "restart 1: new attempts of 4 subtask(s) restore the state of checkpoint 2" in list(later.detail)
    assert sum(d.endswith("-> CREATED (attempt 1)") for d in later.detail) == 4
    assert sum(d == "CREATED -> SCHEDULED" for d in later.detail) == 4
    assert not any("DEPLOYING" in d for d in later.detail)
    assert lesson["sim"].checkpoints().trigger_time_ms.tolist()[:2] == [50.0, 100.0]
    _said("At 151 ms, 20 ms after the decision", "(attempt 1; the first was 0)", "**checkpoint 2**",
          "(triggered at 100 ms)", "2 s by default, 100 ms in this lesson's `environment`",
          "`slot.request.timeout` (5 min)")


def test_the_job_runs_again_at_230_ms_on_tm1_and_tm3(lesson: dict[str, Any]) -> None:
    """230 ms: tm-3 registers replacing tm-2; subtasks 0 to tm-1, subtasks 1 to tm-3; the running phase."""
    _, table = _cell(lesson, 'sim.break_on("recovery", phase="running")')
    assert set(table.time_ms) == {230.0}
    assert table.detail.iloc[0] == "TaskManager tm-3 registered 1 slot(s) with the ResourceManager (replacing the lost tm-2)"
    deploys = _rows(table[table.detail.str.contains("DEPLOYING in")], "vertex", "subtask", "detail")
    assert deploys == [("v1", 0, "SCHEDULED -> DEPLOYING in tm-1 slot 0"), ("v1", 1, "SCHEDULED -> DEPLOYING in tm-3 slot 0"),
                       ("v2", 0, "SCHEDULED -> DEPLOYING in tm-1 slot 0"), ("v2", 1, "SCHEDULED -> DEPLOYING in tm-3 slot 0")]
    assert table.detail.iloc[-1] == "restart 1: every restarted subtask is RUNNING again (attempt 1)"
    _said("At 230 ms `tm-3` registers with the ResourceManager, replacing `tm-2`", "100 ms after the failure")


def test_the_timeline_shows_the_failure_and_the_restore_of_checkpoint_2(lesson: dict[str, Any]) -> None:
    """The RecoveryTimelineView draws the failure, the restart's arrow back to checkpoint 2 and the replays."""
    _, view = _cell(lesson, "RecoveryTimelineView(sim)")
    svg = view.svg.value
    assert 'class="flowlab-rt-failure"' in svg
    assert 'class="flowlab-rt-restore" data-checkpoint="2"' in svg
    assert "checkpoint 2" in view.summary.value
    gaps = re.findall(r'class="flowlab-rt-gap" data-restart="1" data-vertex="v2" data-subtask="(\d)" data-ms="([\d.]+)"',
                      svg)
    assert [(int(i), round(float(ms))) for i, ms in gaps] == [(0, 102), (1, 103)]
    _said("`RecoveryTimelineView` (a flowlab extension", "The arc from restart 1 goes back to checkpoint 2",
          "the restart at 151 ms", "until 230 ms", "no output for 102 and 103 ms")


def test_the_dashboards_failure_is_at_step_580(lesson: dict[str, Any]) -> None:
    """The Dashboard's job is the same: its fault, run to, is step 580."""
    live = lesson["live"]
    live.break_on("fault")
    live.run()
    assert (live.step_count, live.now_ms) == (580, 130.0)


# -- 2. restart strategies -----------------------------------------------------------------------------------
def test_without_checkpoints_the_job_fails_with_flinks_reason(lesson: dict[str, Any]) -> None:
    printed, _ = _cell(lesson, "no_checkpoints = clicks_job(")
    status, reason = printed.splitlines()
    assert status == "FAILED"
    assert reason.startswith("JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy (")
    _said("`JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy`")


def test_exponential_delay_waits_1_then_1_5_then_2_25_s(lesson: dict[str, Any]) -> None:
    """Three failures of parse: restarts at 59, 1060.087, 2561.174 ms after 1000, 1500, 2250 ms; done at 4866.178."""
    printed, table = _cell(lesson, "expo = clicks_job(")
    assert printed.splitlines() == ["FINISHED 4866.178"]
    assert table.time_ms.tolist() == [59.0, 1060.087, 2561.174]
    assert [d.split(": ")[-1] for d in table.detail] == [f"region of 4 subtask(s) restarts in {ms} ms"
                                                         for ms in (1000, 1500, 2250)]
    assert all("ExponentialDelayRestartBackoffTimeStrategy(initialBackoffMS=1000, maxBackoffMS=60000, "
               "backoffMultiplier=1.5" in d for d in table.detail)
    failed = [e.time_ms for e in lesson["expo"].events() if e.kind == "task_failed"]
    assert len(failed) == 3
    _said("restarts after 1 s, then 1.5 s, 2.25 s", "Restart 1, at 59 ms, waits 1 000 ms; restart 2, at 1 060 ms, "
          "waits 1 500 ms; restart 3, at 2 561 ms, 2 250 ms", "the job finishes at 4 866 ms",
          "fails on its 30th click in each of its first three attempts", "jitter of up to ±10 %")


def test_fixed_delay_gives_up_after_its_attempts(lesson: dict[str, Any]) -> None:
    printed, _ = _cell(lesson, "fixed = clicks_job(")
    assert printed.splitlines() == [
        "FAILED", "JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy("
        "maxNumberRestartAttempts=2, backoffTimeMS=20)"]
    attempts = sorted({e.data.get("attempt") for e in lesson["fixed"].events() if e.kind == "recovery"})
    assert attempts == [0, 1, 2]
    _said("Attempts 0, 1 and 2 ran and failed", "`JobException: Recovery is suppressed by "
          "FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=2, backoffTimeMS=20)`")


# -- 3. what is restored -------------------------------------------------------------------------------------------
def test_checkpoint_2_against_the_moment_of_the_failure(lesson: dict[str, Any]) -> None:
    _, table = _cell(lesson, "at_restore = clicks_job()")
    assert table.to_dict("split")["data"] == [[51, 66], [50, 65], [51, 65], [33, 43], [17, 22]]
    _said("had read 51 and 50 clicks", "`a` 51, `b` 33, `c` 17 (51 + 33 + 17 = 101)", "had read 66 and 65",
          "the counts were 65, 43 and 22", "the 30 clicks in between are read and counted again")


def test_thirty_clicks_are_read_again_from_230_ms_by_attempt_1(lesson: dict[str, Any]) -> None:
    printed, _ = _cell(lesson, "at_restore.clear_breakpoints()")
    assert printed.splitlines() == [
        "clicks read again: 30 - the first at 230.0 ms",
        "attempt of each subtask: {'Source: clicks -> Map': [1, 1], 'count -> Print to Std. Out': [1, 1]}"]
    _said("The 30 clicks are read again from 230 ms", "Every subtask is in attempt 1 now")


# -- 4. replayable sources ----------------------------------------------------------------------------------------
def test_from_collection_counts_checkpoint_2_twice(lesson: dict[str, Any]) -> None:
    """150/100/50 without a failure and with a replayable source; 201/133/67 = checkpoint 2's counts + all clicks."""
    _, table = _cell(lesson, "def collection_job():")
    assert table.to_dict() == {"without failure": {"a": 150, "b": 100, "c": 50},
                               "replayable source": {"a": 150, "b": 100, "c": 50},
                               "from_collection": {"a": 201, "b": 133, "c": 67}}
    _said("counts are those of the run without a failure: 150, 100 and 50", "they are 201, 133 and 67",
          "too high by exactly what checkpoint 2 held (51, 33 and 17)")


# -- 5. state vs output ----------------------------------------------------------------------------------------------
def test_print_repeats_the_29_counts_since_the_checkpoint(lesson: dict[str, Any]) -> None:
    printed, table = _cell(lesson, 'replayable = runs["replayable source"]')
    assert printed.splitlines() == ["329 lines printed for 300 clicks; 29 of them twice"]
    first, again = table["first printed at (ms)"], table["printed again at (ms)"]
    assert (first.min(), first.max()) == (104.0, 130.0)
    assert 232 <= again.min() and again.max() < 233
    assert "2> (a,52)" in table.index
    _said("329 lines for 300 clicks: the 29 counts", "from 104 ms to 130 ms", "printed again at 232 ms", "`(a,52)` twice")


def test_collect_sees_each_result_once_with_checkpoints_and_fails_without(lesson: dict[str, Any]) -> None:
    printed, _ = _cell(lesson, "def collected(checkpoint_ms):")
    assert printed.splitlines() == ["300 results, 0 of them twice",
                                    "without checkpoints: java.lang.RuntimeException: Job restarted."]
    _said("the client gets the 300 results once each", "`java.lang.RuntimeException: Job restarted.`")


# -- 6. transactional sinks ------------------------------------------------------------------------------------------
def _part_files(html: str) -> list[tuple[str, int]]:
    """(state, lines) of every part file a FileSinkView lists."""
    return [(state, int(lines)) for state, lines in
            re.findall(r'class="flowlab-part-file" data-state="([^"]+)".*?(\d+) line\(s\)</td></tr>', html)]


def test_at_104_ms_files_are_finished_pending_and_in_progress(lesson: dict[str, Any]) -> None:
    """At 104 ms: per subtask one finished file (43, 8 lines) and one pending (41, 9), subtask 1's new in-progress
    file with its first line; checkpoint 2 completed at 103.0xx ms, the sinks are notified 1 ms later."""
    _, view = _cell(lesson, "files = file_job()")
    html = view.html.value
    assert sorted(_part_files(html)) == [("finished", 8), ("finished", 43), ("in-progress", 1), ("pending", 9),
                                         ("pending", 41)]
    assert "A reader sees 2 finished file(s), 51 line(s)." in html
    assert 'bucket <span style="font-family' in html and "1970-01-01--00</span>" in html
    events = [e for e in lesson["files"].events() if 100 < e.time_ms < 105]
    # the sub-millisecond parts depend on the length of the output path (it is part of the checkpointed state)
    (completed,) = [e.time_ms for e in events if e.kind == "checkpoint_completed"]
    (finished,) = {e.time_ms for e in events if e.kind == "part_file" and e.data["action"] == "finished"}
    assert 103 < completed < 103.1 and finished == completed + 1
    assert {e.time_ms for e in events if e.kind == "part_file" and e.data["action"] == "pending"} == {102.0}
    opened = [(e.time_ms, e.subtask) for e in events if e.kind == "part_file" and e.data["action"] == "in-progress"]
    assert opened[0] == (104.0, 1)
    _said("At 104 ms each sink subtask has one **finished** file, `part-<uuid>-0`", "barrier passed at 102 ms",
          "`.part-<uuid>-1.inprogress.<uuid>`", "Checkpoint 2 completed at the JobMaster at 103 ms",
          "Subtask 1 has just opened its next **in-progress** file", "reads the 51 lines of the finished files",
          "not yet the 50 pending ones", "All are in the bucket directory `1970-01-01--00`")


def test_the_finished_files_hold_each_count_once(lesson: dict[str, Any]) -> None:
    printed, view = _cell(lesson, "files.clear_breakpoints()")
    assert printed.splitlines() == ["300 lines in finished files; 0 of them twice", "True"]
    files = _part_files(view.html.value)
    assert sorted(n for state, n in files if state == "left behind") == [5, 24]
    assert sum(n for state, n in files if state == "finished") == 300
    _said("The finished files hold the 300 counts once each", "24 and 5 lines", "**left behind**")


def test_kafka_at_233_ms_committed_aborted_and_open(lesson: dict[str, Any]) -> None:
    """At 233 ms the view's 48 records: 13 committed, 4 markers, 29 aborted (aborted at 231 ms), 2 open; LSO 136;
    read_committed reads 101 records, read_uncommitted 132 with a=52 and c=18 twice."""
    _, view = _cell(lesson, "exactly = kafka_job(DeliveryGuarantee.EXACTLY_ONCE)")
    html = view.html.value
    kinds = re.findall(r'class="flowlab-kafka-record" data-offset="(\d+)" data-kind="([^"]+)"', html)
    assert Counter(kind for _, kind in kinds) == {"ABORTED": 29, "COMMITTED": 13, "control": 4, "ONGOING": 2}
    assert [int(o) for o, kind in kinds if kind == "ONGOING"] == [136, 137]
    assert 'data-lso="136"' in html
    assert 'data-isolation="read_committed" data-count="101"' in html
    assert 'data-isolation="read_uncommitted" data-count="132"' in html
    kafka = lesson["kafka_cluster"]()
    again = lesson["kafka_job"](lesson["DeliveryGuarantee"].EXACTLY_ONCE)
    again.run(until_ms=233)
    transactions = kafka.transactions(again)
    assert [(t["transactional_id"], t["epoch"], t["state"]) for t in transactions] == [
        ("click-counter-1-1", 0, "COMMITTED"), ("click-counter-0-1", 0, "COMMITTED"),
        ("click-counter-0-2", 0, "COMMITTED"), ("click-counter-1-2", 0, "COMMITTED"),
        ("click-counter-1-3", 0, "ABORTED"), ("click-counter-0-3", 0, "ABORTED"),
        ("click-counter-1-3", 2, "ONGOING"), ("click-counter-0-3", 2, "ONGOING")]
    assert {t["ended_ms"] for t in transactions if t["state"] == "ABORTED"} == {231.0}
    assert sum(t["records"] for t in transactions if t["state"] == "ABORTED") == 29
    uncommitted = [r.value for r in kafka.read("counts", again, "read_uncommitted")]
    assert uncommitted[-2:] == ["a=52", "c=18"] and uncommitted.count("a=52") == uncommitted.count("c=18") == 2
    _said("The topic `counts` at 233 ms, just after the restart, drawn by `KafkaTopicView`", "`click-counter-0-3` and `click-counter-1-3`: the 29 counts",
          "aborted at 231 ms", "(LSO 136", "101 counts, those of checkpoint 2 and nothing after",
          "reads all 132, aborted and open ones included: `a=52` and `c=18` twice already",
          "the last ones were committed when checkpoint 2 completed")


def test_only_exactly_once_read_committed_gives_each_count_once(lesson: dict[str, Any]) -> None:
    _, table = _cell(lesson, "def readers(s):")
    assert table.to_dict("index") == {
        ("EXACTLY_ONCE", "read_committed"): {"records read": 300, "counts read twice": 0},
        ("EXACTLY_ONCE", "read_uncommitted"): {"records read": 329, "counts read twice": 29},
        ("AT_LEAST_ONCE", "read_committed"): {"records read": 329, "counts read twice": 29},
        ("AT_LEAST_ONCE", "read_uncommitted"): {"records read": 329, "counts read twice": 29}}
    _said("each of the 300 counts once", "reads the 29 replayed counts twice")


# -- 7. idempotent sink ----------------------------------------------------------------------------------------------
def test_the_upsert_table_ends_right_after_steps_back(lesson: dict[str, Any]) -> None:
    printed, table = _cell(lesson, 'table = UpsertTable("page_counts")')
    assert printed.splitlines() == ["the table: {'a': 150, 'b': 100, 'c': 50}"]
    assert _rows(table, "time_ms", "key", "value", "replaced") == [(233.0, "b", 34, 43), (233.0, "c", 18, 22),
                                                                 (233.096, "a", 52, 65)]
    _said("`a` 150, `b` 100, `c` 50", "at 233 ms `b` went from 43 to 34, `c` from 22 to 18 and `a` from 65 to 52",
          "`UpsertSink` is a flowlab extension")


# -- 8. latency ------------------------------------------------------------------------------------------------------------
def test_output_latency_is_about_a_checkpoint_interval(lesson: dict[str, Any]) -> None:
    _, table = _cell(lesson, "def latencies(checkpoint_ms, level):")
    assert table.to_dict("split")["data"] == [[300, 2.1, 4], [300, 30.7, 56], [300, 55.8, 106], [300, 81.0, 156]]
    _said("2.1 ms after its click on average", "30.7, 55.8 and 81.0 ms for checkpoints every 50, 100 and 150 ms",
          "(56, 106 and 156 ms)")


# -- 9. exercise -------------------------------------------------------------------------------------------------------------
def test_the_first_attempt_fails_and_the_hidden_solution_passes(lesson: dict[str, Any]) -> None:
    _, first = _cell(lesson, "def my_job(env):\n    clicks = env.from_collection(CLICKS")
    assert not first.passed
    assert first.messages[0] == ("the job FINISHED at 3.25 ms, before tm-2 died at 137 ms: it emitted the whole "
                                 "collection at once")
    solution = next(c for c in _cells("code") if c.startswith("SHOW_SOLUTION = False"))
    shown = lesson["__shown__"]
    shown.clear()
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(solution.replace("SHOW_SOLUTION = False", "SHOW_SOLUTION = True", 1), "solution", "exec"),  # noqa: S102
             dict(lesson))
    assert len(shown) == 1 and shown[0].passed, shown[0].messages
    _said("kills `tm-2` at 137 ms, and runs to 3 000 ms")


# -- names that are not PyFlink's ----------------------------------------------------------------------------------
def test_flowlab_extensions_are_marked_where_first_used() -> None:
    _said("`SimulatedKafka`, a flowlab extension", "`RecoveryTimelineView` (a flowlab extension",
          "`flowlab.cluster.taskmanager-replacement-delay` (a flowlab extension", "`ScriptedSource` is the flowlab "
          "extension", "`UpsertSink` is a flowlab extension", "`KafkaTopicView` (a flowlab extension",
          "`FileSinkView` (a flowlab extension)")


def test_the_defaults_the_text_names() -> None:
    """The defaults the lesson quotes: restart strategies, the TaskManager replacement, KafkaSink's transaction
    timeout and the broker's maximum, and the exercise's cluster, failure and horizon."""
    from flowlab.datastream.connectors.kafka import SimulatedKafka
    from flowlab.datastream.connectors.kafka_sink import DEFAULT_TRANSACTION_TIMEOUT_MS
    from flowlab.exercises import lesson09
    from flowlab.runtime.cluster.restart_strategies import restart_strategy
    from flowlab.runtime.cluster.task_manager import replacement_delay_us

    assert restart_strategy({}, checkpointing=False).kind == "none"
    expo = restart_strategy({}, checkpointing=True)
    assert (expo.kind, expo.delay_ms, expo.multiplier, expo.max_backoff_ms, expo.jitter, expo.reset_threshold_ms) == (
        "exponential-delay", 1000, 1.5, 60_000, 0.1, 3_600_000)
    fixed = restart_strategy({"restart-strategy.type": "fixed-delay"})
    assert (fixed.attempts, fixed.delay_ms) == (1, 1000)
    rate = restart_strategy({"restart-strategy.type": "failure-rate"})
    assert (rate.attempts, rate.interval_ms, rate.delay_ms) == (1, 60_000, 1000)
    assert replacement_delay_us({}) == 2_000_000
    assert (DEFAULT_TRANSACTION_TIMEOUT_MS, SimulatedKafka("localhost:9092").transaction_max_timeout_ms) == (
        3_600_000, 900_000)
    assert (lesson09.PARALLELISM, lesson09.TASKMANAGER, lesson09.FAIL_AT_MS, lesson09.RUN_MS) == (2, "tm-2", 137, 3000)
    _said("`.fixed-delay.attempts` (1), `.fixed-delay.delay` (1 s)", "`.failure-rate.max-failures-per-interval` (1), "
          "`.failure-rate-interval` (1 min), `.delay` (1 s)", "`.exponential-delay.initial-backoff` (1 s), "
          "`.backoff-multiplier` (1.5), `.max-backoff` (1 min), `.jitter-factor` (0.1)", "2 s by default",
          "KafkaSink asks for one hour by default", "(`transaction.max.timeout.ms`, 15 minutes)",
          "After an hour without a failure (`reset-backoff-threshold`)")
