"""Lesson 03 exercise: choose a watermark delay that is both safe and fast enough.

A scripted sensor stream (one record every 100 virtual ms, out of order) feeds a tumbling 1000 ms
event-time window. The student picks a ``WatermarkStrategy`` (or just the out-of-orderness in ms) so that
(1) **no record is late** — when a record reaches the window operator, its event time is above the
operator's watermark — and (2) the window ``[0, 1000)`` **fires before 1000 virtual ms**.
``check_watermark_strategy(strategy)`` runs the job and explains which record was late and which watermark
made it late, or when the window fired and which record's arrival let it fire.
"""
from __future__ import annotations

from typing import Any

from flowlab.exercises.result import CheckResult

TITLE = "Exercise 03 — a watermark that is safe and fast"
#: (arrival virtual ms, event time ms) of the sensor readings, in arrival order
READINGS: list[tuple[int, int]] = [
    (0, 100), (100, 350), (200, 200), (300, 600), (400, 450), (500, 900), (600, 700), (700, 1150),
    (800, 850), (900, 1350), (1000, 1100), (1100, 1500), (1200, 1700), (1300, 1950), (1400, 2400),
    (1500, 2200), (1600, 2600),
]
WINDOW_MS = 1000
DEADLINE_MS = 1000
WATERMARK_INTERVAL_MS = 50
LONG_MIN = -(2 ** 63)
LONG_MAX = 2 ** 63 - 1


def _fmt(wm: int) -> str:
    return "Long.MIN_VALUE" if wm == LONG_MIN else "Long.MAX_VALUE" if wm == LONG_MAX else str(wm)


def min_safe_delay() -> int:
    """The smallest out-of-orderness (ms) with which no reading is late: the largest disorder."""
    worst, top = 0, LONG_MIN
    for _, ts in READINGS:
        if top != LONG_MIN:
            worst = max(worst, top - ts)
        top = max(top, ts)
    return worst


def max_fast_delay() -> int:
    """The largest out-of-orderness (ms) that still closes [0, 1000) with a reading arriving before the deadline."""
    top = max(ts for arrival, ts in READINGS if arrival < DEADLINE_MS - WATERMARK_INTERVAL_MS)
    return top - WINDOW_MS


def build_job(env: Any, strategy: Any) -> tuple[Any, Any]:
    """sensor source -> key_by -> probe (records the watermark on arrival) and -> tumbling window count."""
    from flowlab.common import Time, Types
    from flowlab.datastream import KeyedProcessFunction, ProcessWindowFunction
    from flowlab.datastream.window import TumblingEventTimeWindows
    from flowlab.sources import ScriptedSource

    class Probe(KeyedProcessFunction):
        def process_element(self, value, ctx):
            yield (value[1], ctx.timer_service().current_watermark(), ctx.timer_service().current_processing_time())

    class Count(ProcessWindowFunction):
        def process(self, key, context, elements):
            w = context.window()
            yield (w.start, w.end, len(list(elements)), context.current_watermark(),
                   context.current_processing_time())

    source = ScriptedSource([(arrival, ("sensor", ts), ts) for arrival, ts in READINGS])
    readings = env.from_source(source, strategy, "sensor")
    keyed = readings.key_by(lambda r: r[0], key_type=Types.STRING())
    probe = keyed.process(Probe()).name("probe")
    windows = keyed.window(TumblingEventTimeWindows.of(Time.milliseconds(WINDOW_MS))).process(Count()).name("count")
    probe.print()
    windows.print()
    return probe, windows


def _raiser(arrived_before: list[int], watermark: int, delay: int | None) -> str:
    """Which reading raised ``watermark`` (the max event time seen so far), as a phrase."""
    if not arrived_before:
        return ""
    top = max(arrived_before)
    if delay is not None and watermark == top - delay - 1:
        return f", raised by the reading with event time {top} ms ({top} − {delay} − 1 = {watermark})"
    return f" (the largest event time seen before it was {top} ms)"


