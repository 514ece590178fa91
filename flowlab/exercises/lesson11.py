"""Lesson 11 exercise: predict what two STREAMING programs print when they run in BATCH.

``word_count`` counts the words of two lines with a rolling ``sum``; ``clicks_per_window`` counts clicks per user
in tumbling 10 ms event-time windows, and one click comes after the watermark has passed it. The student sees
their STREAMING output (``printed(program, "STREAMING")``) and writes down, without running BATCH, the rows each
prints in BATCH, in order. ``check_batch_prediction(words, clicks)`` runs both programs in BATCH and explains
each difference by the BATCH rule it misses: one final value per key, keys in serialized-key order, windows
fired per key when the key ends, nothing late.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from flowlab.exercises.result import CheckResult

TITLE = "Exercise 11 — predict the BATCH output"
LINES = ["to be or not to be", "that is the question"]
#: (user, event time ms), arriving one every 2 virtual ms in this order
CLICKS: list[tuple[str, int]] = [("bo", 2), ("ann", 4), ("bo", 7), ("cy", 11), ("ann", 13), ("bo", 9),
                                 ("ann", 15), ("cy", 21), ("bo", 23)]
GAP_MS = 2
WINDOW_MS = 10
LATE_CLICK = ("bo", 9)       # arrives when the watermark is 12 in STREAMING: dropped there


def word_count(env: Any) -> None:
    """Lines -> (word, 1) -> key_by(word) -> sum(1) -> print."""
    from flowlab.common import Types

    (env.from_collection(LINES)
        .flat_map(lambda line: [(word, 1) for word in line.split()])
        .key_by(lambda pair: pair[0], key_type=Types.STRING())
        .sum(1)
        .print())


def clicks_per_window(env: Any) -> None:
    """Clicks -> key_by(user) -> tumbling 10 ms event-time windows -> (user, window start, clicks) -> print."""
    from flowlab.common import Time, Types, WatermarkStrategy
    from flowlab.datastream import ProcessWindowFunction
    from flowlab.datastream.window import TumblingEventTimeWindows
    from flowlab.sources import ScriptedSource

    class CountClicks(ProcessWindowFunction):
        def process(self, key, context, elements):
            yield key, context.window().start, len(list(elements))

    env.get_config().set_auto_watermark_interval(1)
    clicks = ScriptedSource([(i * GAP_MS, click, click[1]) for i, click in enumerate(CLICKS)])
    (env.from_source(clicks, WatermarkStrategy.for_monotonous_timestamps(), "clicks")
        .key_by(lambda click: click[0], key_type=Types.STRING())
        .window(TumblingEventTimeWindows.of(Time.milliseconds(WINDOW_MS)))
        .process(CountClicks())
        .print())


def printed(program: Callable[[Any], None], mode: str = "STREAMING") -> list[str]:
    """What ``program`` prints when it runs to the end in ``mode`` (STREAMING or BATCH), at parallelism 1."""
    from flowlab.datastream import RuntimeExecutionMode, StreamExecutionEnvironment
    from flowlab.runtime import Simulation

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_runtime_mode(RuntimeExecutionMode[mode.upper()])
    program(env)
    sim = Simulation(env, seed=0, record_trace=False)
    sim.run()
    return sim.printed_lines()


def _rows(lines: list[str]) -> list[tuple]:
    return [ast.literal_eval(line) for line in lines]


def _read(prediction: Any, part: str, example: str) -> tuple[list[tuple] | None, str | None]:
    """The student's rows as tuples; printed lines ("('be', 2)", also "1> ('be', 2)") are read as rows."""
    if isinstance(prediction, (str, bytes, dict)) or not hasattr(prediction, "__iter__"):
        return None, f"{part}: give a list of rows, e.g. [{example}, ...]"
    rows = []
    for item in prediction:
        if isinstance(item, str):
            try:
                item = ast.literal_eval(re.sub(r"^\s*\d+>\s*", "", item))
            except (ValueError, SyntaxError):
                return None, f"{part}: cannot read {item!r} as a row: write tuples like {example}"
        if isinstance(item, list):
            item = tuple(item)
        if not isinstance(item, tuple):
            return None, f"{part}: {item!r} is not a row: write tuples like {example}"
        rows.append(item)
    if not rows:
        return None, f"{part}: no rows yet — write the rows BATCH prints, in order, e.g. [{example}, ...]"
    return rows, None


