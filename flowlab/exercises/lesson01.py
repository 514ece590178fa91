"""Lesson 01 exercise: running word counts with ``flat_map`` -> ``key_by`` -> ``sum``.

The student writes ``build_job(env, sentences) -> DataStream`` whose results are ``(word, count)``
pairs, one per word occurrence, where ``count`` is the running total for that word (``str.split()``
words, case-sensitive). ``check_word_count(build_job)`` runs it on hidden inputs at parallelism 1
and 3 and explains what is wrong.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from flowlab.exercises.result import CheckResult

HIDDEN_INPUTS: list[list[str]] = [
    ["to be or not to be", "that is the question", "to be is to do"],
    ["b a", "a a a", "c"],
    ["flink", "stream flink stream", "state", "flink"],
    ["Flink keeps state", "flink Flink FLINK", "State state"],     # words are case-sensitive
]
PARALLELISMS = (1, 3)
TITLE = "Exercise 01 — running word counts"


def expected_counts(sentences: list[str]) -> list[tuple[str, int]]:
    """The running (word, count) pairs in input order."""
    seen: Counter[str] = Counter()
    out = []
    for s in sentences:
        for w in s.split():
            seen[w] += 1
            out.append((w, seen[w]))
    return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _run(build_job: Callable, sentences: list[str], parallelism: int) -> tuple[list[Any] | None, str | None]:
    """Build and run the student's job; (results, None) or (None, problem)."""
    from flowlab.datastream import DataStream, KeyedStream, StreamExecutionEnvironment
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(parallelism)
    try:
        ds = build_job(env, list(sentences))
    except Exception as exc:  # the student's code: report, do not crash the checker
        if "sum(" in str(exc) and "has no fields" in str(exc):
            return None, (f"{exc}. You emitted words, not (word, 1) pairs — sum(1) needs a count field: make "
                          "flat_map yield (word, 1) for each word")
        return None, f"build_job raised {type(exc).__name__}: {exc}"
    if ds is None:
        return None, ("build_job returned None: end it with `return counts` (the DataStream of (word, count) "
                      "pairs), and do not call print() or execute() on what you return")
    if isinstance(ds, KeyedStream):
        return None, ("you returned the KeyedStream itself: key_by() only routes records by key, it computes "
                      "nothing. Call .sum(1) on it and return that stream")
    if not isinstance(ds, DataStream):
        return None, f"build_job must return a DataStream, got {type(ds).__name__}"
    try:
        return list(ds.execute_and_collect()), None
    except Exception as exc:
        text = str(exc)
        if "needs tuple or Row elements" in text and "got str" in text:
            return None, ("the job failed: sum(1) got plain strings: you emitted words, not (word, 1) pairs — "
                          "sum(1) needs a count field: make flat_map yield (word, 1) for each word")
        last = text.strip().splitlines()[-1] if text.strip() else type(exc).__name__
        return None, f"the job failed: {last}"


