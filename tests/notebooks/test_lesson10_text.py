"""Lesson 10 (savepoints and rescaling) says what its cells compute: every number, name and order its text states
is pinned here.

The lesson's code cells run once, in this process, in a temporary directory of their own (the lesson writes its
checkpoints and savepoints under ``tempfile.gettempdir()``); a test finds a cell by a piece of its source and reads
what it printed and the value of its last expression, or the variables the lesson left.
"""
from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "notebooks" / "10_savepoints_and_rescaling.ipynb"

pytestmark = pytest.mark.notebooks


def _cells(kind: str) -> list[str]:
    nb = json.loads(LESSON.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


TEXT = " ".join(" ".join(_cells("markdown")).split())       # the lesson's prose, whitespace collapsed


@pytest.fixture(scope="module")
def lesson() -> dict[str, Any]:
    """Every code cell run in order: the namespace, plus "__ran__": (source, printed, last value) per cell."""
    shown: list[Any] = []
    ns: dict[str, Any] = {"display": shown.append}
    ran = []
    saved, tmp = tempfile.tempdir, tempfile.mkdtemp(prefix="lesson10-")
    tempfile.tempdir = tmp
    cwd = os.getcwd()
    os.chdir(LESSON.parent)
    try:
        for source in _cells("code"):
            tree = ast.parse(source)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(tree, "lesson 10", "exec"), ns)  # noqa: S102 - our own lesson
                value = eval(compile(ast.Expression(last.value), "lesson 10", "eval"), ns) if last else None  # noqa: S307
            ran.append((source, out.getvalue(), value))
        ns["__ran__"] = ran
        ns["__shown__"] = shown
        yield ns
    finally:
        os.chdir(cwd)
        tempfile.tempdir = saved
        shutil.rmtree(tmp, ignore_errors=True)


def _cell(lesson: dict[str, Any], piece: str) -> tuple[str, Any]:
    """(printed text, value of the last expression) of the one code cell whose source contains ``piece``."""
    found = [(printed, value) for source, printed, value in lesson["__ran__"] if piece in source]
    assert len(found) == 1, f"{len(found)} cells contain {piece!r}"
    return found[0]


def _said(*phrases: str) -> None:
    missing = [p for p in phrases if " ".join(p.split()) not in TEXT]
    assert missing == []


def _rows(frame: Any) -> list[list[Any]]:
    return [list(r) for r in frame.itertuples(index=False)]


# -- 1. checkpoints and savepoints ---------------------------------------------------------------------------
def test_a_checkpoint_and_a_savepoint_side_by_side(lesson: dict[str, Any]) -> None:
    """chk-1 at 100 ms, chk-2 at 200 ms (chk-1 deleted: one retained), the savepoint at 250 ms as number 3, named
    savepoint-<first 6 hex of the job id>-<12 hex>; both folders hold only _metadata."""
    printed, history = _cell(lesson, 'savepoint = sim.trigger_savepoint(SAVEPOINTS)')
    job = lesson["sim"].job_id
    name = os.path.basename(lesson["savepoint"])
    assert re.fullmatch(rf"savepoint-{job[:6]}-[0-9a-f]{{12}}", name)
    assert _rows(history) == [[1, "COMPLETED", 100.0, f"checkpoints/{job[:8]}…/chk-1"],
                              [2, "COMPLETED", 200.0, f"checkpoints/{job[:8]}…/chk-2"],
                              [3, "COMPLETED", 250.0, f"savepoints/{name}"]]
    assert printed.splitlines() == [f"savepoint: savepoints/{name}", "./", "checkpoints/", f"checkpoints/{job[:8]}…/",
                                    f"checkpoints/{job[:8]}…/chk-2/_metadata", f"checkpoints/{job[:8]}…/shared/",
                                    f"checkpoints/{job[:8]}…/taskowned/", "savepoints/", f"savepoints/{name}/_metadata"]
    _said("The job completed checkpoints at 100 and 200 ms", "deleted `chk-1` when `chk-2` completed",
          f"`savepoint-{job[:6]}-…`: `{job[:6]}` are the first 6 hex digits of the job's ID",
          "It took the next number, 3", "Each folder holds only `_metadata`")