def _first_seen(rows: list[tuple]) -> list[Any]:
    return list(dict.fromkeys(r[0] for r in rows))


def _order_problem(part: str, got: list[tuple], want: list[tuple], arrival_keys: list[Any]) -> str:
    """The rows are right but in another order: which ordering rule does the prediction follow instead?"""
    runs = [k for i, k in enumerate(r[0] for r in got) if i == 0 or got[i - 1][0] != k]
    if len(runs) != len(set(runs)):
        return (f"{part}: the rows of one key are not together. BATCH processes one key at a time and emits its "
                "rows when the key ends, so each key's rows come in one group")
    keys = _first_seen(got)
    if keys != _first_seen(want):
        if keys == sorted(keys, key=str):
            return (f"{part}: your keys are in Python's string order ({', '.join(keys)}). BATCH sorts the "
                    "serialized keys: a string is written as its length, then its characters, so all shorter "
                    "keys come first, and keys of equal length are in alphabetical order (for ASCII letters)")
        if keys == [k for k in arrival_keys if k in keys]:
            return (f"{part}: your keys are in the order they first arrived ({', '.join(keys)}). BATCH reads the "
                    "whole input first and sorts it by key before the operator sees a record")
        return (f"{part}: the rows are right, the key order is not. BATCH sorts the serialized keys: the "
                "length first, then the characters")
    return (f"{part}: the keys are in the right order, but not each key's rows: within a key BATCH sorts the "
            "records by timestamp, so a key's windows fire in time order")


def _check_words(result: CheckResult, got: list[tuple]) -> None:
    part = "word count"
    want, streaming = _rows(printed(word_count, "BATCH")), _rows(printed(word_count, "STREAMING"))
    if got == want:
        result.note(f"{part}: the {len(want)} rows BATCH prints, in its order ✓")
        return
    if got == streaming:
        result.fail(f"{part}: that is what STREAMING prints, an update per word ({len(streaming)} rows). In BATCH "
                    "sum() is not rolling: it emits one row per key, its final value, when the key ends")
        return
    if sorted(got, key=repr) == sorted(want, key=repr):
        result.fail(_order_problem(part, got, want, _first_seen(streaming)))
        return
    final = dict(want)
    counted = [r[0] for r in got if len(r) == 2]
    if any(len(r) != 2 or not isinstance(r[1], int) for r in got):
        result.fail(f"{part}: each row is (word, count) with a whole number as count, like ('word', 1)")
        return
    repeated = sorted({k for k in counted if counted.count(k) > 1})
    if repeated:
        result.fail(f"{part}: {', '.join(map(repr, repeated))} appear(s) in more than one row. In BATCH sum() "
                    "emits only the final count of each word, once")
    for word, count in got:
        if word not in final:
            result.fail(f"{part}: {word!r} is not a word of the input {LINES}")
        elif count != final[word] and word not in repeated:
            result.fail(f"{part}: ({word!r}, {count!r}) — {word!r} occurs {final[word]} time(s) in the input, "
                        "and BATCH prints the final count")
    missing = [w for w in final if w not in counted]
    if missing:
        result.fail(f"{part}: no row for {', '.join(map(repr, missing))}: every word gets its final count")
    if result.passed:     # same rows per key but a different list: should not happen, say what differs
        result.fail(f"{part}: your rows differ from BATCH's; compare them with the {len(want)} rows, one per word")


