"""Lesson 04 exercise: windows with allowed lateness and a side output for what is too late.

Clicks ``(user, clicks)`` arrive one every 100 virtual ms with event timestamps and a bounded-out-of-orderness
watermark of 100 ms (given). The student writes ``build_job(clicks, too_late_tag)`` returning the stream of
window results ``(user, window_start, window_end, total_clicks)`` — tumbling 1000 ms event-time windows that
accept records up to 500 ms late (re-firing with the full, updated total) — and sends records later than that
to the side output ``too_late_tag``. ``check_late_data(build_job)`` compares the results with ``EXPECTED`` and
``EXPECTED_TOO_LATE`` and explains, record by record, what went where and why.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowlab.exercises.result import CheckResult

TITLE = "Exercise 04 — late data: update what you can, keep what you can't"
#: (user, clicks, event time ms), arriving one every 100 virtual ms in this order
CLICKS: list[tuple[str, int, int]] = [
    ("alice", 1, 100), ("bob", 2, 300), ("alice", 3, 700), ("bob", 4, 1050), ("alice", 5, 1200),
    ("bob", 6, 900), ("alice", 7, 1600), ("alice", 8, 950), ("bob", 9, 1900), ("alice", 10, 2100),
    ("bob", 11, 1500), ("alice", 12, 2600), ("bob", 13, 1400), ("alice", 14, 2999),
]
GAP_MS = 100
DELAY_MS = 100
WATERMARK_INTERVAL_MS = 50
WINDOW_MS = 1000
LATENESS_MS = 500
PARALLELISMS = (1, 2)
#: every window result, in the order each (user, window) fires
EXPECTED: list[tuple[str, int, int, int]] = [
    ("alice", 0, 1000, 4), ("bob", 0, 1000, 2), ("bob", 0, 1000, 8),
    ("alice", 1000, 2000, 12), ("bob", 1000, 2000, 13), ("bob", 1000, 2000, 24),
    ("alice", 2000, 3000, 36),
]
EXPECTED_TOO_LATE: list[tuple[str, int, int]] = [("alice", 8, 950), ("bob", 13, 1400)]
LONG_MIN = -(2 ** 63)


def clicks_stream(env: Any) -> Any:
    """The scripted clicks with timestamps and a 100 ms bounded-out-of-orderness watermark."""
    from flowlab.common import Duration, Types, WatermarkStrategy
    from flowlab.sources import ScriptedSource
    env.get_config().set_auto_watermark_interval(WATERMARK_INTERVAL_MS)
    env.set_buffer_timeout(0)
    source = ScriptedSource([(i * GAP_MS, c, c[2]) for i, c in enumerate(CLICKS)])
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(DELAY_MS))
    return env.from_source(source, strategy, "clicks",
                           type_info=Types.TUPLE([Types.STRING(), Types.INT(), Types.LONG()]))


def watermark_before(index: int) -> int:
    """The watermark a downstream operator has when click ``index`` arrives (max of earlier ts − delay − 1)."""
    earlier = [ts for _, _, ts in CLICKS[:index]]
    return max(earlier) - DELAY_MS - 1 if earlier else LONG_MIN


def _norm(row: Any) -> Any:
    if hasattr(row, "_values"):
        row = tuple(row._values)
    return tuple(row) if isinstance(row, list) else row


def _run(build_job: Callable, parallelism: int) -> tuple[list | None, list | None, str | None]:
    from flowlab.common import Types
    from flowlab.datastream import DataStream, KeyedStream, OutputTag, StreamExecutionEnvironment
    from flowlab.runtime import Simulation

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    tag = OutputTag("too-late", Types.TUPLE([Types.STRING(), Types.INT(), Types.LONG()]))
    try:
        got = build_job(clicks_stream(env), tag)
    except Exception as exc:  # the student's code: report, do not crash the checker
        return None, None, f"build_job raised {type(exc).__name__}: {exc}"
    if got is None:
        return None, None, "build_job returned None: return the DataStream of window results"
    if isinstance(got, tuple):
        return None, None, ("build_job must return only the window results; the checker fetches the side output "
                            "itself with results.get_side_output(too_late_tag)")
    if isinstance(got, KeyedStream) or not isinstance(got, DataStream):
        return None, None, (f"build_job must return the DataStream of window results, got {type(got).__name__}: "
                            "key_by(...).window(...)...process(...) returns it")
    try:
        got.print().name("checker: results")
        got.get_side_output(tag).print().name("checker: too late")
    except Exception as exc:
        return None, None, f"the job could not be built: {type(exc).__name__}: {exc}"
    try:
        sim = Simulation(env, seed=0, record_trace=False)
        sim.run()
    except Exception as exc:
        return None, None, f"the job could not be built: {type(exc).__name__}: {exc}"
    if sim.job_status != "FINISHED":
        last = (sim.failure or "").strip().splitlines()
        return None, None, f"the job failed: {last[-1] if last else sim.job_status}"
    return ([_norm(r) for r in sim.outputs("checker: results")],
            [_norm(r) for r in sim.outputs("checker: too late")], None)


def _fate(index: int, lateness: int) -> str:
    """What Flink does with click ``index`` under allowed lateness ``lateness``, in words."""
    user, clicks, ts = CLICKS[index]
    wm = watermark_before(index)
    start = ts - ts % WINDOW_MS
    end = start + WINDOW_MS
    if wm == LONG_MIN or ts > wm:
        return "on time"
    if end - 1 + lateness > wm:
        return f"late (watermark {wm}) but window [{start}, {end}) is kept until watermark {end - 1 + lateness}"
    return f"too late: window [{start}, {end}) was cleaned up at watermark {end - 1 + lateness} <= {wm}"


def check_late_data(build_job: Callable) -> CheckResult:
    """Run ``build_job(clicks, too_late_tag)`` at parallelism 1 and 2 and explain the window results."""
    result = CheckResult(TITLE)
    if not callable(build_job):
        return result.fail("pass your function itself: check_late_data(build_job), without calling it")
    for p in PARALLELISMS:
        got, late, problem = _run(build_job, p)
        if problem is None:
            problem = _diagnose(got, late)
        if problem is not None:
            where = f" (at parallelism {p})" if p != PARALLELISMS[0] else ""
            result.fail(problem + where)
            return result
    result.note(f"all {len(EXPECTED)} window results are right, re-firings included ✓")
    result.note(f"the {len(EXPECTED_TOO_LATE)} too-late clicks {EXPECTED_TOO_LATE} are in the side output, nothing "
                "was dropped silently ✓")
    return result.note(f"Well done! Same results at parallelism {' and '.join(map(str, PARALLELISMS))}.")


def _diagnose(got: list, late: list) -> str | None:
    """The first thing wrong with the results, as a hint; None when correct."""
    for r in got:
        if not (isinstance(r, tuple) and len(r) == 4):
            return (f"each window result must be (user, window_start, window_end, total_clicks); got {r!r}. A reduce "
                    "alone cannot see the window: use process(ProcessWindowFunction) and context.window().start/.end "
                    "(or reduce(..., window_function=...))")
    bounds = {(r[1], r[2]) for r in got}
    odd = sorted(b for b in bounds if b[1] - b[0] != WINDOW_MS or b[0] % WINDOW_MS)
    if odd:
        return (f"window [{odd[0][0]}, {odd[0][1]}) is not a tumbling {WINDOW_MS} ms window: use "
                f"TumblingEventTimeWindows.of(Time.milliseconds({WINDOW_MS})) (windows [0, 1000), [1000, 2000), ...)")
    want = sorted(EXPECTED)
    mine = sorted(got)
    if mine == want and sorted(late) == sorted(EXPECTED_TOO_LATE):
        return None
    # per (user, window): the sequence of totals it fired with
    def firings(rows: list) -> dict[tuple, list[int]]:
        out: dict[tuple, list[int]] = {}
        for user, start, end, total in rows:
            out.setdefault((user, start, end), []).append(total)
        return out
    f_want, f_got = firings(EXPECTED), firings(got)
    # allowed lateness 0: the late-but-allowed clicks are missing
    for i, (user, clicks, ts) in enumerate(CLICKS):
        fate = _fate(i, LATENESS_MS)
        start = ts - ts % WINDOW_MS
        key = (user, start, start + WINDOW_MS)
        if fate.startswith("late ") and len(f_got.get(key, [])) < len(f_want[key]):
            in_side = (user, clicks, ts) in late
            what = "went to the side output" if in_side else "was dropped"
            return (f"click {(user, clicks, ts)} arrived when the watermark was {watermark_before(i)}, after window "
                    f"[{start}, {start + WINDOW_MS}) had fired, and {what}: {user}'s window should have fired again "
                    f"with total {f_want[key][-1]} (got {f_got.get(key)}). Keep windows {LATENESS_MS} ms longer with "
                    f".allowed_lateness({LATENESS_MS}) — state is then kept until end − 1 + {LATENESS_MS}")
        if fate.startswith("too late") and len(f_got.get(key, [])) > len(f_want[key]):
            return (f"click {(user, clicks, ts)} arrived when the watermark was {watermark_before(i)}: with allowed "
                    f"lateness {LATENESS_MS} ms window [{start}, {start + WINDOW_MS}) is already gone, yet your job "
                    f"fired it again ({f_got[key]}). The allowed lateness must be exactly {LATENESS_MS} ms")
    for key, totals in f_want.items():
        if key not in f_got:
            return f"no result for {key[0]}'s window [{key[1]}, {key[2]}) (expected totals {totals})"
        if f_got[key] != totals:
            if sorted(f_got[key]) == sorted(totals):
                continue
            return (f"{key[0]}'s window [{key[1]}, {key[2]}) fired with totals {f_got[key]}, expected {totals}: sum the "
                    "clicks (field 1) per user and window; each firing reports the full total so far")
    extra = [k for k in f_got if k not in f_want]
    if extra:
        return f"unexpected results for {extra[0][0]}'s window [{extra[0][1]}, {extra[0][2]})"
    if not late:
        return (f"the side output is empty, but {EXPECTED_TOO_LATE} are too late even for the allowed lateness: "
                "Flink drops such records silently unless you add .side_output_late_data(too_late_tag) to the window")
    if sorted(late) != sorted(EXPECTED_TOO_LATE):
        return (f"the side output holds {late}, expected the original clicks {EXPECTED_TOO_LATE}: pass the tag given "
                "to build_job to .side_output_late_data(...)")
    return None
