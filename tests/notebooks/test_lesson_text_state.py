"""Lessons 07 (state) and 08 (checkpoints): every number their text states is what their cells compute.

Each lesson's code cells run once in this process, in order, in a temporary directory of their own; a test
finds a cell by a piece of its source and reads what it printed and the value of its last expression.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import io
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.notebooks


def _notebook(number: str) -> Path:
    return next((ROOT / "notebooks").glob(f"{number}_*.ipynb"))


def _cells(number: str, kind: str) -> list[str]:
    nb = json.loads(_notebook(number).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


def _text(number: str) -> str:
    """The lesson's markdown with all whitespace runs made single spaces (sentences wrap across lines)."""
    return " ".join("\n\n".join(_cells(number, "markdown")).split())


def _ran(number: str) -> tuple[tuple[str, str, Any], ...]:
    """(source, printed text, value of the last expression) of every code cell, run in order."""
    return _run(number)[0]


def _namespace(number: str) -> dict[str, Any]:
    """The lesson's variables after its last cell."""
    return _run(number)[1]


@functools.lru_cache(maxsize=None)
def _run(number: str) -> tuple[tuple[tuple[str, str, Any], ...], dict[str, Any]]:
    from IPython.display import display

    namespace: dict[str, Any] = {"display": display}
    out = []
    saved, tmp = tempfile.tempdir, tempfile.mkdtemp(prefix=f"lesson{number}-")
    tempfile.tempdir = tmp                         # lesson 08 writes checkpoints under tempfile.gettempdir()
    try:
        for source in _cells(number, "code"):
            tree = ast.parse(source)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(tree, f"lesson {number}", "exec"), namespace)  # noqa: S102 - our own lesson
                value = eval(compile(ast.Expression(last.value), f"lesson {number}", "eval"),  # noqa: S307
                             namespace) if last is not None else None
            out.append((source, printed.getvalue(), value))
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(tmp, ignore_errors=True)
    return tuple(out), namespace


def _cell(number: str, piece: str) -> tuple[str, Any]:
    """(printed text, value) of the one code cell whose source contains ``piece``."""
    found = [(printed, value) for source, printed, value in _ran(number) if piece in source]
    assert len(found) == 1, f"{len(found)} cells of lesson {number} contain {piece!r}"
    return found[0]


def _says(number: str, *sentences: str) -> None:
    text = _text(number)
    for sentence in sentences:
        assert " ".join(sentence.split()) in text, sentence


def _rows(frame: Any) -> list[list[Any]]:
    return [list(r) for r in frame.itertuples(index=False)]


# -- lesson 07 ---------------------------------------------------------------------------------------
def test_lesson07_running_total_remembers_earlier_records() -> None:
    """alice's 12 becomes 1200 cents and a running total of 42, as the text says."""
    _, table = _cell("07", '"reduce: running total (stateful)"')
    assert tuple(table.iloc[2, 0]) == ("alice", 1200) and tuple(table.iloc[2, 1]) == ("alice", 42)
    _says("07", '`("alice", 12)` becomes 1200 cents whatever came before; the running total turns it into '
                '`("alice", 42)`', "(Java's reduce operator calls it `_op_state`)")


def test_lesson07_keys_live_on_the_subtask_owning_their_key_group() -> None:
    """carol and dave on subtask 0 (key groups 0–63), alice and bob on subtask 1 (64–127)."""
    _, table = _cell("07", '"subtask\'s key groups"')
    assert _rows(table) == [["carol", 7, 0, "0–63"], ["dave", 59, 0, "0–63"], ["alice", 96, 1, "64–127"],
                            ["bob", 109, 1, "64–127"]]
    _says("07", "subtask 0 the key groups 0–63, subtask 1 the key groups 64–127",
          "(carol and dave live on subtask 0, alice and bob on subtask 1)")


def test_lesson07_each_handle_reads_its_own_key() -> None:
    """The profile rows: alice's amounts grow to [30, 12, 3], bob's to [5, 7]; totals and averages per user."""
    rows = _namespace("07")["profile_rows"]
    last = {r.user: r for r in rows.itertuples()}
    assert (last["alice"].amounts, last["bob"].amounts) == ([30, 12, 3], [5, 7])
    assert (last["alice"].sizes, last["alice"].total, last["alice"].average) == ({"large": 2, "small": 1}, 45, 15.0)
    _says("07", "alice's `amounts` grew to `[30, 12, 3]` while bob's stayed `[5, 7]`")