def _check_clicks(result: CheckResult, got: list[tuple]) -> None:
    part = "clicks per window"
    want, streaming = _rows(printed(clicks_per_window, "BATCH")), _rows(printed(clicks_per_window, "STREAMING"))
    if got == want:
        result.note(f"{part}: the {len(want)} window counts BATCH prints, in its order ✓ — the late click "
                    f"{LATE_CLICK} counts")
        return
    if any(len(r) != 3 for r in got):
        result.fail(f"{part}: each row is (user, window start, clicks), like ('cy', 10, 1)")
        return
    user, ts = LATE_CLICK
    start = ts - ts % WINDOW_MS
    counts = {(r[0], r[1]): r[2] for r in want}
    dropped = [r for r in got if (r[0], r[1]) == (user, start) and r[2] == counts[(user, start)] - 1]
    if got == streaming or dropped:
        if got == streaming:
            result.fail(f"{part}: that is what STREAMING prints. Two things change in BATCH")
        result.fail(f"{part}: in STREAMING the click {LATE_CLICK} arrived when the watermark was already 12 and was "
                    f"dropped as late, so ({user!r}, {start}, ...) counted one click less. BATCH has no watermark "
                    "while it processes records (current_watermark() is Long.MIN_VALUE): nothing is ever late, "
                    "every click counts")
        if got == streaming:
            result.note(f"{part}: and the order: BATCH fires all windows of a key when the key ends, grouped by key "
                        "in serialized-key order")
        return
    if sorted(got, key=repr) == sorted(want, key=repr):
        if [r[:2] for r in got] == [r[:2] for r in streaming]:
            result.fail(f"{part}: the counts are right, in STREAMING's order, where each window fired when the "
                        "watermark passed its end. In BATCH there is no watermark while records are processed: all "
                        "windows of a key fire when that key ends (watermark MAX), so the rows come grouped by key")
        else:
            result.fail(_order_problem(part, got, want, _first_seen([(u,) for u, _ in CLICKS])))
        return
    got_windows = {(r[0], r[1]): r[2] for r in got}
    missing = [w for w in counts if w not in got_windows]
    if missing:
        result.fail(f"{part}: no row for the window(s) (user, start) {', '.join(map(repr, missing))}: each has "
                    "clicks, and every window fires when its key ends")
    for window, count in counts.items():
        if window in got_windows and got_windows[window] != count:
            result.fail(f"{part}: {window[0]!r}'s window [{window[1]}, {window[1] + WINDOW_MS}) gets "
                        f"{got_windows[window]!r}; count the clicks with {window[1]} <= time < "
                        f"{window[1] + WINDOW_MS}, all of them")
    for window in got_windows:
        if window not in counts:
            result.fail(f"{part}: ({window[0]!r}, {window[1]}, ...) is not a window with clicks: windows start at "
                        f"multiples of {WINDOW_MS} ms and exist only where a click falls")
    if len(got) != len(got_windows):
        result.fail(f"{part}: a window appears twice; without allowed lateness each window fires once")
    if result.passed:
        result.fail(f"{part}: your rows differ from BATCH's; there are {len(want)} windows with clicks")


def check_batch_prediction(words: Any, clicks: Any) -> CheckResult:
    """Compare the predicted BATCH rows of ``word_count`` and ``clicks_per_window`` with a BATCH run of each."""
    result = CheckResult(TITLE)
    for part, prediction, example, check in (("word count", words, "('word', 1)", _check_words),
                                              ("clicks per window", clicks, "('user', 0, 1)", _check_clicks)):
        rows, problem = _read(prediction, part, example)
        if problem:
            result.fail(problem)
            continue
        part_result = CheckResult(TITLE)
        check(part_result, rows)
        result.passed = result.passed and part_result.passed
        result.messages.extend(part_result.messages)
    if result.passed:
        result.note("Well done! Now run both programs in BATCH yourself: printed(word_count, \"BATCH\")")
    else:
        result.note("hint: BATCH sorts each keyed input by key (serialized bytes: a string's length first), then "
                    "runs one key at a time; rolling aggregations emit only the final value; no record is late")
    return result