def test_cancel_deletes_the_checkpoint_and_keeps_the_savepoint(lesson: dict[str, Any]) -> None:
    printed, _ = _cell(lesson, "sim.cancel()")
    job, name = lesson["sim"].job_id, os.path.basename(lesson["savepoint"])
    assert printed.splitlines() == ["CANCELED", "./", "checkpoints/", f"checkpoints/{job[:8]}…/",
                                    f"checkpoints/{job[:8]}…/shared/", f"checkpoints/{job[:8]}…/taskowned/",
                                    "savepoints/", f"savepoints/{name}/_metadata"]
    _said("The checkpoint is gone", "the savepoint is still there: Flink never deletes one")


# -- 2. stop with a savepoint, restore ------------------------------------------------------------------------
def test_stop_with_savepoint_finishes_the_job_after_31_clicks(lesson: dict[str, Any]) -> None:
    printed, _ = _cell(lesson, 'client = page_views().execute_async("page views")')
    requested, written, where, counts = printed.splitlines()
    assert requested == "at 300 ms: done = False, job JobStatus.RUNNING"
    assert written == "at 305 ms: done = True, job JobStatus.FINISHED"
    assert where.startswith("savepoint: savepoints/savepoint-")
    assert counts == "views when it stopped: {'about': 3, 'checkout': 4, 'help': 7, 'home': 7, 'search': 4, 'shop': 6}"
    assert sum(lesson["views"](lesson["before"]).values()) == 31
    assert sum(1 for part in lesson["CLICKS"] for arrival, _ in part if arrival <= 300) == 31
    _said("the future is not done, the job RUNNING", "`result()` ran the job on for about 5 ms of virtual time",
          "the job is FINISHED", "By 300 ms it had read 31 clicks", "Stop the job at 300 ms")


def test_the_restored_job_ends_as_if_never_stopped(lesson: dict[str, Any]) -> None:
    _, table = _cell(lesson, '"never stopped": views(never_stopped)')
    assert table.to_dict() == {
        "at the stop": {"about": 3, "checkout": 4, "help": 7, "home": 7, "search": 4, "shop": 6},
        "restored, at the end": {"about": 7, "checkout": 9, "help": 12, "home": 13, "search": 8, "shop": 11},
        "never stopped": {"about": 7, "checkout": 9, "help": 12, "home": 13, "search": 8, "shop": 11}}
    emits = [e.time_ms for e in lesson["restored"].events() if e.kind == "source_emit"]
    assert min(emits) == 310.0 and len(emits) == 29
    _said("the end is exactly what a job that was never stopped prints", "the first one left at 310 ms")


def test_the_savepoint_restores_onto_rocksdb(lesson: dict[str, Any]) -> None:
    printed, _ = _cell(lesson, '"state.backend.type": "rocksdb"')
    assert printed == "restored into RocksDB: True\n"


# -- 3. rescaling ------------------------------------------------------------------------------------------
def test_the_key_group_view_draws_what_the_text_says(lesson: dict[str, Any]) -> None:
    """Ranges 0–63/64–127 then 0–42/43–85/86–127; 43–63 move 0 → 1, 86–127 move 1 → 2: 63 of 128; shop, help and
    checkout move, home, search and about stay."""
    _, view = _cell(lesson, "KeyGroupView(before, after=rescaled, follow=False)")
    model = view.model
    assert model["before"]["ranges"] == [[0, 63], [64, 127]]
    assert model["after"]["ranges"] == [[0, 42], [43, 85], [86, 127]]
    moves = [(s["first"], s["last"], s["from"], s["to"]) for s in model["moves"]["segments"] if s["from"] != s["to"]]
    assert moves == [(43, 63, 0, 1), (86, 127, 1, 2)] and model["moves"]["moved_key_groups"] == 63
    moved = sorted(k["key"] for k in model["moves"]["keys"] if k["from"] != k["to"])
    stayed = sorted(k["key"] for k in model["moves"]["keys"] if k["from"] == k["to"])
    assert (moved, stayed) == (["'checkout'", "'help'", "'shop'"], ["'about'", "'home'", "'search'"])
    assert "63 of 128" in view.summary.value
    _said("at parallelism 2 the ranges 0–63 and 64–127, at 3 the ranges 0–42, 43–85 and 86–127",
          "key groups 43–63 move from subtask 0 to 1 and 86–127 from 1 to 2 — 63 of 128",
          "the views of `shop`, `help` and `checkout`; `home`, `search` and `about` stay where they were")


def test_each_page_counts_on_on_the_subtask_flink_picks(lesson: dict[str, Any]) -> None:
    _, table = _cell(lesson, "first_after = {}")
    assert _rows(table) == [["home", 29, 0, 0, 7, 8, 13], ["search", 36, 0, 0, 4, 5, 8], ["shop", 49, 1, 1, 6, 7, 11],
                            ["about", 77, 1, 1, 3, 4, 7], ["help", 104, 2, 2, 7, 8, 12],
                            ["checkout", 127, 2, 2, 4, 5, 9]]