def _diagnose(got: list[Any], sentences: list[str]) -> str | None:
    """The first thing wrong with ``got`` for ``sentences``, as a hint; None when correct."""
    want = expected_counts(sentences)
    if got and all(isinstance(v, str) for v in got):
        if any(" " in v for v in got):
            return ("you emitted whole sentences: use flat_map (one output per word), not map "
                    "(exactly one output per sentence)")
        return ("you emitted words, not (word, 1) pairs — sum(1) needs a count field: make flat_map yield "
                "(word, 1) for each word")
    for v in got:
        if isinstance(v, list):
            return (f"a result is a list ({v!r}): map emits the whole list as one record. Use flat_map and "
                    "yield one (word, 1) tuple per word")
        if not (isinstance(v, tuple) and len(v) == 2):
            return f"every result must be a (word, count) tuple; got {v!r}"
    words = {w for w, _ in want}
    strange = [w for w, _ in got if w not in words]
    if strange:
        w = strange[0]
        if isinstance(w, str) and " " in w:
            return (f"{w!r} is not a word: split each sentence with sentence.split() in flat_map and yield one "
                    "pair per word")
        if isinstance(w, str) and any(w == x * k for x in words for k in range(2, 8)):
            return (f"{w!r} looks like words glued together: you summed field 0 (the word). The count is field 1: "
                    "use sum(1)")
        return f"{w!r} is not one of the input words (the words are {sorted(words)})"
    per_word_got: dict[str, list[int]] = {}
    for w, c in got:
        per_word_got.setdefault(w, []).append(c)
    per_word_want: dict[str, list[int]] = {}
    for w, c in want:
        per_word_want.setdefault(w, []).append(c)
    if len(got) != len(want):
        if len(got) < len(want) and all(per_word_got.get(w, [None])[-1] == c[-1] for w, c in per_word_want.items()):
            return (f"you emitted only {len(got)} results but {len(want)} are expected: Flink's sum emits a running "
                    "total for every record, not only the final count per word")
        return (f"expected {len(want)} results (one per word occurrence), got {len(got)}")
    missing = [w for w in per_word_want if w not in per_word_got]
    folded = [w for w in missing if any(w != x and w.lower() == x.lower() for x in per_word_got)]
    if folded:
        w = folded[0]
        return (f"{w!r} is missing: words are case-sensitive, so {w!r} and {w.lower()!r} are two different words. "
                "Do not change the words (no lower()): split each sentence with sentence.split() only")
    if missing:
        big = max(per_word_got, key=lambda w: len(per_word_got[w]))
        if len(per_word_got) == 1 or max(c for _, c in got) > max(c for _, c in want):
            return (f"some words never appear ({', '.join(map(repr, missing))}) and '{big}' counts up to "
                    f"{max(per_word_got[big])}: all records went to one key. Key by the word, "
                    "key_by(lambda pair: pair[0]) — sum keeps the other fields of the key's first record")
        return f"these words are missing from your results: {missing}"
    for w, counts in per_word_want.items():
        mine = per_word_got[w]
        if mine == counts:
            continue
        if all(c == 1 for c in mine) and len(mine) > 1:
            n = len(counts)
            return (f"counts are running totals: the {_ordinal(n)} {w!r} must read ({w!r}, {n}), you emitted "
                    f"({w!r}, 1) each time. Add key_by(lambda pair: pair[0]).sum(1)")
        if sorted(mine) == counts:
            return (f"the counts for {w!r} arrive out of order ({mine}): keep one running count per key with "
                    "key_by(...).sum(1) instead of counting yourself")
        return (f"the counts for {w!r} should be {counts} (running totals), yours are {mine}. Keep the count per "
                "key with key_by(lambda pair: pair[0]).sum(1)")
    return None


def check_word_count(build_job: Callable) -> CheckResult:
    """Run ``build_job(env, sentences)`` on hidden inputs at parallelism 1 and 3 and explain the result."""
    result = CheckResult(TITLE)
    if not callable(build_job):
        return result.fail("pass your function itself: check_word_count(build_job), without calling it")
    ok_at: dict[int, bool] = {}
    first_problem: dict[int, str] = {}
    for p in PARALLELISMS:
        ok_at[p] = True
        for sentences in HIDDEN_INPUTS:
            got, problem = _run(build_job, sentences, p)
            if problem is None:
                problem = _diagnose(got, sentences)
            if problem is not None:
                ok_at[p] = False
                first_problem[p] = f"input {sentences!r}: {problem}"
                break
    if all(ok_at.values()):
        return result.note(f"all {len(HIDDEN_INPUTS)} hidden inputs give the right running counts at parallelism "
                           f"{' and '.join(map(str, PARALLELISMS))}. Well done!")
    if ok_at[PARALLELISMS[0]]:
        p = next(q for q in PARALLELISMS if not ok_at[q])
        result.fail(f"correct at parallelism {PARALLELISMS[0]}, but wrong at parallelism {p}: "
                    + first_problem[p])
        return result.note("with several subtasks each one has its own copy of your function's variables; "
                           "let Flink keep the count per key in keyed state: key_by(...).sum(1)")
    return result.fail(first_problem[PARALLELISMS[0]])