def test_lesson07_window_state_and_global_state_are_two_scopes() -> None:
    """At 260 ms: firings a/[0, 1000) = 2, a = 2, b = 1; window-contents holds [1000, 2000) with 4 and 6."""
    _, view = _cell("07", "sim.run(until_ms=260)")
    (op,) = view._snapshot["state"]["operators"]
    states = {s["name"]: [(e["key"], e["namespace"], e["value"]) for e in s["entries"]] for s in op["keyed"]}
    assert sorted(states) == ["firings", "window-contents"]
    assert states["firings"] == [("a", "[0, 1000)", "2"), ("a", None, "2"), ("b", "[0, 1000)", "1"), ("b", None, "1")]
    assert [e[1] for e in states["window-contents"]] == ["[0, 1000)", "[0, 1000)", "[1000, 2000)"]
    assert [v[:len("(('a', 4")] for v in states["window-contents"][2][2]] == ["(('a', 4", "(('a', 6"]
    _says("07", "(`a` in `[0, 1000)`: 2 — it fired on time and again for the late payment) and one per key "
                "**without** a window (`a`: 2, `b`: 1)", "`[1000, 2000)` holds payments 4 and 6")


def test_lesson07_window_firings_count_per_window_and_per_key() -> None:
    """The end of input fires [1000, 2000): its first firing, a's third."""
    _, table = _cell("07", 'sim.run()\npd.DataFrame(sim.outputs("fired"))')
    assert _rows(table)[-1] == ["a", "[1000, 2000)", [4, 6], 1, 3]
    assert _rows(table)[2] == ["a", "[0, 1000)", [1, 2, 5], 2, 2]


def test_lesson07_ttl_expires_at_last_write_plus_ttl() -> None:
    """Written at 1 ms: there at 1000 ms, gone at 1001 ms; reads renew it only with OnReadAndWrite."""
    _, table = _cell("07", "on_write = ttl_run(")
    assert _rows(table) == [[1, "write", "wrote 30", "wrote 30"], [601, "read", 30, 30], [1000, "read", 30, 30],
                            [1001, "read", None, 30], [1700, "read", None, 30]]
    _says("07", "the value written at 1 ms is still there at 1000 ms (1 + 1000 > 1000) and **gone at 1001 ms**",
          "the read at 601 ms keeps it until 1601 ms, the read at 1001 ms until 2001 ms, so it is still there at "
          "1700 ms")


def test_lesson07_duration_ttl_is_refused_with_the_reason() -> None:
    """new_builder(Duration) raises the TypeError the text announces."""
    printed, _ = _cell("07", "StateTtlConfig.new_builder(Duration.of_seconds(1))")
    assert printed.startswith("TypeError: StateTtlConfig.new_builder takes a Time")


def test_lesson07_every_instance_applies_every_rule() -> None:
    """Each rule is printed by both subtasks; the limit is 6 on both at the end; bob's 7 alerts."""
    printed, _ = _cell("07", "sim = alerts(LargePayments())")
    lines = printed.splitlines()
    assert lines[:2] == ["subtask 0: rule limit = 20", "subtask 1: rule limit = 20"]
    assert "subtask 1: ALERT bob paid 7 > limit 6" in lines
    assert lines[-1] == "copies at the end: {'subtask 0': \"'limit': 6\", 'subtask 1': \"'limit': 6\"}"
    _says("07", "Each rule was processed **twice**", "After the second rule (at 40 ms) the limit is 6 everywhere.")


def test_lesson07_a_non_deterministic_broadcast_side_makes_copies_differ() -> None:
    """Drifting: limit 7 on subtask 0, 9 on subtask 1, and bob's 7 no longer alerts."""
    printed, _ = _cell("07", "sim = alerts(Drifting())")
    assert printed.splitlines()[-1] == ("copies at the end: {'subtask 0': \"'limit': 7\", "
                                        "'subtask 1': \"'limit': 9\"}")
    assert "bob" not in printed
    _says("07", "The copies now disagree (7 on subtask 0, 9 on subtask 1): bob's payment of 7 passes on subtask 1")


def test_lesson07_writing_broadcast_state_from_the_keyed_side_fails() -> None:
    """The job fails with the read-only error, an AttributeError as in PyFlink."""
    printed, _ = _cell("07", "sim = alerts(Lowering())")
    status, error = printed.splitlines()
    assert status == "FAILED"
    assert error.startswith("flowlab.runtime.state.operator_state.ReadOnlyBroadcastStateError: Broadcast state "
                            "'rules' is read-only in process_element")
    assert error.endswith("(PyFlink raises AttributeError: 'SynchronousReadOnlyBroadcastRuntimeState' object has no "
                          "attribute 'put'.)")