def test_a_changed_max_parallelism_is_refused_with_flinks_message(lesson: dict[str, Any]) -> None:
    """The error names the source (uid "clicks"), the first operator checked."""
    from flowlab.graph.operator_ids import uid_operator_id

    printed, _ = _cell(lesson, '"pipeline.max-parallelism": "256"')
    assert printed.startswith("StateRestoreError: Failed to rollback to checkpoint/savepoint ")
    assert (f"Max parallelism mismatch between checkpoint/savepoint state and new program. Cannot map operator "
            f"{uid_operator_id('clicks')} with max parallelism 128 to new program with max parallelism 256. This "
            "indicates that the program has been changed in a non-compatible way after the checkpoint/savepoint."
            ) in printed
    _said("here the first one it checks, the source")


def test_an_unset_max_parallelism_is_taken_from_the_savepoint(lesson: dict[str, Any]) -> None:
    """Parallelism 100 restores with 128 key groups and counts on; 200 is refused; 85 derives 128, 86 derives 256."""
    import flowlab
    from flowlab.graph.key_groups import compute_default_max_parallelism
    from flowlab.runtime.checkpointing.restore import StateRestoreError

    page_views, path = lesson["page_views"], lesson["path"]
    sim = flowlab.Simulation(page_views(parallelism=100, config={"execution.state-recovery.path": path}),
                             record_trace=False)
    assert {v.max_parallelism for v in sim.job_graph.vertices} == {128}
    sim.run()
    assert lesson["views"](sim) == lesson["views"](lesson["never_stopped"])
    with pytest.raises(StateRestoreError, match=re.escape(
            "The maximum parallelism (128) of the restored state is lower than the configured parallelism (200)")):
        flowlab.Simulation(page_views(parallelism=200, config={"execution.state-recovery.path": path}))
    assert (compute_default_max_parallelism(85), compute_default_max_parallelism(86)) == (128, 256)
    _said("128 for parallelism up to 85, 256 from 86 on", "this savepoint restores at parallelism 100 with 128 key "
          "groups, and refuses 200 (\"The maximum parallelism (128) of the restored state is lower than the "
          "configured parallelism (200)\")")


# -- 4. operator IDs ----------------------------------------------------------------------------------------
def test_the_savepoint_lists_its_operators_by_id(lesson: dict[str, Any]) -> None:
    """uid "clicks" and "count" give their murmur3 IDs; the sink's is generated."""
    _, table = _cell(lesson, "def stored_operators(savepoint_path):")
    assert _rows(table) == [["77a0f10083e1c8fb475a05f15f6a1a61", "Source: clicks", "clicks", 2, 128],
                            ["b71731f1c0df9c3076c4a455334d0ad6", "count", "count", 2, 128],
                            ["57309805c37220b27fc58cfaaad21127", "views", "—", 2, 128]]
    _said('Murmur3-128 of `"count"` is `b71731f1c0df9c3076c4a455334d0ad6`')


def test_version_2_without_uids_cannot_map_the_count(lesson: dict[str, Any]) -> None:
    """All IDs of version 1 generated; version 2 keeps the source's ID and changes the count's: Flink's message."""
    printed, _ = _cell(lesson, "v1 = flowlab.Simulation(page_views(uids=False))")
    shown = lesson["__shown__"]
    stored = next(t for t in shown if hasattr(t, "columns") and "operator ID" in t.columns and set(t.uid) == {"—"})
    assert list(stored["operator ID"]) == ["bc764cd8ddf7a0cff126f51c16239658", "20ba6b65f97481d5570070de90e4e791",
                                           "c09dc291fad93d575e015871097bfc60"]
    assert printed.startswith("StateRestoreError: Failed to rollback to checkpoint/savepoint ")
    assert ("Cannot map checkpoint/savepoint state for operator 20ba6b65f97481d5570070de90e4e791 to the new program, "
            "because the operator is not available in the new program. If you want to allow to skip this, you can "
            "set the --allowNonRestoredState option on the CLI. (") in printed
    page_views = lesson["page_views"]
    ids = {}
    for drop in (False, True):
        graph = page_views(uids=False, drop_reloads=drop).get_job_graph()
        ids[drop] = {n.name: n.operator_hash for v in graph.vertices for n in v.operators}
    assert ids[True]["Source: clicks"] == ids[False]["Source: clicks"]
    assert ids[True]["count"] != ids[False]["count"] == "20ba6b65f97481d5570070de90e4e791"
    _said("the views stored under `20ba6b65…` belong to no operator", "The source kept its ID")