def check_watermark_strategy(strategy: Any) -> CheckResult:
    """Run the sensor job with ``strategy`` (a WatermarkStrategy, or an out-of-orderness in ms) and explain."""
    from flowlab.common import Duration, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.runtime import Simulation

    result = CheckResult(TITLE)
    delay: int | None = None
    if isinstance(strategy, bool) or strategy is None:
        return result.fail("pass a WatermarkStrategy, e.g. WatermarkStrategy.for_bounded_out_of_orderness("
                           "Duration.of_millis(...)), or the out-of-orderness in ms as an int")
    if isinstance(strategy, int):
        if strategy < 0:
            return result.fail(f"the out-of-orderness must be >= 0 ms, got {strategy}")
        delay = strategy
        strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(delay))
    if not isinstance(strategy, WatermarkStrategy):
        return result.fail(f"expected a WatermarkStrategy or an int (ms), got {type(strategy).__name__}")
    if delay is None:
        desc = strategy.description
        if desc.startswith("bounded out-of-orderness "):
            delay = int(desc.split()[2])
        elif desc == "monotonous timestamps":
            delay = 0
    if not strategy.emits_watermarks:
        return result.fail("WatermarkStrategy.no_watermarks() never emits a watermark: the window operator stays at "
                           "Long.MIN_VALUE, so nothing is late — but [0, 1000) can only fire on the final MAX watermark "
                           "when the input ends, far after the deadline. Use for_bounded_out_of_orderness")
    env = StreamExecutionEnvironment.get_execution_environment()
    env.get_config().set_auto_watermark_interval(WATERMARK_INTERVAL_MS)
    env.set_buffer_timeout(0)
    try:
        build_job(env, strategy)
        sim = Simulation(env, seed=0)
        sim.run()
    except Exception as exc:  # the student's strategy: report, do not crash the checker
        return result.fail(f"the job could not run with this strategy: {type(exc).__name__}: {exc}")
    if sim.job_status != "FINISHED":
        return result.fail(f"the job did not finish ({sim.job_status}): {sim.failure}")
    probe_rows, window_rows = _split_outputs(sim)
    late = [(ts, wm) for ts, wm, _ in probe_rows if wm != LONG_MIN and ts <= wm]
    arrival_of = {ts: arrival for arrival, ts in READINGS}
    ok = True
    if late:
        ok = False
        ts, wm = late[0]
        before = [t for a, t in READINGS if a < arrival_of[ts]]
        result.fail(f"the reading with event time {ts} ms (arrived at {arrival_of[ts]} virtual ms) is late: the "
                    f"watermark was already {_fmt(wm)} when it arrived{_raiser(before, wm, delay)}. A record is late "
                    f"when its event time is <= the watermark.")
        behind = {t: max(b for a, b in READINGS if a < arrival_of[t]) - t for t, _ in late}
        worst = max(behind, key=lambda t: behind[t])
        result.note(f"hint: {len(late)} reading(s) were late ({', '.join(f'{t} ms' for t, _ in late)}). The worst is "
                    f"{worst} ms, which arrives {behind[worst]} ms (of event time) behind the largest event time seen "
                    f"before it; the out-of-orderness must be at least {behind[worst]} ms so that the watermark stays "
                    f"below it")
    first = [r for r in window_rows if r[0] == 0]
    if not first:
        return result.fail("the window [0, 1000) never fired: every reading in it was dropped as late")
    start, end, count, wm_at_fire, fired_at = first[0]
    expected = sum(1 for _, t in READINGS if t < WINDOW_MS)
    if fired_at >= DEADLINE_MS:
        ok = False
        why = ("only when the input ended (the final MAX watermark)" if wm_at_fire == LONG_MAX
               else f"at watermark {_fmt(wm_at_fire)}")
        result.fail(f"the window [0, 1000) fired at {fired_at} virtual ms, {why}; it must fire before "
                    f"{DEADLINE_MS} virtual ms.")
        if delay is not None:
            needed = WINDOW_MS + delay
            arrival = next((a for a, t in READINGS if t >= needed), None)
            when = (f"the first such reading arrives at {arrival} virtual ms" if arrival is not None
                    else "no reading has such an event time, so only the end of input fires it")
            result.note(f"hint: [0, 1000) fires when the watermark reaches 999 ms (its max timestamp), i.e. once a "
                        f"reading with event time >= 999 + {delay} + 1 = {needed} ms has been seen; {when}. A smaller "
                        f"out-of-orderness fires it sooner.")
    elif count != expected:
        result.note(f"the window [0, 1000) fired in time, at {fired_at} virtual ms (watermark {_fmt(wm_at_fire)}), "
                    f"but with {count} of its {expected} readings: the late ones came after it had fired and were "
                    "dropped")
    elif late:
        result.note(f"the window [0, 1000) fired at {fired_at} virtual ms (watermark {_fmt(wm_at_fire)}) with all "
                    f"{count} readings — only by luck: the late readings below 1000 ms came before the watermark "
                    "reached 999, so the window had not fired yet. A later window would drop them")
    else:
        result.note(f"the window [0, 1000) fired at {fired_at} virtual ms (watermark {_fmt(wm_at_fire)}) with all "
                    f"{count} readings ✓")
    if ok:
        result.note("no reading was late ✓")
        lo, hi = min_safe_delay(), max_fast_delay()
        result.note(f"Well done! Any out-of-orderness from {lo} to {hi} ms works here: the lower end is the worst "
                    f"disorder in the stream, the upper end is set by when the reading with event time {hi + WINDOW_MS} "
                    f"ms arrives.")
    return result


def _split_outputs(sim: Any) -> tuple[list[tuple], list[tuple]]:
    """The probe's rows (ts, watermark, proc ms) and the window's rows, from the two collect sinks."""
    probe_rows: list[tuple] = []
    window_rows: list[tuple] = []
    for rows in sim.outputs().values():
        for r in rows:
            (probe_rows if len(r) == 3 else window_rows).append(r)
    return probe_rows, window_rows