def test_lesson07_operator_state_follows_each_checkpoint() -> None:
    """Counts 5 and 2 at the first checkpoint, 10 and 4 at the last."""
    _, table = _cell("07", "class CountPerInstance(")
    assert [(r[0], r[1], r[2]) for r in _rows(table)][::2] == [
        (42.003, 0, "count = ['5'] (SPLIT_DISTRIBUTE)"), (82.003, 0, "count = ['9'] (SPLIT_DISTRIBUTE)"),
        (122.003, 0, "count = ['10'] (SPLIT_DISTRIBUTE)")]
    assert [r[2] for r in _rows(table)][1::2] == ["count = ['2'] (SPLIT_DISTRIBUTE)", "count = ['4'] (SPLIT_DISTRIBUTE)",
                                                  "count = ['4'] (SPLIT_DISTRIBUTE)"]
    _says("07", "5 and 2 at the first one (40 ms), 10 and 4 in the end")


def test_lesson07_checkpointed_function_is_marked_as_not_pyflink() -> None:
    """The cell introducing CheckpointedFunction says PyFlink 2.3 has none and that it is a flowlab extension."""
    cell = next(c for c in _cells("07", "markdown") if "`CheckpointedFunction`" in c)
    assert "**PyFlink 2.3 has none**" in cell and "flowlab extension" in cell


def test_lesson07_rocksdb_holds_one_column_family_per_state() -> None:
    """Same results on both backends; the database of subtask 0 lists a column family per state name."""
    printed, _ = _cell("07", "heap, rocks = profiles(")
    assert printed == "same results: True\n"
    printed, _ = _cell("07", "rocksdict.Rdict.list_cf(db)")
    assert printed.splitlines()[-1] == "column families: ['default', 'last', 'amounts', 'sizes', 'total', 'average']"
    assert re.search(r"subtask 0: job_[0-9a-f]{32}_op_KeyedProcessOperator_n3__1_2___uuid_1/", printed)


def test_lesson07_rocksdb_sizes_match_the_key_layout() -> None:
    """Subtask 0's 'last' takes 23 bytes: 12 for carol, 11 for dave."""
    _, table = _cell("07", '"bytes in RocksDB"')
    assert _rows(table)[0] == [0, "last", 2, 23]
    _says("07", "its 23 bytes of `last` are 12 for carol — key group (1) + `\"carol\"` (1 length byte + 5) + "
                "namespace (1) + an `INT` value (4) — and one byte less for dave.")


def test_lesson07_changes_without_update_are_lost_on_rocksdb() -> None:
    """The in-place change keeps alice's history on the heap only."""
    _, table = _cell("07", "class Forgetful(")
    assert table["hashmap"].tolist() == [[30], [30, 12], [30, 12, 3]]
    assert table["rocksdb"].tolist() == [[30], [30], [30]]


def test_lesson07_rocksdb_access_costs_what_the_text_says() -> None:
    """busyTimeMsPerSecond 12 on the heap, 40.716 on RocksDB at 10 000 records/s."""
    _, table = _cell("07", "def busy_ms_per_second(")
    assert table["busyTimeMsPerSecond"].to_dict() == {"hashmap": 12.0, "rocksdb": 40.716}
    _says("07", "on the heap 2 × 0.1 µs (12 ms of busy time per second), on RocksDB 2 × ~1.54 µs for an 18-byte entry "
                "(about 41 ms per second) — each RocksDB access costs about 15 heap accesses")


def test_lesson07_legacy_backends_warn_and_map_to_flink2_configuration() -> None:
    """The three 1.x classes warn with their 2.x equivalent; set_state_backend gives rocksdb + filesystem."""
    printed, _ = _cell("07", "MemoryStateBackend()\n")
    warnings = [line for line in printed.splitlines() if line]
    assert [w.split("(")[0] for w in warnings] == ["LegacyStateBackendWarning: MemoryStateBackend",
                                                   "LegacyStateBackendWarning: FsStateBackend",
                                                   "LegacyStateBackendWarning: RocksDBStateBackend"]
    assert all(" was removed in Flink 2.0 (it bundled the state backend and the checkpoint storage)" in w
               for w in warnings)
    assert "state.backend.type: hashmap, execution.checkpointing.storage: jobmanager" in warnings[0]
    assert "EmbeddedRocksDBStateBackend() plus FileSystemCheckpointStorage(" in warnings[2]
    printed, _ = _cell("07", "env.set_state_backend(legacy)")
    warning, _, backend, storage = printed.splitlines()
    assert warning.startswith("LegacyStateBackendWarning: env.set_state_backend(...) was removed in Flink 2.0 (PyFlink "
                              "2.3 has no such method). Set the configuration instead — here state.backend.type: rocksdb")
    assert backend == "state backend:      rocksdb"
    assert storage.startswith("checkpoint storage: filesystem under ")