def test_dropped_state_restarts_the_counts_uids_keep_them(lesson: dict[str, Any]) -> None:
    """ignore-unclaimed-state: every page 1 … 4; with uids: the views go on, home 7 → 11 of 13 clicks."""
    _, table = _cell(lesson, "dropped = flowlab.Simulation(")
    assert table.to_dict() == {
        "at the stop": {"about": 3, "checkout": 4, "help": 7, "home": 7, "search": 4, "shop": 6},
        "v2, state dropped": dict.fromkeys(["about", "checkout", "help", "home", "search", "shop"], 4),
        "v2 with uids": {"about": 7, "checkout": 8, "help": 11, "home": 11, "search": 8, "shop": 10}}
    firsts = {}
    for page, n in lesson["dropped"].outputs("views"):
        firsts.setdefault(page, n)
    assert set(firsts.values()) == {1}
    assert lesson["views"](lesson["never_stopped"])["home"] == 13
    _said("every page starts again from 1 and ends at 4", "(`home`: 7 at the stop, 11 at the end — of its 13 clicks, "
          "2 after the stop were reloads)")


# -- 5. drain -----------------------------------------------------------------------------------------------
def test_without_drain_windows_travel_with_drain_they_fire_twice(lesson: dict[str, Any]) -> None:
    printed, _ = _cell(lesson, "SALES = [")
    assert printed.splitlines() == [
        "advance_to_end_of_event_time=False",
        "   at the stop:      []",
        "   after the restore: [('a', '[0, 1000)', 1, 1), ('b', '[0, 1000)', 9, 2), ('a', '[1000, 2000)', 7, 2), "
        "('b', '[1000, 2000)', 4, 1)]",
        "advance_to_end_of_event_time=True",
        "   at the stop:      [('a', '[0, 1000)', 1, 1), ('b', '[0, 1000)', 3, 1), ('a', '[1000, 2000)', 2, 1), "
        "('b', '[1000, 2000)', 4, 1)]",
        "   after the restore: [('b', '[0, 1000)', 6, 1), ('a', '[1000, 2000)', 5, 1)]"]
    sales = lesson["SALES"]
    assert [s[0] < 100 for s in sales] == [True] * 4 + [False] * 2
    assert ("b", 6) == sales[4][1] and sales[4][2] == 700
    _said("four sales before the stop at 100 ms, two after the restore", "3 from before the stop and 6 from after — 9, "
          "in 2 sales", "**With drain** all four windows fired at the stop", "`b`'s sale at event time 700 is not "
          "late", "emitted a **second time** (6, in 1 sale)")


# -- 6. exercise ------------------------------------------------------------------------------------------
def test_the_exercise_is_described_as_the_checker_runs_it(lesson: dict[str, Any]) -> None:
    from flowlab.exercises import lesson10

    assert lesson10.STOP_MS == 300 and lesson10.PARALLELISM == 3
    _said("The checker runs it for 300 ms and stops it with a savepoint", "count on **3** subtasks")


def test_the_first_attempt_is_told_uids_cannot_give_a_generated_id(lesson: dict[str, Any]) -> None:
    _, result = _cell(lesson, '.uid("count")\n    counts.print().name("views")\n    return env\n\n\ncheck_upgrade')
    assert not result.passed
    assert result.messages[1].startswith("hint: uid('count') gives the count the ID b71731f1c0df9c3076c4a455334d0ad6")


def test_the_template_is_told_which_id_to_pin(lesson: dict[str, Any]) -> None:
    _, result = _cell(lesson, "# TODO")
    assert not result.passed
    assert result.messages[1].endswith(".set_uid_hash('20ba6b65f97481d5570070de90e4e791')")


def test_the_hidden_solution_passes(lesson: dict[str, Any]) -> None:
    source = next(s for s in _cells("code") if s.startswith("SHOW_SOLUTION = False\n"))
    shown: list[Any] = []
    ns = dict(lesson, display=shown.append)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source.replace("SHOW_SOLUTION = False", "SHOW_SOLUTION = True", 1), "solution", "exec"), ns)  # noqa: S102
    (result,) = shown
    assert result.passed, result.messages