def test_lesson07_first_attempt_is_told_its_state_never_expires() -> None:
    """The exercise's first attempt (no TTL) fails with the no-expiry hint."""
    _, result = _cell("07", "        self.seen = runtime_context.get_state(ValueStateDescriptor(\"seen\", Types.BOOLEAN()))")
    assert not result.passed and result.messages[0].endswith("your state never expires")


# -- lesson 08 ---------------------------------------------------------------------------------------
def test_lesson08_first_checkpoint_is_triggered_at_50_ms_step_611() -> None:
    """The trigger the text and the Dashboard hint name."""
    printed, view = _cell("08", 'sim.break_on("checkpoint_triggered")')
    assert printed.startswith("[<611 t=50ms checkpoint_triggered  CheckpointCoordinator triggers checkpoint 1")
    _says("08", "(the first checkpoint is triggered at step 611)")


def test_lesson08_first_barrier_blocks_its_channel() -> None:
    """Barriers emitted at 51 ms, acknowledged at 52.002 ms; v1[0]'s barrier blocks its channel at 53.43 ms."""
    table = _namespace("08")["first_barrier"]
    assert [(r[1], r[2], r[3], r[4]) for r in _rows(table)] == [
        (51.0, "barrier", "v1", 0), (51.0, "snapshot", "v1", 0), (51.0, "barrier", "v1", 1),
        (51.0, "snapshot", "v1", 1), (51.002, "snapshot", "v1", 0), (51.002, "snapshot", "v1", 1),
        (52.002, "checkpoint_ack", "v1", 0), (52.002, "checkpoint_ack", "v1", 1), (53.43, "barrier", "v2", 0),
        (53.43, "channel_blocked", "v2", 0)]
    _says("08", "emitted barrier 1 at 51 ms", "reached the counter first, at 53.43 ms: the counter **blocked that "
                                              "channel**")


def test_lesson08_aligned_checkpoint_completes_as_told() -> None:
    """Aligned at 65.77 ms after 12.34 ms; complete at 66.774 ms, 16.774 ms after the trigger."""
    alignment = _namespace("08")["alignment"]
    assert [(r[1], r[2]) for r in _rows(alignment)][:4] == [(65.77, "barrier"), (65.77, "channel_blocked"),
                                                           (65.77, "snapshot"), (65.77, "channel_unblocked")]
    assert _rows(alignment)[3][5].startswith("channel from v1[0] unblocked after 12.34 ms")
    _, history = _cell("08", "blocked_step = sim.step_count")
    assert _rows(history[["id", "status", "trigger_time_ms", "latest_ack_ms", "duration_ms", "alignment_ms",
                          "state_size"]]) == [[1, "COMPLETED", 50.0, 66.774, 16.774, 12.34, 329]]
    _says("08", "At 65.77 ms the barrier from `v1[1]` arrived: the counter was **aligned** after waiting 12.34 ms",
          "reached the JobMaster at 66.774 ms, completing checkpoint 1 — 16.774 ms after the trigger")


def test_lesson08_checkpoint_details_per_subtask() -> None:
    """Sources 2.002 ms end to end; the counter: start delay 3.43 ms, alignment 12.34 ms, 215 bytes."""
    _, details = _cell("08", "sim.checkpoint_details(1)")
    assert _rows(details[["vertex", "end_to_end_ms", "state_size", "alignment_ms", "start_delay_ms"]]) == [
        ["v1", 2.002, 56, 0.0, 1.0], ["v1", 2.002, 58, 0.0, 1.0], ["v2", 16.774, 215, 12.34, pytest.approx(3.43)]]
    _says("08", "waited 3.43 ms for its first barrier (`start_delay_ms`) and 12.34 ms for the second "
                "(`alignment_ms`). Its state is 215 bytes")


def test_lesson08_cuts_per_mode() -> None:
    """Aligned 51/354 exactly; at-least-once 65 a's of 51 read; unaligned 49 + 2 and 88 + 266 in channels."""
    tables = [value for source, _, value in _ran("08") if source.startswith("cut_table(") or "cut_table(alo, 1)" in
              source or "cut_table(ua, 1)" in source]
    assert [_rows(t) for t in tables] == [[[51, 51, 0], [354, 354, 0]], [[51, 65, 0], [354, 354, 0]],
                                          [[51, 49, 2], [354, 88, 266]]]
    _says("08", "The stored counts are exactly the clicks the sources had read before their barriers: 51 on `a`, 354 "
                "on `b`", "The snapshot holds 65 clicks on `a`, but the source's position says 51: **14 clicks "
                "crossed the barrier**", "(49 + 2 = 51 clicks on `a`, 88 + 266 = 354 on `b`)")


def test_lesson08_modes_side_by_side() -> None:
    """Durations 16.774 / 17.49 / 3.124 ms; 14 crossed records; 17 152 bytes of in-flight data unaligned."""
    _, table = _cell("08", '("AT_LEAST_ONCE", alo)')
    assert _rows(table) == [[16.774, 12.34, 0, 0, 329], [17.49, 13.056, 14, 0, 329], [3.124, 0.0, 0, 17152, 7590]]
    _says("08", "17 152 bytes of in-flight data (268 clicks × 64 bytes)", "The first barrier reached the counter at 52 ms")


def test_lesson08_aligned_checkpoints_expire_under_backpressure() -> None:
    """The first aligned checkpoint takes 2107 ms; the next two expire after 3000 ms."""
    _, table = _cell("08", "runs = {")
    assert _rows(table[["id", "status", "duration_ms"]])[:3] == [[1, "COMPLETED", 2107.0], [2, "FAILED", 3000.0],
                                                                 [3, "FAILED", 3000.0]]
    _says("08", "The first aligned checkpoint takes 2.1 s", "checkpoints 2 and 3 **expire** after the 3 s timeout")


def test_lesson08_debloating_and_unaligned_measured() -> None:
    """Debloating: 6 complete, the longest 1826 ms; unaligned: 19 within 7 ms storing up to 861 KiB; 2000/s."""
    _, table = _cell("08", "def summary(s):")
    rows = {name: row for name, row in zip(table.index, _rows(table))}
    assert rows["aligned + buffer debloating"][:3] == [6, 0, 1826.0]
    assert rows["unaligned"][:2] == [19, 0] and rows["unaligned"][2] < 7 and rows["unaligned"][4] == 861
    assert [r[5] for r in rows.values()] == [2000, 1996, 2000]
    _says("08", "every checkpoint completes within the timeout (the longest in 1.8 s)",
          "up to 861 KiB of in-flight data per checkpoint here")


def test_lesson08_retained_checkpoints_on_disk() -> None:
    """Five completed, chk-4 and chk-5 left with shared/ and taskowned/; the header is flowlab's."""
    printed, _ = _cell("08", 'kept = page_counts("retained"')
    assert printed.splitlines()[-6:] == ["./", "c0373846…/", "c0373846…/chk-4/_metadata", "c0373846…/chk-5/_metadata",
                                         "c0373846…/shared/", "c0373846…/taskowned/"]
    printed, _ = _cell("08", 'metadata = os.path.join(')
    assert printed.startswith("FLOWLAB-CHECKPOINT-METADATA v1 ")
    _says("08", "Five checkpoints completed (at 200, 400, … 1000 ms); only the last two, `chk-4` and `chk-5`, are left")


def test_lesson08_retention_decides_what_survives_cancel() -> None:
    """RETAIN_ON_CANCELLATION keeps chk-4/5 after cancel; the default leaves only shared/ and taskowned/."""
    printed, _ = _cell("08", "kept.cancel()")
    after = printed.split("after cancelling 'not retained' too:\n")[1].splitlines()
    assert after == ["./", "31012bc7…/", "31012bc7…/shared/", "31012bc7…/taskowned/", "c0373846…/",
                     "c0373846…/chk-4/_metadata", "c0373846…/chk-5/_metadata", "c0373846…/shared/",
                     "c0373846…/taskowned/"]


def test_lesson08_points_to_the_lessons_on_restore_and_savepoints() -> None:
    """Lesson 08 takes checkpoints only; it sends the reader to lesson 09 (restore) and 10 (savepoints)."""
    _says("08", "Savepoints (lesson 10) are taken by the same barrier mechanism.")
    _says("08", "lesson 09 fails a job and restores it, and lesson 10 takes savepoints.")


@pytest.mark.parametrize("number", ["07", "08"])
def test_hidden_solution_passes_its_check(number: str) -> None:
    """With SHOW_SOLUTION = True the solution cell displays a passing check."""
    source = next(s for s in _cells(number, "code") if s.startswith("SHOW_SOLUTION = False\n"))
    shown: list[Any] = []
    namespace = dict(_namespace(number), display=shown.append)
    exec(compile(source.replace("SHOW_SOLUTION = False", "SHOW_SOLUTION = True", 1), "solution", "exec"),  # noqa: S102
         namespace)
    (result,) = shown
    assert result.passed, result.messages
